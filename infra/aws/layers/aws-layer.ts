import { Context, Effect, Either, Layer } from 'effect'
import { ClockLive, type Clock } from '../../../steps/services/clock'
import { PipelineConfigFromEnv, type PipelineConfig } from '../../../steps/services/config'
import type { EventPublisher } from '../../../steps/services/event-publisher'
import type { IdempotencyStore } from '../../../steps/services/idempotency'
import type { Checkpoints } from '../../../steps/services/checkpoints'
import type { ImageTable } from '../../../steps/services/image-table'
import type { Ledger } from '../../../steps/services/ledger'
import type { ObjectStore } from '../../../steps/services/object-store'
import type { ObjectUrls } from '../../../steps/services/object-urls'
import type { OrderTable } from '../../../steps/services/order-table'
import type { QueueDepths } from '../../../steps/services/queue-depths'
import type { SearchIndex } from '../../../steps/services/search-index'
import type { UserTable } from '../../../steps/services/user-table'

/*
 * The services over AWS live one module per SDK client (services-s3.ts, services-dynamodb.ts,
 * services-eventbridge.ts, services-sqs.ts), and this module imports none: esbuild keeps every import statement of an
 * external module (the SDK is the Lambda runtime's), so a handler that imported every adapter would load all four SDK
 * clients at cold start, about 130 ms, whichever its step uses.
 */

/** Every service a step may depend on. */
export type AwsServices =
  | ObjectStore
  | ObjectUrls
  | ImageTable
  | SearchIndex
  | EventPublisher
  | Ledger
  | OrderTable
  | UserTable
  | IdempotencyStore
  | QueueDepths
  | Checkpoints
  | PipelineConfig
  | Clock

/**
 * The environment variable naming each service's resource. The CDK app sets on each function the variables of the
 * services its step uses (and grants it those resources); a service whose variable is absent dies when called.
 * `DEAD_LETTER_QUEUES` is a JSON object of queue name to queue URL; `SEARCH_ENDPOINT` is the search domain's HTTPS
 * endpoint, or `disabled` on a stack deployed without one (the index steps then skip, `GET /search` answers 501).
 */
export const serviceEnv = {
  ObjectStore: 'BUCKET_NAME',
  ObjectUrls: 'BUCKET_NAME',
  ImageTable: 'IMAGES_TABLE',
  SearchIndex: 'SEARCH_ENDPOINT',
  Ledger: 'LEDGER_TABLE',
  EventPublisher: 'EVENT_BUS_NAME',
  OrderTable: 'ORDERS_TABLE',
  UserTable: 'USERS_TABLE',
  IdempotencyStore: 'IDEMPOTENCY_TABLE',
  QueueDepths: 'DEAD_LETTER_QUEUES',
  Checkpoints: 'STATE_TABLE',
} as const
export type ServiceName = keyof typeof serviceEnv

/** A setting read from the environment, or why it cannot be used (completing "ORDERS_TABLE, ..."). */
export type Setting<A> = Either.Either<A, string>

const variable = (env: NodeJS.ProcessEnv, name: string): Setting<string> => {
  const value = env[name] ?? ''
  return value === '' ? Either.left('which is not set in this function') : Either.right(value)
}

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
          : {
              get: () => {
                throw new Error(message)
              },
              enumerable: true,
            },
      ]),
    ),
  ) as S

/**
 * `make(value)` when the setting is usable. Otherwise the same adapter over `placeholder`, never called, with every
 * method replaced by a defect naming the variable: the method list comes from the adapter itself, so it cannot drift.
 */
export const lazily = <I, S extends object, A, R>(
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
        Context.make(
          tag,
          unavailable(
            Context.get(context, tag),
            `AwsLive: ${service} needs environment variable ${serviceEnv[service]}, ${problem}`,
          ),
        ),
      ),
  })

// Released with the layer's scope: never on Lambda (the runtime lives as long as the sandbox), but tests and
// scripts that build AwsLive do not leak sockets.
const client = <C extends { destroy: () => void }>(make: () => C) =>
  Effect.acquireRelease(Effect.sync(make), (made) => Effect.sync(() => made.destroy()))

/** An SDK client a service is built over. One of each is made per layer, whatever the number of services on it. */
export interface AwsClient<C extends { destroy: () => void }> {
  readonly make: () => C
}

/**
 * One service over AWS, for {@link AwsLayer}: the client it needs and its adapter, made lazy on the variable of
 * {@link serviceEnv}. `R` is what the adapter itself reads (`PipelineConfig`, `Clock`), which AwsLayer provides.
 */
export interface AwsService<I, C extends { destroy: () => void }, R = never> {
  readonly client: AwsClient<C>
  readonly layer: (client: C, env: NodeJS.ProcessEnv) => Layer.Layer<I, never, R>
}

export const setting = (env: NodeJS.ProcessEnv, service: ServiceName) => variable(env, serviceEnv[service])

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
      for (const service of services)
        if (!clients.has(service.client)) clients.set(service.client, yield* client(service.client.make))
      const layers = services.map((service) => service.layer(clients.get(service.client), env))
      return Layer.mergeAll(Layer.empty, ...layers).pipe(
        Layer.provideMerge(Layer.merge(PipelineConfigFromEnv(env), ClockLive)),
      )
    }),
  )
