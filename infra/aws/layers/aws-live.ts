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

/** An SDK client a service is built over. One of each is made per layer, whatever the number of services on it. */
interface AwsClient<C extends { destroy: () => void }> {
  readonly make: () => C
}

// Object literals, not calls, so esbuild drops those no service of the handler refers to.
const s3: AwsClient<S3Client> = { make: () => new S3Client({}) }
const dynamodb: AwsClient<DynamoDBClient> = { make: () => new DynamoDBClient({}) }
const eventbridge: AwsClient<EventBridgeClient> = { make: () => new EventBridgeClient({}) }
const sqs: AwsClient<SQSClient> = { make: () => new SQSClient({}) }

/**
 * One service over AWS, for {@link AwsLayer}: the client it needs and its adapter, made lazy on the variable of
 * {@link serviceEnv}. `R` is what the adapter itself reads (`PipelineConfig`, `Clock`), which AwsLayer provides.
 */
export interface AwsService<I, C extends { destroy: () => void }, R = never> {
  readonly client: AwsClient<C>
  readonly layer: (client: C, env: NodeJS.ProcessEnv) => Layer.Layer<I, never, R>
}

const setting = (env: NodeJS.ProcessEnv, service: ServiceName) => variable(env, serviceEnv[service])

// Separate exports, so a bundle keeps the code of the adapters and clients its handler names only. On the non-image
// steps the SDK is external and its import statements stay (esbuild keeps every import of an external module).
export const AwsObjectStore: AwsService<ObjectStore, S3Client> = {
  client: s3,
  layer: (s3, env) => lazily(ObjectStore, 'ObjectStore', setting(env, 'ObjectStore'), '', (bucket) => ObjectStoreS3(s3, bucket)),
}
export const AwsImageTable: AwsService<ImageTable, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) => lazily(ImageTable, 'ImageTable', setting(env, 'ImageTable'), '', (name) => ImageTableDynamoDB(dynamodb, name)),
}
export const AwsSearchIndex: AwsService<SearchIndex, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) => lazily(SearchIndex, 'SearchIndex', setting(env, 'SearchIndex'), '', (name) => SearchIndexDynamoDB(dynamodb, name)),
}
export const AwsEventPublisher: AwsService<EventPublisher, EventBridgeClient, PipelineConfig> = {
  client: eventbridge,
  // The bus name itself reaches the publisher through PipelineConfig.busName.
  layer: (eventbridge, env) => lazily(EventPublisher, 'EventPublisher', setting(env, 'EventPublisher'), '', () => EventPublisherEventBridge(eventbridge)),
}
export const AwsLedger: AwsService<Ledger, DynamoDBClient, Clock> = {
  client: dynamodb,
  layer: (dynamodb, env) => lazily(Ledger, 'Ledger', setting(env, 'Ledger'), '', (name) => LedgerDynamoDB(dynamodb, name)),
}
export const AwsOrderTable: AwsService<OrderTable, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) => lazily(OrderTable, 'OrderTable', setting(env, 'OrderTable'), '', (name) => OrderTableDynamoDB(dynamodb, name)),
}
export const AwsUserTable: AwsService<UserTable, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) => lazily(UserTable, 'UserTable', setting(env, 'UserTable'), '', (name) => UserTableDynamoDB(dynamodb, name)),
}
export const AwsIdempotencyStore: AwsService<IdempotencyStore, DynamoDBClient, Clock> = {
  client: dynamodb,
  layer: (dynamodb, env) => lazily(IdempotencyStore, 'IdempotencyStore', setting(env, 'IdempotencyStore'), '', (name) => IdempotencyDynamoDB(dynamodb, name)),
}
export const AwsQueueDepths: AwsService<QueueDepths, SQSClient> = {
  client: sqs,
  layer: (sqs, env) => lazily(QueueDepths, 'QueueDepths', Either.flatMap(setting(env, 'QueueDepths'), queueUrls), {}, (urls) => QueueDepthsSqs(sqs, urls)),
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAwsService = AwsService<any, any, PipelineConfig | Clock>
/** The services a list of {@link AwsService}s provides. */
export type ProvidedBy<S extends AnyAwsService> = S extends AwsService<infer I, infer _C, infer _R> ? I : never

/**
 * The layer of one function: the given services over AWS, plus `PipelineConfig` and `Clock`, built once per cold
 * start by the shared Lambda runtime with one client per AWS service they use
 * (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code, "initialize SDK clients outside
 * of the function handler"), region and credentials from the Lambda environment. A handler names only what its step
 * uses (`lambdaStep` checks with tsc that they cover the step's), so its bundle leaves out the other adapters, and
 * the other SDK clients where the SDK is bundled, and its cold start makes only the clients it needs. Each service is
 * lazy as described on {@link AwsLive}.
 */
export const AwsLayer = <const S extends ReadonlyArray<AnyAwsService>>(
  env: NodeJS.ProcessEnv,
  services: S,
): Layer.Layer<ProvidedBy<S[number]> | PipelineConfig | Clock> =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      // Made in the order the services first need them, released in reverse.
      const clients = new Map<AnyAwsService['client'], unknown>()
      for (const service of services) if (!clients.has(service.client)) clients.set(service.client, yield* client(service.client.make))
      const layers = services.map((service) => service.layer(clients.get(service.client), env))
      return Layer.mergeAll(Layer.empty, ...layers).pipe(Layer.provideMerge(Layer.merge(PipelineConfigFromEnv(env), ClockLive)))
    }),
  )

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
    AwsImageTable,
    AwsSearchIndex,
    AwsEventPublisher,
    AwsLedger,
    AwsOrderTable,
    AwsUserTable,
    AwsIdempotencyStore,
    AwsQueueDepths,
  ])
