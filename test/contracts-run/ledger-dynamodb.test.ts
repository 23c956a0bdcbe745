/**
 * LedgerDynamoDB over the DynamoDB protocol: the Ledger contract against dynalite, each condition evaluated on the
 * item that really stands, then the items and TTL this adapter writes. The request shapes are asserted in
 * test/unit/infra/aws/layers/ledger-dynamodb.test.ts.
 */
import { Layer, type Effect } from 'effect'
import { claimRetentionSeconds, LedgerDynamoDB } from '../../infra/aws/layers/ledger-dynamodb'
import { ClockFixed } from '../../steps/services/clock'
import { Ledger } from '../../steps/services/ledger'
import { ledgerContract } from '../contracts/ledger'
import { dynamoDBSuite } from '../support/emulators'
import { defectOf, failureOf } from '../support/exits'
import { runWith } from '../support/run-with'

const dynamodb = dynamoDBSuite({ prefix: 'ledger', key: 'key' })
const freshTable = dynamodb.freshTable

ledgerContract('DynamoDB (dynalite)', async () => LedgerDynamoDB(dynamodb.client, await freshTable()), {
  backendFailure: { failing: () => LedgerDynamoDB(dynamodb.failingClient, 'ledger-table') },
})

describe('LedgerDynamoDB on dynalite, beyond the contract', () => {
  const claimedAt = '2026-03-01T12:00:00.000Z'
  const completedAt = '2026-03-01T12:00:05.000Z'
  const epochSeconds = (iso: string) => Date.parse(iso) / 1000
  let table: string
  beforeEach(async () => {
    table = await freshTable()
  })

  const run = <A, E>(use: (ledger: typeof Ledger.Service) => Effect.Effect<A, E>, at = claimedAt, inTable = table) =>
    runWith(Layer.provide(LedgerDynamoDB(dynamodb.client, inTable), ClockFixed(at)), Ledger)(use)

  const stored = (key: string) => dynamodb.stored(table, { key })

  // TTL takes epoch seconds (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
  it('stamps a claim with the clock and a TTL 30 days on', async () => {
    await run((ledger) => ledger.claim('charge:o-1', 'run-a'))

    expect(await stored('charge:o-1')).toEqual({
      key: 'charge:o-1',
      owner: 'run-a',
      claimedAt,
      expiresAt: epochSeconds(claimedAt) + claimRetentionSeconds,
    })
  })

  it("keeps the claim's TTL when completing it, and adds its own time", async () => {
    await run((ledger) => ledger.claim('charge:o-2', 'run-a'))

    await run((ledger) => ledger.complete('charge:o-2'), completedAt)

    expect(await stored('charge:o-2')).toEqual({
      key: 'charge:o-2',
      owner: 'run-a',
      claimedAt,
      completedAt,
      expiresAt: epochSeconds(claimedAt) + claimRetentionSeconds,
    })
  })

  it('records the completion of a key nobody claimed, with a TTL from its own time', async () => {
    await run((ledger) => ledger.complete('charge:o-3'), completedAt)

    expect(await stored('charge:o-3')).toEqual({
      key: 'charge:o-3',
      completedAt,
      expiresAt: epochSeconds(completedAt) + claimRetentionSeconds,
    })
  })

  it('deletes the item of a released claim, and writes none for a key nobody holds', async () => {
    await run((ledger) => ledger.claim('charge:o-4', 'run-a'))

    await run((ledger) => ledger.release('charge:o-4', 'run-a'))
    await run((ledger) => ledger.release('charge:never-claimed', 'run-a'))

    expect(await stored('charge:o-4')).toBeUndefined()
    expect(await stored('charge:never-claimed')).toBeUndefined()
  })

  it.each<[string, (service: typeof Ledger.Service) => Effect.Effect<unknown, unknown>]>([
    ['claim', (ledger) => ledger.claim('charge:o-5', 'run-a')],
    ['release', (ledger) => ledger.release('charge:o-5', 'run-a')],
    ['complete', (ledger) => ledger.complete('charge:o-5')],
  ])(
    'dies on %s in a table that does not exist, rather than answering as if a condition were false',
    async (_, call) => {
      const exit = await run(call, claimedAt, 'no-such-table')

      expect(failureOf(exit)).toBeUndefined()
      expect(defectOf(exit)).toMatchObject({ name: 'ResourceNotFoundException' })
    },
  )
})
