/**
 * IdempotencyDynamoDB against dynalite: begin, complete, replay, mismatch and release, with the expiry
 * compared by DynamoDB itself (`#expiresAt < :now` in epoch seconds) on the items that really stand.
 * dynalite ignores ReturnValuesOnConditionCheckFailure, so every answer to a taken key comes through the fallback read.
 *
 * Suite scope: see object-store-s3.test.ts (EventBridge and SQS stay on aws-sdk-client-mock only).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Exit, Layer } from 'effect'
import { IdempotencyDynamoDB } from '../../../infra/aws/layers/idempotency-dynamodb'
import { Clock } from '../../../steps/services/clock'
import { IdempotencyStore, type StoredResponse } from '../../../steps/services/idempotency'
import { startDynamoDB, type DynamoDBEmulator } from '../../support/emulators'
import { defectOf } from '../../unit/infra/aws/layers/exits'

let dynamodb: DynamoDBEmulator

beforeAll(async () => {
  dynamodb = await startDynamoDB()
  await Promise.all(['idempotency-table'].map((name) => dynamodb.createTable({ name, key: 'key' })))
})
afterAll(() => dynamodb.stop())

const table = 'idempotency-table'
const noon = '2026-04-01T12:00:00.000Z'
const inAnHour = '2026-04-01T13:00:00.000Z'
const later = '2026-04-01T13:00:01.000Z'

const run = <A, E>(use: (store: typeof IdempotencyStore.Service) => Effect.Effect<A, E>, now = noon, inTable = table) =>
  Effect.runPromiseExit(
    Effect.flatMap(IdempotencyStore, use).pipe(
      Effect.provide(IdempotencyDynamoDB(dynamodb.client, inTable)),
      Effect.provide(Layer.succeed(Clock, { now: () => now })),
    ),
  )

const begin = (key: string, fingerprint: string, { expiresAt = inAnHour, now = noon } = {}) =>
  run((store) => store.begin(key, fingerprint, expiresAt), now)

const stored = async (key: string, inTable = table) => {
  const { Item } = await dynamodb.client.send(
    new GetItemCommand({ TableName: inTable, Key: marshall({ key }), ConsistentRead: true }),
  )
  return Item === undefined ? undefined : unmarshall(Item)
}

const created: StoredResponse = {
  statusCode: 201,
  headers: { 'content-type': 'application/json', location: '/orders/o-1' },
  body: '{"orderId":"o-1","status":"PENDING"}',
}

// Each test uses its own keys.
describe('IdempotencyDynamoDB against dynalite', () => {
  it('takes a new key, in progress with its fingerprint and TTL in epoch seconds', async () => {
    expect(await begin('idem-new', 'fp-1')).toEqual(Exit.succeed({ kind: 'new' }))
    expect(await stored('idem-new')).toEqual({
      key: 'idem-new',
      status: 'INPROGRESS',
      fingerprint: 'fp-1',
      expiresAt: Date.parse(inAnHour) / 1000,
      expiresAtIso: inAnHour,
    })
  })

  it('answers in-progress to a retry of a request still running', async () => {
    await begin('idem-running', 'fp-1')

    expect(await begin('idem-running', 'fp-1')).toEqual(Exit.succeed({ kind: 'in-progress' }))
  })

  it('replays the stored response to a retry once the request completed', async () => {
    await begin('idem-done', 'fp-1')

    expect(await run((store) => store.complete('idem-done', created))).toEqual(Exit.void)
    expect(await begin('idem-done', 'fp-1')).toEqual(Exit.succeed({ kind: 'completed', response: created }))
    expect(await stored('idem-done')).toMatchObject({ status: 'COMPLETED', response: created })
  })

  it('answers mismatch to the same key with another body, running or completed', async () => {
    await begin('idem-mismatch', 'fp-1')

    expect(await begin('idem-mismatch', 'fp-other')).toEqual(Exit.succeed({ kind: 'mismatch' }))
    await run((store) => store.complete('idem-mismatch', created))
    expect(await begin('idem-mismatch', 'fp-other')).toEqual(Exit.succeed({ kind: 'mismatch' }))
  })

  it('forgets an unfinished record on release, so the retry runs again', async () => {
    await begin('idem-release', 'fp-1')

    expect(await run((store) => store.release('idem-release'))).toEqual(Exit.void)
    expect(await stored('idem-release')).toBeUndefined()
    expect(await begin('idem-release', 'fp-1')).toEqual(Exit.succeed({ kind: 'new' }))
  })

  it('keeps a completed record on release, and releases an absent key without error', async () => {
    await begin('idem-keep', 'fp-1')
    await run((store) => store.complete('idem-keep', created))

    expect(await run((store) => store.release('idem-keep'))).toEqual(Exit.void)
    expect(await begin('idem-keep', 'fp-1')).toEqual(Exit.succeed({ kind: 'completed', response: created }))
    expect(await run((store) => store.release('idem-never-begun'))).toEqual(Exit.void)
  })

  it('stores and replays a response with no headers and an empty body (a 204)', async () => {
    const noContent: StoredResponse = { statusCode: 204, headers: {}, body: '' }
    await begin('idem-204', 'fp-1')

    expect(await run((store) => store.complete('idem-204', noContent))).toEqual(Exit.void)
    expect(await begin('idem-204', 'fp-1')).toEqual(Exit.succeed({ kind: 'completed', response: noContent }))
  })

  it('does not bring back a record that is gone when completing it', async () => {
    expect(await run((store) => store.complete('idem-gone', created))).toEqual(Exit.void)
    expect(await stored('idem-gone')).toBeUndefined()
  })

  it('lets a request take a key whose record expired, whatever its fingerprint or status', async () => {
    await begin('idem-expired', 'fp-1')
    await run((store) => store.complete('idem-expired', created))

    expect(await begin('idem-expired', 'fp-1', { now: inAnHour })).toEqual(
      Exit.succeed({ kind: 'completed', response: created }),
    )
    expect(await begin('idem-expired', 'fp-2', { now: later, expiresAt: '2026-04-01T14:00:01.000Z' })).toEqual(
      Exit.succeed({ kind: 'new' }),
    )
    expect(await stored('idem-expired')).toEqual({
      key: 'idem-expired',
      status: 'INPROGRESS',
      fingerprint: 'fp-2',
      expiresAt: Date.parse('2026-04-01T14:00:01.000Z') / 1000,
      expiresAtIso: '2026-04-01T14:00:01.000Z',
    })
  })

  it('dies on an expiry that is not a date, before writing', async () => {
    const exit = await begin('idem-bad-date', 'fp-1', { expiresAt: 'tomorrow' })

    expect(defectOf(exit)).toMatchObject({ message: 'IdempotencyStore.begin: "tomorrow" is not a date' })
    expect(await stored('idem-bad-date')).toBeUndefined()
  })
})
