/**
 * ImageTableDynamoDB against dynalite: the conditional PutItem of `putVersion` evaluated by a DynamoDB
 * implementation, not a mock that is told whether the condition held. dynalite ignores
 * ReturnValuesOnConditionCheckFailure, so every `written: false` here comes through the adapter's fallback read.
 *
 * Not tested here: a refused connection. Under Jest the socket error comes from Node's own realm, so the SDK's retry
 * middleware (`asSdkError`, `error instanceof Error` false across realms) wraps it in a plain Error without its
 * `code`, and the adapter would die instead of failing with a TransientError; in plain Node (Lambda) the SDK
 * rethrows the error with `code: 'ECONNREFUSED'` and the adapter fails with a TransientError. The unit tests keep that case.
 *
 * Suite scope: see object-store-s3.test.ts (EventBridge and SQS stay on aws-sdk-client-mock only).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { Effect, Exit } from 'effect'
import type { ImageRecord } from '../../../contracts/images'
import { ImageTableDynamoDB } from '../../../infra/aws/layers/image-table-dynamodb'
import { ImageTable } from '../../../steps/services/image-table'
import { startDynamoDB, type DynamoDBEmulator } from '../../support/emulators'
import { defectOf, failureOf } from '../../unit/infra/aws/layers/exits'

const table = 'images-table'
let dynamodb: DynamoDBEmulator

beforeAll(async () => {
  dynamodb = await startDynamoDB()
  await dynamodb.createTable({ name: table, key: 'key' })
})
afterAll(() => dynamodb.stop())

const run = <A, E>(use: (images: typeof ImageTable.Service) => Effect.Effect<A, E>, inTable = table) =>
  Effect.runPromiseExit(
    Effect.flatMap(ImageTable, use).pipe(Effect.provide(ImageTableDynamoDB(dynamodb.client, inTable))),
  )

// Each test writes its own key, so the tests share the table without seeing each other.
const processed = (key: string, etag = 'etag-v1'): ImageRecord => ({
  key,
  bucket: 'uploads-bucket',
  etag,
  status: 'PROCESSED',
  size: 2048,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [
    { name: 'thumbnail', key: `thumbnails/${key}-thumbnail.jpeg`, format: 'jpeg', width: 200, height: 150, bytes: 512 },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
})

// No format, width or height: undefined optional fields must be left out of the item, not sent as NULL.
const failed = (key: string, etag = 'etag-v1'): ImageRecord => ({
  key,
  bucket: 'uploads-bucket',
  etag,
  status: 'FAILED',
  size: 2048,
  renditions: [],
  error: 'TransientError',
  reason: 'gave up',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:05:00.000Z',
})

describe('ImageTableDynamoDB against dynalite', () => {
  it('writes the first record of a key, and get reads it back whole', async () => {
    const record = processed('uploads/first.jpg')

    const write = await run((images) => images.putVersion(record))
    const read = await run((images) => images.get(record.key))

    expect(write).toEqual(Exit.succeed({ written: true }))
    expect(read).toEqual(Exit.succeed(record))
  })

  it('answers undefined for a key with no record', async () => {
    expect(await run((images) => images.get('uploads/never-written.jpg'))).toEqual(Exit.succeed(undefined))
  })

  it('does not write the same version twice, and answers the record that stands', async () => {
    const record = processed('uploads/duplicate.jpg')
    await run((images) => images.putVersion(record))

    const again = await run((images) =>
      images.putVersion({ ...record, updatedAt: '2026-01-02T00:00:00.000Z', renditions: [] }),
    )
    const read = await run((images) => images.get(record.key))

    expect(again).toEqual(Exit.succeed({ written: false, existing: record }))
    expect(read).toEqual(Exit.succeed(record))
  })

  it('upgrades a FAILED record to PROCESSED of the same version', async () => {
    const failure = failed('uploads/retried.jpg')
    const success = { ...processed('uploads/retried.jpg'), updatedAt: '2026-01-01T00:10:00.000Z' }

    const first = await run((images) => images.putVersion(failure))
    const upgrade = await run((images) => images.putVersion(success))
    const read = await run((images) => images.get(success.key))

    expect(first).toEqual(Exit.succeed({ written: true }))
    expect(upgrade).toEqual(Exit.succeed({ written: true }))
    expect(read).toEqual(Exit.succeed(success))
  })

  it('keeps a FAILED record against another FAILED of the same version', async () => {
    const failure = failed('uploads/failed-twice.jpg')
    await run((images) => images.putVersion(failure))

    const again = await run((images) => images.putVersion({ ...failure, reason: 'gave up again' }))

    expect(again).toEqual(Exit.succeed({ written: false, existing: failure }))
  })

  it('never downgrades a PROCESSED record to FAILED of the same version', async () => {
    const success = processed('uploads/no-downgrade.jpg')
    await run((images) => images.putVersion(success))

    const downgrade = await run((images) => images.putVersion(failed(success.key)))

    expect(downgrade).toEqual(Exit.succeed({ written: false, existing: success }))
  })

  it('replaces the record with another etag, whatever the statuses', async () => {
    const v1 = processed('uploads/new-version.jpg', 'etag-v1')
    const v2 = failed('uploads/new-version.jpg', 'etag-v2')
    const v3 = processed('uploads/new-version.jpg', 'etag-v3')
    await run((images) => images.putVersion(v1))

    const second = await run((images) => images.putVersion(v2))
    const third = await run((images) => images.putVersion(v3))
    const read = await run((images) => images.get(v1.key))

    expect(second).toEqual(Exit.succeed({ written: true }))
    expect(third).toEqual(Exit.succeed({ written: true }))
    expect(read).toEqual(Exit.succeed(v3))
  })

  it('stores a record without its undefined optional fields', async () => {
    const failure = failed('uploads/sparse.jpg')
    await run((images) => images.putVersion(failure))

    const { Item } = await dynamodb.client.send(
      new GetItemCommand({ TableName: table, Key: marshall({ key: failure.key }), ConsistentRead: true }),
    )

    expect(Object.keys(Item ?? {}).sort()).toEqual([
      'bucket',
      'createdAt',
      'error',
      'etag',
      'key',
      'reason',
      'renditions',
      'size',
      'status',
      'updatedAt',
    ])
  })

  it.each<[string, (service: typeof ImageTable.Service) => Effect.Effect<unknown, unknown>]>([
    ['get', (images) => images.get('uploads/any.jpg')],
    ['putVersion', (images) => images.putVersion(processed('uploads/any.jpg'))],
  ])(
    'dies on %s in a table that does not exist (ResourceNotFoundException): no retry, and not a conditional answer',
    async (_, call) => {
      const exit = await run(call, 'no-such-table')

      expect(failureOf(exit)).toBeUndefined()
      expect(defectOf(exit)).toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      })
    },
  )

  it('dies on a request DynamoDB refuses to validate (an empty key)', async () => {
    const exit = await run((images) => images.get(''))

    expect(defectOf(exit)).toMatchObject({ name: 'ValidationException' })
  })
})
