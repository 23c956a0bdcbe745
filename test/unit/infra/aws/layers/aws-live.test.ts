import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs'
import { mockClient } from 'aws-sdk-client-mock'
import { Effect, Exit } from 'effect'
import { AwsLive, serviceEnv, type AwsServices } from '../../../../../infra/aws/layers/aws-live'
import { Checkpoints } from '../../../../../steps/services/checkpoints'
import { Clock } from '../../../../../steps/services/clock'
import { PipelineConfig } from '../../../../../steps/services/config'
import { EventPublisher } from '../../../../../steps/services/event-publisher'
import { IdempotencyStore } from '../../../../../steps/services/idempotency'
import { ImageTable } from '../../../../../steps/services/image-table'
import { Ledger } from '../../../../../steps/services/ledger'
import { ObjectStore } from '../../../../../steps/services/object-store'
import { ObjectUrls } from '../../../../../steps/services/object-urls'
import { OrderTable } from '../../../../../steps/services/order-table'
import { QueueDepths } from '../../../../../steps/services/queue-depths'
import { SearchIndex } from '../../../../../steps/services/search-index'
import { UserTable } from '../../../../../steps/services/user-table'
import { defectOf } from '../../../../support/exits'
import { runWith } from '../../../../support/run-with'

// Class-level mocks: AwsLive creates its own clients, and these intercept every instance.
const s3 = mockClient(S3Client)
const dynamodb = mockClient(DynamoDBClient)
const eventbridge = mockClient(EventBridgeClient)
const sqs = mockClient(SQSClient)

const dlqUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/image-dlq'

/** What the image steps' functions are given. */
const imageEnv = {
  AWS_REGION: 'eu-west-1',
  BUCKET_NAME: 'uploads-bucket',
  IMAGES_TABLE: 'images-table',
  SEARCH_ENDPOINT: 'disabled',
  LEDGER_TABLE: 'ledger-table',
  EVENT_BUS_NAME: 'pipeline-bus',
  MAX_IMAGE_BYTES: '1000',
}
const env = {
  ...imageEnv,
  ORDERS_TABLE: 'orders-table',
  USERS_TABLE: 'users-table',
  IDEMPOTENCY_TABLE: 'idempotency-table',
  DEAD_LETTER_QUEUES: JSON.stringify({ images: dlqUrl }),
  STATE_TABLE: 'state-table',
}

const missing = (service: string, variable: string) =>
  new Error(`AwsLive: ${service} needs environment variable ${variable}, which is not set in this function`)

/** One call of each service, in the order of {@link serviceEnv}. */
const callOf: Record<keyof typeof serviceEnv, Effect.Effect<unknown, unknown, AwsServices>> = {
  ObjectStore: Effect.flatMap(ObjectStore, (store) => store.head('uploads/cat.jpg')),
  ImageTable: Effect.flatMap(ImageTable, (images) => images.get('uploads/cat.jpg')),
  ObjectUrls: Effect.flatMap(ObjectUrls, (urls) => urls.getUrl('thumbnails/thumbnail/cat.jpg.jpg', 60)),
  SearchIndex: Effect.flatMap(SearchIndex, (index) =>
    index.upsert({ id: 'image:doc-1', kind: 'image', title: 't', exact: [], text: 't', data: null }, 1),
  ),
  Checkpoints: Effect.flatMap(Checkpoints, (checkpoints) => checkpoints.read('reconcile-search')),
  EventPublisher: Effect.flatMap(EventPublisher, (publisher) =>
    publisher.publish([{ Source: 'pipeline.images', DetailType: 'ImageProcessed', Detail: '{}' }]),
  ),
  Ledger: Effect.flatMap(Ledger, (ledger) => ledger.claim('business-key', 'exec-1')),
  OrderTable: Effect.flatMap(OrderTable, (orders) => orders.get('order-1')),
  UserTable: Effect.flatMap(UserTable, (users) => users.get('user-1')),
  IdempotencyStore: Effect.flatMap(IdempotencyStore, (store) =>
    store.begin('key-1', 'fp-1', '2026-06-02T00:00:00.000Z'),
  ),
  QueueDepths: Effect.flatMap(QueueDepths, (queues) => queues.deadLetterDepths()),
}

const services = Object.keys(serviceEnv) as Array<keyof typeof serviceEnv>

const sdkCalls = () => s3.calls().length + dynamodb.calls().length + eventbridge.calls().length + sqs.calls().length

// Presigning reads the region and credentials from the default chains, without calling AWS: give it some.
const savedEnv = { ...process.env }
beforeAll(() => {
  process.env.AWS_REGION = 'eu-west-1'
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE'
  process.env.AWS_SECRET_ACCESS_KEY = 'not-a-secret'
})
afterAll(() => {
  process.env = savedEnv
})

beforeEach(() => {
  s3.reset()
  dynamodb.reset()
  eventbridge.reset()
  sqs.reset()
})

