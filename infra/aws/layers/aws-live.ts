import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { S3Client } from '@aws-sdk/client-s3'
import { Effect, Layer } from 'effect'
import { ClockLive, type Clock } from '../../../steps/services/clock'
import { PipelineConfigFromEnv, type PipelineConfig } from '../../../steps/services/config'
import type { EventPublisher } from '../../../steps/services/event-publisher'
import type { ImageTable } from '../../../steps/services/image-table'
import type { Ledger } from '../../../steps/services/ledger'
import type { ObjectStore } from '../../../steps/services/object-store'
import type { SearchIndex } from '../../../steps/services/search-index'
import { EventPublisherEventBridge } from './event-publisher-eventbridge'
import { ImageTableDynamoDB } from './image-table-dynamodb'
import { LedgerDynamoDB } from './ledger-dynamodb'
import { ObjectStoreS3 } from './object-store-s3'
import { SearchIndexDynamoDB } from './search-index-dynamodb'

/** Every service a step may depend on. */
export type AwsServices = ObjectStore | ImageTable | SearchIndex | EventPublisher | Ledger | PipelineConfig | Clock

/** The environment variables AwsLive needs; the CDK app must set each on every step function. */
export const requiredEnv = ['BUCKET_NAME', 'IMAGES_TABLE', 'SEARCH_TABLE', 'LEDGER_TABLE', 'EVENT_BUS_NAME'] as const
type RequiredEnv = Record<(typeof requiredEnv)[number], string>

// All missing names at once, so one failed cold start tells the whole story.
const readEnv = (env: NodeJS.ProcessEnv): Effect.Effect<RequiredEnv> => {
  const missing = requiredEnv.filter((name) => (env[name] ?? '') === '')
  return missing.length > 0
    ? Effect.dieMessage(`AwsLive: missing environment variable(s) ${missing.join(', ')}`)
    : Effect.succeed(Object.fromEntries(requiredEnv.map((name) => [name, env[name] as string])) as RequiredEnv)
}

// Released with the layer's scope: never on Lambda (the runtime lives as long as the sandbox), but tests and
// scripts that build AwsLive do not leak sockets.
const client = <C extends { destroy: () => void }>(make: () => C) =>
  Effect.acquireRelease(Effect.sync(make), (made) => Effect.sync(() => made.destroy()))

/**
 * One layer providing every service over AWS, built once per cold start by the shared Lambda runtime:
 * one S3, one DynamoDB and one EventBridge client (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code,
 * "initialize SDK clients outside of the function handler"), region and credentials from the Lambda environment.
 * Reads `BUCKET_NAME`, `IMAGES_TABLE`, `SEARCH_TABLE`, `LEDGER_TABLE`, `EVENT_BUS_NAME`, plus the limits that
 * `PipelineConfigFromEnv` reads; a missing variable is a defect when the layer is built, before any event is handled.
 */
export const AwsLive = (env: NodeJS.ProcessEnv): Layer.Layer<AwsServices> =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const names = yield* readEnv(env)
      const s3 = yield* client(() => new S3Client({}))
      const dynamodb = yield* client(() => new DynamoDBClient({}))
      const eventbridge = yield* client(() => new EventBridgeClient({}))
      return Layer.mergeAll(
        ObjectStoreS3(s3, names.BUCKET_NAME),
        ImageTableDynamoDB(dynamodb, names.IMAGES_TABLE),
        SearchIndexDynamoDB(dynamodb, names.SEARCH_TABLE),
        EventPublisherEventBridge(eventbridge),
        LedgerDynamoDB(dynamodb, names.LEDGER_TABLE),
      ).pipe(Layer.provideMerge(Layer.merge(PipelineConfigFromEnv(env), ClockLive)))
    }),
  )
