import { ImportsPrefix, ObjectCreatedType, S3Source, UploadsPrefix } from './sources'

/** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). */
export type EventPattern = { readonly [field: string]: ReadonlyArray<unknown> | EventPattern }

/**
 * On the default bus: S3 notifications of the upload bucket under the prefixes a rule routes (`uploads/` for images,
 * `imports/` for order files), forwarded to the pipeline bus (S3 only ever writes to the default bus). Renditions
 * and import reports stay behind: each forwarded event is billed as a custom event
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html), and nothing routes those.
 */
export const uploadBucketNotifications = (bucketName: string): EventPattern => ({
  source: [S3Source],
  detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: UploadsPrefix }, { prefix: ImportsPrefix }] } },
})

/** On the pipeline bus: a new object under `uploads/` starts the image workflow. */
export const imageUploaded = (bucketName: string): EventPattern => ({
  source: [S3Source],
  'detail-type': [ObjectCreatedType],
  detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: UploadsPrefix }] } },
})
