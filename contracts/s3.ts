import { Schema } from 'effect'
import { EventEnvelope } from './envelope'
import { ObjectCreatedType } from './sources'

/**
 * The `detail` of an S3 `Object Created` event exactly as EventBridge delivers it
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
 */
export const ObjectCreatedDetail = Schema.Struct({
  version: Schema.String,
  bucket: Schema.Struct({ name: Schema.String }),
  object: Schema.Struct({
    key: Schema.String,
    size: Schema.Number,
    etag: Schema.String,
    'version-id': Schema.optional(Schema.String),
    sequencer: Schema.String,
  }),
  'request-id': Schema.String,
  requester: Schema.String,
  'source-ip-address': Schema.optional(Schema.String),
  reason: Schema.String,
})
export type ObjectCreatedDetail = typeof ObjectCreatedDetail.Type

export const ObjectCreated = EventEnvelope(ObjectCreatedType, ObjectCreatedDetail)
export type ObjectCreated = typeof ObjectCreated.Type
