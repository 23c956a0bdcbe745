/**
 * LedgerDynamoDB against dynalite: claim, complete and release as the Ledger port promises them, each condition
 * evaluated by a DynamoDB implementation on the item that really stands.
 *
 * Suite scope: see object-store-s3.test.ts (EventBridge and SQS stay on aws-sdk-client-mock only).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Exit } from 'effect'
import { claimRetentionSeconds, LedgerDynamoDB } from '../../../infra/aws/layers/ledger-dynamodb'
import { ClockFixed } from '../../../steps/services/clock'
import { Ledger } from '../../../steps/services/ledger'
import { startDynamoDB, type DynamoDBEmulator } from '../../support/emulators'
import { defectOf, failureOf } from '../../unit/infra/aws/layers/exits'

const table = 'ledger-table'
const claimedAt = '2026-03-01T12:00:00.000Z'
const completedAt = '2026-03-01T12:00:05.000Z'
let dynamodb: DynamoDBEmulator

beforeAll(async () => {
  dynamodb = await startDynamoDB()
  await dynamodb.createTable({ name: table, key: 'key' })
})
afterAll(() => dynamodb.stop())

const run = <A, E>(use: (ledger: typeof Ledger.Service) => Effect.Effect<A, E>, at = claimedAt, inTable = table) =>
  Effect.runPromiseExit(
    Effect.flatMap(Ledger, use).pipe(
      Effect.provide(LedgerDynamoDB(dynamodb.client, inTable)),
      Effect.provide(ClockFixed(at)),
    ),
  )

const claim = (key: string, owner: string) => run((ledger) => ledger.claim(key, owner))
const complete = (key: string) => run((ledger) => ledger.complete(key), completedAt)
const release = (key: string, owner: string) => run((ledger) => ledger.release(key, owner))

const stored = async (key: string) => {
  const { Item } = await dynamodb.client.send(
    new GetItemCommand({ TableName: table, Key: marshall({ key }), ConsistentRead: true }),
  )
  return Item === undefined ? undefined : unmarshall(Item)
}

const epochSeconds = (iso: string) => Date.parse(iso) / 1000

// Each test uses its own keys, so the tests share the table without seeing each other.
describe('LedgerDynamoDB against dynalite', () => {
  it('lets the first owner claim a free key, stamped with the clock and a TTL 30 days on', async () => {
    expect(await claim('charge:o-1', 'run-a')).toEqual(Exit.succeed(true))
    expect(await stored('charge:o-1')).toEqual({
      key: 'charge:o-1',
      owner: 'run-a',
      claimedAt,
      expiresAt: epochSeconds(claimedAt) + claimRetentionSeconds,
    })
  })

  it('lets the same owner claim again while unfinished (its run restarted), and refuses another owner', async () => {
    await claim('charge:o-2', 'run-a')

    expect(await claim('charge:o-2', 'run-a')).toEqual(Exit.succeed(true))
    expect(await claim('charge:o-2', 'run-b')).toEqual(Exit.succeed(false))
    expect(await stored('charge:o-2')).toMatchObject({ owner: 'run-a' })
  })

  it('refuses every claim once the effect is complete, the owner included', async () => {
    await claim('charge:o-3', 'run-a')

    expect(await complete('charge:o-3')).toEqual(Exit.void)
    expect(await claim('charge:o-3', 'run-a')).toEqual(Exit.succeed(false))
    expect(await claim('charge:o-3', 'run-b')).toEqual(Exit.succeed(false))
    // complete keeps the claim's TTL (if_not_exists) and adds its own time.
    expect(await stored('charge:o-3')).toEqual({
      key: 'charge:o-3',
      owner: 'run-a',
      claimedAt,
      completedAt,
      expiresAt: epochSeconds(claimedAt) + claimRetentionSeconds,
    })
  })

  it('records completion of a key nobody claimed (gone to TTL or released), and then refuses claims', async () => {
    expect(await complete('charge:o-4')).toEqual(Exit.void)
    expect(await stored('charge:o-4')).toEqual({
      key: 'charge:o-4',
      completedAt,
      expiresAt: epochSeconds(completedAt) + claimRetentionSeconds,
    })
    expect(await claim('charge:o-4', 'run-a')).toEqual(Exit.succeed(false))
  })

  it('gives an unfinished claim back when its owner releases it, so another owner can claim', async () => {
    await claim('charge:o-5', 'run-a')

    expect(await release('charge:o-5', 'run-a')).toEqual(Exit.void)
    expect(await stored('charge:o-5')).toBeUndefined()
    expect(await claim('charge:o-5', 'run-b')).toEqual(Exit.succeed(true))
  })

  it("ignores a release by another owner: the claim stays its owner's", async () => {
    await claim('charge:o-6', 'run-a')

    expect(await release('charge:o-6', 'run-b')).toEqual(Exit.void)
    expect(await claim('charge:o-6', 'run-b')).toEqual(Exit.succeed(false))
    expect(await claim('charge:o-6', 'run-a')).toEqual(Exit.succeed(true))
  })

  it('ignores a release once the effect is complete, and a release of a key nobody holds', async () => {
    await claim('charge:o-7', 'run-a')
    await complete('charge:o-7')

    expect(await release('charge:o-7', 'run-a')).toEqual(Exit.void)
    expect(await stored('charge:o-7')).toMatchObject({ completedAt })
    expect(await claim('charge:o-7', 'run-b')).toEqual(Exit.succeed(false))
    expect(await release('charge:never-claimed', 'run-a')).toEqual(Exit.void)
    expect(await stored('charge:never-claimed')).toBeUndefined()
  })

  it.each<[string, (service: typeof Ledger.Service) => Effect.Effect<unknown, unknown>]>([
    ['claim', (ledger) => ledger.claim('charge:o-8', 'run-a')],
    ['release', (ledger) => ledger.release('charge:o-8', 'run-a')],
    ['complete', (ledger) => ledger.complete('charge:o-8')],
  ])(
    'dies on %s in a table that does not exist, rather than answering as if a condition were false',
    async (_, call) => {
      const exit = await run(call, claimedAt, 'no-such-table')

      expect(failureOf(exit)).toBeUndefined()
      expect(defectOf(exit)).toMatchObject({ name: 'ResourceNotFoundException' })
    },
  )
})
