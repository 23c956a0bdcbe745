import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { Effect, Exit } from 'effect'
import { AwsLive } from '../../../../../infra/aws/layers/aws-live'
import { Clock } from '../../../../../steps/services/clock'
import { PipelineConfig } from '../../../../../steps/services/config'
import { EventPublisher } from '../../../../../steps/services/event-publisher'
import { ImageTable } from '../../../../../steps/services/image-table'
import { Ledger } from '../../../../../steps/services/ledger'
import { ObjectStore } from '../../../../../steps/services/object-store'
import { SearchIndex } from '../../../../../steps/services/search-index'
import { defectOf } from './exits'

// Class-level mocks: AwsLive creates its own clients, and these intercept every instance.
const s3 = mockClient(S3Client)
const dynamodb = mockClient(DynamoDBClient)
const eventbridge = mockClient(EventBridgeClient)

const env = {
  AWS_REGION: 'eu-west-1',
  BUCKET_NAME: 'uploads-bucket',
  IMAGES_TABLE: 'images-table',
  SEARCH_TABLE: 'search-table',
  LEDGER_TABLE: 'ledger-table',
  EVENT_BUS_NAME: 'pipeline-bus',
  MAX_IMAGE_BYTES: '1000',
}

beforeEach(() => {
  s3.reset()
  dynamodb.reset()
  eventbridge.reset()
})

describe('AwsLive', () => {
  it('provides every service, wired to the resources named in the environment', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"' })
    dynamodb.on(GetItemCommand).resolves({})
    dynamodb.on(PutItemCommand).resolves({})
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 })
    const program = Effect.gen(function* () {
      yield* (yield* ObjectStore).head('uploads/cat.jpg')
      yield* (yield* ImageTable).get('uploads/cat.jpg')
      yield* (yield* SearchIndex).upsert({ id: 'doc-1', kind: 'image', title: 't', text: 't', data: null })
      yield* (yield* Ledger).claim('business-key', 'exec-1')
      yield* (yield* EventPublisher).publish([{ Source: 'pipeline.images', DetailType: 'ImageProcessed', Detail: '{}' }])
      yield* Clock
      return yield* PipelineConfig
    })

    const exit = await Effect.runPromiseExit(Effect.provide(program, AwsLive(env)))

    expect(exit).toEqual(Exit.succeed({ maxImageBytes: 1000, maxImagePixels: 50_000_000, busName: 'pipeline-bus' }))
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input.Bucket).toBe('uploads-bucket')
    expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input.TableName).toBe('images-table')
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input.TableName)).toEqual(['search-table', 'ledger-table'])
    expect(eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.EventBusName).toBe('pipeline-bus')
  })

  it('dies at build time naming every missing variable', async () => {
    const { BUCKET_NAME: _bucket, LEDGER_TABLE: _ledger, ...partial } = env

    const exit = await Effect.runPromiseExit(Effect.provide(Effect.void, AwsLive({ ...partial, SEARCH_TABLE: '' })))

    expect(defectOf(exit)).toEqual(new Error('AwsLive: missing environment variable(s) BUCKET_NAME, SEARCH_TABLE, LEDGER_TABLE'))
  })

  it('dies at build time on an invalid limit', async () => {
    const exit = await Effect.runPromiseExit(Effect.provide(Effect.void, AwsLive({ ...env, MAX_IMAGE_BYTES: 'lots' })))

    expect(defectOf(exit)).toEqual(new Error('MAX_IMAGE_BYTES must be a positive integer, got "lots"'))
  })
})
