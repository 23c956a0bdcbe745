import { Schema } from 'effect'
import { EventEnvelope } from './envelope'
import { Order } from './orders'
import { OrderChangedType, UserChangedType } from './sources'
import { User } from './users'

/** What happened to the item, as DynamoDB Streams names it. */
export const ChangeKind = Schema.Literal('INSERT', 'MODIFY', 'REMOVE')
export type ChangeKind = typeof ChangeKind.Type

/**
 * A table change as the stream pipe publishes it: the stream record's images decoded from AttributeValue form
 * with the table's record schema (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html).
 */
const Change = <A, I>(record: Schema.Schema<A, I>) =>
  Schema.Struct({
    eventName: ChangeKind,
    sequenceNumber: Schema.String,
    oldImage: Schema.optional(record),
    newImage: Schema.optional(record),
  })

export const OrderChangedDetail = Change(Order)
export type OrderChangedDetail = typeof OrderChangedDetail.Type
export const OrderChanged = EventEnvelope(OrderChangedType, OrderChangedDetail)
export type OrderChanged = typeof OrderChanged.Type

export const UserChangedDetail = Change(User)
export type UserChangedDetail = typeof UserChangedDetail.Type
export const UserChanged = EventEnvelope(UserChangedType, UserChangedDetail)
export type UserChanged = typeof UserChanged.Type

/** One DynamoDB Streams record as Lambda and Pipes receive it (images in AttributeValue form). */
export const StreamRecord = Schema.Struct({
  eventID: Schema.String,
  eventName: ChangeKind,
  eventSource: Schema.Literal('aws:dynamodb'),
  eventSourceARN: Schema.String,
  awsRegion: Schema.String,
  dynamodb: Schema.Struct({
    Keys: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    NewImage: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    OldImage: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    SequenceNumber: Schema.String,
    SizeBytes: Schema.Number,
    StreamViewType: Schema.String,
    ApproximateCreationDateTime: Schema.optional(Schema.Number),
  }),
})
export type StreamRecord = typeof StreamRecord.Type
