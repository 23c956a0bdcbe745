import { ObjectCreatedType, S3Source, UploadsPrefix } from './sources'

/** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). */
export type EventPattern = { readonly [field: string]: ReadonlyArray<unknown> | EventPattern }

/** On the default bus: S3 notifications of the upload bucket, forwarded to the pipeline bus (S3 only ever writes to the default bus). */
export const uploadBucketNotifications = (bucketName: string): EventPattern => ({
  source: [S3Source],
  detail: { bucket: { name: [bucketName] } },
})

/** On the pipeline bus: a new object under `uploads/` starts the image workflow. */
export const imageUploaded = (bucketName: string): EventPattern => ({
  source: [S3Source],
  'detail-type': [ObjectCreatedType],
  detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: UploadsPrefix }] } },
})
