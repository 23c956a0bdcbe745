/**
 * IdempotencyDynamoDB over the DynamoDB protocol: the IdempotencyStore contract against dynalite, the expiry compared
 * by DynamoDB itself (`#expiresAt < :now` in epoch seconds) on the items that really stand, then the items this
 * adapter writes. dynalite ignores ReturnValuesOnConditionCheckFailure, so every answer to a taken key comes through
 * the fallback read; the request shapes are asserted in test/unit/infra/aws/layers/idempotency-dynamodb.test.ts.
 */
import { Layer, type Effect } from 'effect'
import { IdempotencyDynamoDB } from '../../infra/aws/layers/idempotency-dynamodb'
import { ClockFixed } from '../../steps/services/clock'
import { IdempotencyStore, type StoredResponse } from '../../steps/services/idempotency'
import { idempotencyContract } from '../contracts/idempotency'
import { dynamoDBSuite } from '../support/emulators'
import { defectOf } from '../support/exits'
import { runWith } from '../support/run-with'

const dynamodb = dynamoDBSuite({ prefix: 'idempotency', key: 'key' })
const freshTable = dynamodb.freshTable

idempotencyContract('DynamoDB (dynalite)', async () => IdempotencyDynamoDB(dynamodb.client, await freshTable()), {
  backendFailure: { failing: () => IdempotencyDynamoDB(dynamodb.failingClient, 'idempotency-table') },
})

describe('IdempotencyDynamoDB on dynalite, beyond the contract', () => {
  const noon = '2026-04-01T12:00:00.000Z'
  const inAnHour = '2026-04-01T13:00:00.000Z'
  const created: StoredResponse = { statusCode: 201, headers: { location: '/orders/o-1' }, body: '{}' }
  let table: string
  beforeEach(async () => {
    table = await freshTable()
  })

  const run = <A, E>(use: (store: typeof IdempotencyStore.Service) => Effect.Effect<A, E>, now = noon) =>
    runWith(Layer.provide(IdempotencyDynamoDB(dynamodb.client, table), ClockFixed(now)), IdempotencyStore)(use)

  const stored = (key: string) => dynamodb.stored(table, { key })

  // TTL takes epoch seconds (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
  it('writes a new record in progress, with its fingerprint, and its expiry in epoch seconds for TTL and as ISO', async () => {
    await run((store) => store.begin('k', 'fp-1', inAnHour))

    expect(await stored('k')).toEqual({
      key: 'k',
      status: 'INPROGRESS',
      fingerprint: 'fp-1',
      expiresAt: Date.parse(inAnHour) / 1000,
      expiresAtIso: inAnHour,
    })
  })

  it('marks a completed record COMPLETED, with its response', async () => {
    await run((store) => store.begin('k', 'fp-1', inAnHour))

    await run((store) => store.complete('k', created))

    expect(await stored('k')).toMatchObject({ status: 'COMPLETED', response: created })
  })

  it('replaces an expired record whole: a new request, in progress, with its own expiry', async () => {
    await run((store) => store.begin('k', 'fp-1', inAnHour))
    await run((store) => store.complete('k', created))

    await run((store) => store.begin('k', 'fp-2', '2026-04-01T14:00:01.000Z'), '2026-04-01T13:00:01.000Z')

    expect(await stored('k')).toEqual({
      key: 'k',
      status: 'INPROGRESS',
      fingerprint: 'fp-2',
      expiresAt: Date.parse('2026-04-01T14:00:01.000Z') / 1000,
      expiresAtIso: '2026-04-01T14:00:01.000Z',
    })
  })

  it('deletes the item of a released record, and writes none when completing one that is gone', async () => {
    await run((store) => store.begin('k', 'fp-1', inAnHour))

    await run((store) => store.release('k'))
    await run((store) => store.complete('k-gone', created))

    expect(await stored('k')).toBeUndefined()
    expect(await stored('k-gone')).toBeUndefined()
  })

  it('dies on an expiry that is not a date, before writing', async () => {
    const exit = await run((store) => store.begin('k', 'fp-1', 'tomorrow'))

    expect(defectOf(exit)).toMatchObject({ message: 'IdempotencyStore.begin: "tomorrow" is not a date' })
    expect(await stored('k')).toBeUndefined()
  })
})
