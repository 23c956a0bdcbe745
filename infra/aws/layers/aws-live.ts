import type { Layer } from 'effect'
import { AwsLayer, type AwsServices } from './aws-layer'
import {
  AwsCheckpoints,
  AwsIdempotencyStore,
  AwsImageTable,
  AwsLedger,
  AwsOrderTable,
  AwsUserTable,
} from './services-dynamodb'
import { AwsEventPublisher } from './services-eventbridge'
import { AwsSearchIndex } from './services-opensearch'
import { AwsObjectStore, AwsObjectUrls } from './services-s3'
import { AwsQueueDepths } from './services-sqs'

export { AwsLayer, serviceEnv, type AwsServices, type AwsService, type ProvidedBy } from './aws-layer'
export {
  AwsCheckpoints,
  AwsIdempotencyStore,
  AwsImageTable,
  AwsLedger,
  AwsOrderTable,
  AwsUserTable,
} from './services-dynamodb'
export { AwsEventPublisher } from './services-eventbridge'
export { AwsSearchIndex } from './services-opensearch'
export { AwsObjectStore, AwsObjectUrls } from './services-s3'
export { AwsQueueDepths } from './services-sqs'

/**
 * One layer providing every service over AWS: {@link AwsLayer} with all of them, one S3, one DynamoDB, one
 * EventBridge and one SQS client. Handlers use AwsLayer with only their step's services; this is for whatever needs
 * them all.
 *
 * Every resource service is lazy: it reads its variable from {@link serviceEnv} when the layer is built, and when the
 * variable is absent (or empty, or `DEAD_LETTER_QUEUES` is not a JSON object of names to URLs) the layer still
 * builds, and only calling that service dies, with a defect naming the variable. So each function is given only the
 * variables (and IAM grants) of the services its step uses: the image steps keep running without `ORDERS_TABLE`,
 * and an order step without `BUCKET_NAME`. A step calling a service its function was not given fails its first
 * invocation that gets there, with the variable in the error message.
 *
 * `PipelineConfig` and `Clock` are always there; the limits `PipelineConfigFromEnv` reads are still checked when
 * the layer is built, since a malformed limit is a defect whatever the step.
 */
export const AwsLive = (env: NodeJS.ProcessEnv): Layer.Layer<AwsServices> =>
  AwsLayer(env, [
    AwsObjectStore,
    AwsObjectUrls,
    AwsImageTable,
    AwsSearchIndex,
    AwsEventPublisher,
    AwsLedger,
    AwsOrderTable,
    AwsUserTable,
    AwsIdempotencyStore,
    AwsQueueDepths,
    AwsCheckpoints,
  ])
