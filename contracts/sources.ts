/** Event sources and detail-types: the single spelling shared by producers, consumers and rule patterns. */

/** S3 publishes object notifications with this source on the default bus (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
export const S3Source = 'aws.s3'
export const ObjectCreatedType = 'Object Created'

/** The pipeline's own outcome events. */
export const ImagesSource = 'pipeline.images'
export const ImageProcessedType = 'ImageProcessed'
export const ImageRejectedType = 'ImageRejected'

/** Keys under this prefix start the image workflow; renditions are written elsewhere so they never re-trigger it. */
export const UploadsPrefix = 'uploads/'
export const RenditionsPrefix = 'thumbnails/'
