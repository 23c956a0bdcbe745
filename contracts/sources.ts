/** Event sources and detail-types: the single spelling shared by producers, consumers and rule patterns. */

/** S3 publishes object notifications with this source on the default bus (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
export const S3Source = 'aws.s3'
export const ObjectCreatedType = 'Object Created'
export const ObjectDeletedType = 'Object Deleted'

/** The pipeline's own outcome events. */
export const ImagesSource = 'pipeline.images'
export const ImageProcessedType = 'ImageProcessed'
export const ImageRejectedType = 'ImageRejected'

/** Keys under this prefix start the image workflow; renditions are written elsewhere so they never re-trigger it. */
export const UploadsPrefix = 'uploads/'
export const RenditionsPrefix = 'thumbnails/'

/** Orders: placed through the API or an import, decided by the order workflow. */
export const OrdersSource = 'pipeline.orders'
export const OrderPlacedType = 'OrderPlaced'
export const OrderAcceptedType = 'OrderAccepted'
export const OrderRejectedType = 'OrderRejected'
export const OrderStatusChangedType = 'OrderStatusChanged'

/** The orders queue's valid messages, as the queue source turns them into events. */
export const QueueSource = 'pipeline.queue'
export const OrderMessageReceivedType = 'OrderMessageReceived'

/** Table changes, as the stream pipe turns DynamoDB stream records into typed events. */
export const ChangesSource = 'pipeline.changes'
export const OrderChangedType = 'OrderChanged'
export const UserChangedType = 'UserChanged'

/** Notifications about users. */
export const UsersSource = 'pipeline.users'
export const UserWelcomedType = 'UserWelcomed'
export const UserStatusChangedType = 'UserStatusChanged'

/** The maintenance workflow's summary. */
export const MaintenanceSource = 'pipeline.maintenance'
export const DlqDepthSummaryType = 'DlqDepthSummary'

/** Files under this prefix start the import workflow; its reports go under the other. */
export const ImportsPrefix = 'imports/'
export const ReportsPrefix = 'reports/'