describe('AwsLive', () => {
  it('provides every service, wired to the resources named in the environment', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"' })
    dynamodb.on(GetItemCommand).resolves({})
    dynamodb.on(PutItemCommand).resolves({})
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 })
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } })
    const program = Effect.gen(function* () {
      for (const service of services) yield* callOf[service]
      yield* Clock
      return {
        config: yield* PipelineConfig,
        depths: yield* callOf.QueueDepths,
        bucket: (yield* ObjectStore).bucket,
        url: yield* callOf.ObjectUrls,
        search: yield* callOf.SearchIndex,
      }
    })

    const exit = await runWith(AwsLive(env))(program)

    expect(exit).toEqual(
      Exit.succeed({
        config: { maxImageBytes: 1000, maxImagePixels: 50_000_000, busName: 'pipeline-bus' },
        depths: [{ name: 'images', depth: 2 }],
        bucket: 'uploads-bucket',
        url: expect.stringMatching(
          /^https:\/\/uploads-bucket\.s3\.eu-west-1\.amazonaws\.com\/thumbnails\/thumbnail\/cat\.jpg\.jpg\?.*X-Amz-Expires=60/,
        ),
        // A stack deployed without search: the write is skipped, with nothing sent.
        search: 'disabled',
      }),
    )
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input.Bucket).toBe('uploads-bucket')
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input.TableName)).toEqual([
      'images-table',
      'orders-table',
      'users-table',
      'state-table',
    ])
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input.TableName)).toEqual([
      'ledger-table',
      'idempotency-table',
    ])
    expect(eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.EventBusName).toBe('pipeline-bus')
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input.QueueUrl).toBe(dlqUrl)
  })

  it('builds with only the image variables: the image services work, the others die when called', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"' })
    dynamodb.on(GetItemCommand).resolves({})

    const runtime = AwsLive(imageEnv)
    const image = await runWith(runtime)(Effect.zip(callOf.ObjectStore, callOf.ImageTable))
    const orders = await runWith(runtime)(callOf.OrderTable)

    expect(Exit.isSuccess(image)).toBe(true)
    expect(defectOf(orders)).toEqual(missing('OrderTable', 'ORDERS_TABLE'))
  })

  it.each(services.map((service) => [service, serviceEnv[service]] as const))(
    'builds without any resource variable; %s dies only when called, naming %s, and sends nothing',
    async (service, variable) => {
      const exit = await runWith(AwsLive({ AWS_REGION: 'eu-west-1' }))(callOf[service])

      expect(defectOf(exit)).toEqual(missing(service, variable))
      expect(sdkCalls()).toBe(0)
    },
  )

  it('builds a layer that nothing calls, whatever is missing', async () => {
    const exit = await runWith(AwsLive({}))(Effect.flatMap(PipelineConfig, (config) => Effect.succeed(config.busName)))

    expect(exit).toEqual(Exit.succeed('pipeline'))
  })

  it('takes an empty variable for a missing one', async () => {
    const exit = await runWith(AwsLive({ ...env, USERS_TABLE: '' }))(callOf.UserTable)

    expect(defectOf(exit)).toEqual(missing('UserTable', 'USERS_TABLE'))
  })

  it('dies when the bucket name of an unconfigured ObjectStore is read', async () => {
    const { BUCKET_NAME: _bucket, ...partial } = env

    const exit = await runWith(AwsLive(partial))(Effect.map(ObjectStore, (store) => store.bucket))

    expect(defectOf(exit)).toEqual(missing('ObjectStore', 'BUCKET_NAME'))
  })

  it.each([
    ['not JSON', 'image-dlq'],
    ['not an object of URLs', JSON.stringify({ images: 42 })],
    ['a JSON array', JSON.stringify([dlqUrl])],
  ])(
    'makes QueueDepths die, naming DEAD_LETTER_QUEUES, when it is %s, and leaves the rest working',
    async (_name, value) => {
      dynamodb.on(GetItemCommand).resolves({})
      const runtime = AwsLive({ ...env, DEAD_LETTER_QUEUES: value })

      const depths = await runWith(runtime)(callOf.QueueDepths)
      const orders = await runWith(runtime)(callOf.OrderTable)

      expect((defectOf(depths) as Error).message).toMatch(
        /^AwsLive: QueueDepths needs environment variable DEAD_LETTER_QUEUES, which must be a JSON object of queue name to URL: /,
      )
      expect(orders).toEqual(Exit.succeed(undefined))
    },
  )

  it('dies at build time on an invalid limit', async () => {
    const exit = await runWith(AwsLive({ ...env, MAX_IMAGE_BYTES: 'lots' }))(Effect.void)

    expect(defectOf(exit)).toEqual(new Error('MAX_IMAGE_BYTES must be a positive integer, got "lots"'))
  })
})
