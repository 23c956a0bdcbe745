import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { S3Client } from '@aws-sdk/client-s3'
import { SQSClient } from '@aws-sdk/client-sqs'
import { Context, Effect, Either, Layer, ParseResult, Schema } from 'effect'
import { ClockLive, type Clock } from '../../../steps/services/clock'
import { PipelineConfigFromEnv, type PipelineConfig } from '../../../steps/services/config'
import { EventPublisher } from '../../../steps/services/event-publisher'
import { IdempotencyStore } from '../../../steps/services/idempotency'
import { ImageTable } from '../../../steps/services/image-table'
import { Ledger } from '../../../steps/services/ledger'
import { ObjectStore } from '../../../steps/services/object-store'
import { OrderTable } from '../../../steps/services/order-table'
import { QueueDepths } from '../../../steps/services/queue-depths'
import { SearchIndex } from '../../../steps/services/search-index'
import { UserTable } from '../../../steps/services/user-table'
import { EventPublisherEventBridge } from './event-publisher-eventbridge'
import { IdempotencyDynamoDB } from './idempotency-dynamodb'
import { ImageTableDynamoDB } from './image-table-dynamodb'
import { LedgerDynamoDB } from './ledger-dynamodb'
import { ObjectStoreS3 } from './object-store-s3'
import { OrderTableDynamoDB } from './order-table-dynamodb'
import { QueueDepthsSqs } from './queue-depths-sqs'
import { SearchIndexDynamoDB } from './search-index-dynamodb'
import { UserTableDynamoDB } from './user-table-dynamodb'

/** Every service a step may depend on. */
export type AwsServices =
  | ObjectStore
  | ImageTable
  | SearchIndex
  | EventPublisher
  | Ledger
  | OrderTable
  | UserTable
  | IdempotencyStore
  | QueueDepths
  | PipelineConfig
  | Clock

/**
 * The environment variable naming each service's resource. The CDK app sets on each function the variables of the
 * services its step uses (and grants it those resources); a service whose variable is absent dies when called.
 * `DEAD_LETTER_QUEUES` is a JSON object of queue name to queue URL.
 */
export const serviceEnv = {
  ObjectStore: 'BUCKET_NAME',
  ImageTable: 'IMAGES_TABLE',
  SearchIndex: 'SEARCH_TABLE',
  Ledger: 'LEDGER_TABLE',
  EventPublisher: 'EVENT_BUS_NAME',
  OrderTable: 'ORDERS_TABLE',
  UserTable: 'USERS_TABLE',
  IdempotencyStore: 'IDEMPOTENCY_TABLE',
  QueueDepths: 'DEAD_LETTER_QUEUES',
} as const
type ServiceName = keyof typeof serviceEnv

/** A setting read from the environment, or why it cannot be used (completing "ORDERS_TABLE, ..."). */
type Setting<A> = Either.Either<A, string>

const variable = (env: NodeJS.ProcessEnv, name: string): Setting<string> => {
  const value = env[name] ?? ''
  return value === '' ? Either.left('which is not set in this function') : Either.right(value)
}

const QueueUrls = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.NonEmptyString }))

const queueUrls = (raw: string): Setting<Readonly<Record<string, string>>> =>
  Schema.decodeUnknownEither(QueueUrls)(raw).pipe(
    Either.mapLeft((error) => `which must be a JSON object of queue name to URL: ${ParseResult.TreeFormatter.formatErrorSync(error)}`),
  )

/**
 * The service with every method dying with `message` when called, and every other property (`ObjectStore.bucket`)
 * throwing it when read, which inside an Effect is the same defect.
 */
const unavailable = <S extends object>(service: S, message: string): S =>
  Object.defineProperties(
    {},
    Object.fromEntries(
      Object.entries(service).map(([name, value]): [string, PropertyDescriptor] => [
        name,
        typeof value === 'function'
          ? { value: () => Effect.dieMessage(message), enumerable: true }
          : { get: () => { throw new Error(message) }, enumerable: true },
      ]),
    ),
  ) as S

/**
 * `make(value)` when the setting is usable. Otherwise the same adapter over `placeholder`, never called, with every
 * method replaced by a defect naming the variable: the method list comes from the adapter itself, so it cannot drift.
 */
const lazily = <I, S extends object, A, R>(
  tag: Context.Tag<I, S>,
  service: ServiceName,
  setting: Setting<A>,
  placeholder: A,
  make: (value: A) => Layer.Layer<I, never, R>,
): Layer.Layer<I, never, R> =>
  Either.match(setting, {
    onRight: make,
    onLeft: (problem) =>
      Layer.map(make(placeholder), (context) =>
        Context.make(tag, unavailable(Context.get(context, tag), `AwsLive: ${service} needs environment variable ${serviceEnv[service]}, ${problem}`)),
      ),
  })

// Released with the layer's scope: never on Lambda (the runtime lives as long as the sandbox), but tests and
// scripts that build AwsLive do not leak sockets.
const client = <C extends { destroy: () => void }>(make: () => C) =>
  Effect.acquireRelease(Effect.sync(make), (made) => Effect.sync(() => made.destroy()))

/**
 * One layer providing every service over AWS, built once per cold start by the shared Lambda runtime:
 * one S3, one DynamoDB, one EventBridge and one SQS client (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code,
 * "initialize SDK clients outside of the function handler"), region and credentials from the Lambda environment.
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
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const s3 = yield* client(() => new S3Client({}))
      const dynamodb = yield* client(() => new DynamoDBClient({}))
      const eventbridge = yield* client(() => new EventBridgeClient({}))
      const sqs = yield* client(() => new SQSClient({}))
      const setting = (service: ServiceName) => variable(env, serviceEnv[service])
      return Layer.mergeAll(
        lazily(ObjectStore, 'ObjectStore', setting('ObjectStore'), '', (bucket) => ObjectStoreS3(s3, bucket)),
        lazily(ImageTable, 'ImageTable', setting('ImageTable'), '', (name) => ImageTableDynamoDB(dynamodb, name)),
        lazily(SearchIndex, 'SearchIndex', setting('SearchIndex'), '', (name) => SearchIndexDynamoDB(dynamodb, name)),
        // The bus name itself reaches the publisher through PipelineConfig.busName.
        lazily(EventPublisher, 'EventPublisher', setting('EventPublisher'), '', () => EventPublisherEventBridge(eventbridge)),
        lazily(Ledger, 'Ledger', setting('Ledger'), '', (name) => LedgerDynamoDB(dynamodb, name)),
        lazily(OrderTable, 'OrderTable', setting('OrderTable'), '', (name) => OrderTableDynamoDB(dynamodb, name)),
        lazily(UserTable, 'UserTable', setting('UserTable'), '', (name) => UserTableDynamoDB(dynamodb, name)),
        lazily(IdempotencyStore, 'IdempotencyStore', setting('IdempotencyStore'), '', (name) => IdempotencyDynamoDB(dynamodb, name)),
        lazily(QueueDepths, 'QueueDepths', Either.flatMap(setting('QueueDepths'), queueUrls), {}, (urls) => QueueDepthsSqs(sqs, urls)),
      ).pipe(Layer.provideMerge(Layer.merge(PipelineConfigFromEnv(env), ClockLive)))
    }),
  )
