/**
 * OrderTableDynamoDB against dynalite, on a table with the stack's two GSIs (byCustomer, the sparse pending index):
 * conditional placements and decisions, Query pages whose LastEvaluatedKey DynamoDB builds from the index and
 * table keys and the adapter turns into cursors, and the sparse index dropping an order once it is decided.
 * dynalite ignores ReturnValuesOnConditionCheckFailure, so every "already there" answer comes through the fallback read.
 *
 * Suite scope: see object-store-s3.test.ts (EventBridge and SQS stay on aws-sdk-client-mock only).
 */
import { marshall } from '@aws-sdk/util-dynamodb'
import { Effect, Exit } from 'effect'
import type { Order } from '../../../contracts/orders'
import { encodeCursor } from '../../../infra/aws/layers/dynamodb-pages'
import { customerIndex, OrderTableDynamoDB, pendingIndex } from '../../../infra/aws/layers/order-table-dynamodb'
import { OrderTable, type Page } from '../../../steps/services/order-table'
import { startDynamoDB, type DynamoDBEmulator } from '../../support/emulators'
import { defectOf } from '../../unit/infra/aws/layers/exits'

const table = 'orders-table'
let dynamodb: DynamoDBEmulator

beforeAll(async () => {
  dynamodb = await startDynamoDB()
  await dynamodb.createTable({
    name: table,
    key: 'orderId',
    indexes: [
      { name: customerIndex, partitionKey: 'customerId', sortKey: 'orderId' },
      { name: pendingIndex, partitionKey: 'pendingShard', sortKey: 'createdAt' },
    ],
  })
})
afterAll(() => dynamodb.stop())

const run = <A, E>(use: (orders: typeof OrderTable.Service) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(
    Effect.flatMap(OrderTable, use).pipe(Effect.provide(OrderTableDynamoDB(dynamodb.client, table))),
  )

const succeeded = async <A, E>(use: (orders: typeof OrderTable.Service) => Effect.Effect<A, E>): Promise<A> => {
  const exit = await run(use)
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${String(exit.cause)}`)
  return exit.value
}

const pending = (orderId: string, customerId: string, createdAt = '2026-02-01T10:00:00.000Z'): Order => ({
  orderId,
  customerId,
  items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 12.5 }],
  totalAmount: 25,
  currency: 'EUR',
  status: 'PENDING',
  origin: 'api',
  createdAt,
  updatedAt: createdAt,
})

const decided = (order: Order, status: 'ACCEPTED' | 'REJECTED', reasons: ReadonlyArray<string> = []): Order => ({
  ...order,
  status,
  reasons,
  updatedAt: '2026-02-01T10:00:01.000Z',
})

/** Every page of a listing, following `next` until the last page. */
const allPages = async <A>(read: (cursor: string | undefined) => Promise<Page<A>>): Promise<ReadonlyArray<Page<A>>> => {
  const pages: Page<A>[] = []
  let cursor: string | undefined
  do {
    const page = await read(cursor)
    pages.push(page)
    cursor = page.next
  } while (cursor !== undefined && pages.length < 50)
  return pages
}

// Each test uses its own order and customer ids; only the pendingBefore test looks at the whole pending index,
// below a `before` older than every other test's orders.
describe('OrderTableDynamoDB against dynalite', () => {
  it('creates an order once: a second placement of the id changes nothing and answers the order that stands', async () => {
    const order = pending('o-create', 'c-create')

    const first = await run((orders) => orders.create(order))
    const second = await run((orders) => orders.create({ ...order, totalAmount: 99, items: undefined }))
    const read = await run((orders) => orders.get('o-create'))

    expect(first).toEqual(Exit.succeed({ created: true, order }))
    expect(second).toEqual(Exit.succeed({ created: false, order }))
    // The stored item carries pendingShard; the order read back does not.
    expect(read).toEqual(Exit.succeed(order))
  })

  it('answers undefined for an order that is not there', async () => {
    expect(await run((orders) => orders.get('o-never-placed'))).toEqual(Exit.succeed(undefined))
  })

  it('decides a PENDING order once: a second decision leaves the first standing', async () => {
    const order = pending('o-decide', 'c-decide')
    await run((orders) => orders.create(order))
    const accepted = decided(order, 'ACCEPTED')

    const first = await run((orders) => orders.decide(accepted))
    const second = await run((orders) => orders.decide(decided(order, 'REJECTED', ['late duplicate'])))
    const read = await run((orders) => orders.get('o-decide'))

    expect(first).toEqual(Exit.succeed({ changed: true, order: accepted }))
    expect(second).toEqual(Exit.succeed({ changed: false, order: accepted }))
    expect(read).toEqual(Exit.succeed(accepted))
  })

  it('writes a decision for an order that was never placed (a queued order decided first)', async () => {
    const rejected = decided(pending('o-decide-absent', 'c-decide'), 'REJECTED', ['over the limit'])

    expect(await run((orders) => orders.decide(rejected))).toEqual(Exit.succeed({ changed: true, order: rejected }))
    expect(await run((orders) => orders.get('o-decide-absent'))).toEqual(Exit.succeed(rejected))
  })

  it('does not let a placement overwrite a decided order', async () => {
    const accepted = decided(pending('o-decided-first', 'c-decide'), 'ACCEPTED')
    await run((orders) => orders.decide(accepted))

    expect(await run((orders) => orders.create(pending('o-decided-first', 'c-decide')))).toEqual(
      Exit.succeed({ created: false, order: accepted }),
    )
  })

  it("lists a customer's orders in orderId order over several pages, following the cursor, and no one else's", async () => {
    const ids = ['o-list-05', 'o-list-02', 'o-list-04', 'o-list-01', 'o-list-03']
    for (const id of ids) await run((orders) => orders.create(pending(id, 'c-list')))
    await run((orders) => orders.create(pending('o-list-other', 'c-list-other')))

    const pages = await allPages((cursor) =>
      succeeded((orders) => orders.listByCustomer('c-list', { limit: 2, ...(cursor === undefined ? {} : { cursor }) })),
    )

    expect(pages.map((page) => page.items.map((order) => order.orderId))).toEqual([
      ['o-list-01', 'o-list-02'],
      ['o-list-03', 'o-list-04'],
      ['o-list-05'],
    ])
    expect(pages.map((page) => page.items.every((order) => order.customerId === 'c-list'))).toEqual([true, true, true])
    expect(pages.at(-1)?.next).toBeUndefined()
  })

  it("ends the listing with the page where the customer's orders end", async () => {
    for (const id of ['o-exact-1', 'o-exact-2', 'o-exact-3', 'o-exact-4'])
      await run((orders) => orders.create(pending(id, 'c-exact')))

    const pages = await allPages((cursor) =>
      succeeded((orders) =>
        orders.listByCustomer('c-exact', { limit: 2, ...(cursor === undefined ? {} : { cursor }) }),
      ),
    )

    // DynamoDB hands a `next` with a full last page, which then leads to an empty page (as the adapter's doc says).
    expect(pages.map((page) => page.items.map((order) => order.orderId))).toEqual([
      ['o-exact-1', 'o-exact-2'],
      ['o-exact-3', 'o-exact-4'],
      [],
    ])
    expect(pages.at(-1)?.next).toBeUndefined()
  })

  it("dies on a cursor of another customer's listing, before asking DynamoDB", async () => {
    const foreign = encodeCursor(marshall({ customerId: 'c-list-other', orderId: 'o-list-other' }))

    const exit = await run((orders) => orders.listByCustomer('c-list', { limit: 2, cursor: foreign }))

    expect(defectOf(exit)).toMatchObject({ message: 'OrderTable.listByCustomer: invalid cursor' })
  })

  it('scans every order a page at a time, each once', async () => {
    const placed = ['o-scan-1', 'o-scan-2', 'o-scan-3', 'o-scan-4', 'o-scan-5'].map((id) => pending(id, 'c-scan'))
    for (const order of placed) await run((orders) => orders.create(order))

    const pages = await allPages((cursor) =>
      succeeded((orders) => orders.scan({ limit: 2, ...(cursor === undefined ? {} : { cursor }) })),
    )
    const scanned = pages.flatMap((page) => page.items)
    const ids = scanned.map((order) => order.orderId)

    expect(pages.length).toBeGreaterThanOrEqual(3)
    expect(pages.every((page) => page.items.length <= 2)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(scanned.filter((order) => order.customerId === 'c-scan')).toEqual(expect.arrayContaining(placed))
  })

  it('lists PENDING orders created before a time, oldest first, up to the limit, and not the decided ones', async () => {
    const at = (minute: number) => `2025-12-31T23:${String(minute).padStart(2, '0')}:00.000Z`
    const placed = [
      pending('o-stale-3', 'c-stale', at(3)),
      pending('o-stale-1', 'c-stale', at(1)),
      pending('o-stale-4', 'c-stale', at(4)),
      pending('o-stale-2', 'c-stale', at(2)),
      pending('o-stale-5', 'c-stale', at(5)),
    ]
    for (const order of placed) await run((orders) => orders.create(order))
    await run((orders) => orders.decide(decided(placed[3]!, 'ACCEPTED')))

    const beforeFive = await run((orders) => orders.pendingBefore(at(5), 10))
    const oldestTwo = await run((orders) => orders.pendingBefore(at(5), 2))
    const none = await run((orders) => orders.pendingBefore(at(0), 10))

    expect(Exit.map(beforeFive, (orders) => orders.map((order) => order.orderId))).toEqual(
      Exit.succeed(['o-stale-1', 'o-stale-3', 'o-stale-4']),
    )
    expect(Exit.map(oldestTwo, (orders) => orders.map((order) => order.orderId))).toEqual(
      Exit.succeed(['o-stale-1', 'o-stale-3']),
    )
    expect(Exit.map(beforeFive, (orders) => orders[0])).toEqual(Exit.succeed(placed[1]))
    expect(none).toEqual(Exit.succeed([]))
  })

  // Conditional updates (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html):
  // two maintenance runs reading the same count cannot both count a republish, and a stuck order leaves the sparse
  // pending index (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html).
  it('counts a republish once per count read, and never on a decided or stuck order', async () => {
    const order = pending('o-count', 'c-count', '2025-12-30T10:00:00.000Z')
    await succeeded((orders) => orders.create(order))

    const first = await succeeded((orders) => orders.countRepublish('o-count', 0))
    const raced = await succeeded((orders) => orders.countRepublish('o-count', 0))
    const second = await succeeded((orders) => orders.countRepublish('o-count', 1))

    expect([first, raced, second]).toEqual([true, false, true])
    expect((await succeeded((orders) => orders.get('o-count')))?.republishes).toBe(2)
    await succeeded((orders) => orders.decide(decided(order, 'ACCEPTED')))
    expect(await succeeded((orders) => orders.countRepublish('o-count', 2))).toBe(false)
  })

  it('marks a PENDING order stuck once, with its reason, and takes it out of the pending listing', async () => {
    const at = '2025-12-29T10:00:00.000Z'
    const order = pending('o-stuck', 'c-stuck', at)
    await succeeded((orders) => orders.create(order))
    const stuck = { reason: 'its workflow keeps failing', at: '2026-01-01T00:00:00.000Z' }

    const marked = await succeeded((orders) => orders.markStuck('o-stuck', stuck))
    const again = await succeeded((orders) => orders.markStuck('o-stuck', stuck))

    expect([marked, again]).toEqual([true, false])
    expect(await succeeded((orders) => orders.get('o-stuck'))).toEqual({ ...order, stuck })
    expect(await succeeded((orders) => orders.pendingBefore('2025-12-29T10:00:01.000Z', 10))).toEqual([])
    expect(await succeeded((orders) => orders.countRepublish('o-stuck', 0))).toBe(false)
    // A redrive can still decide it.
    expect(await succeeded((orders) => orders.decide(decided(order, 'ACCEPTED')))).toEqual(
      expect.objectContaining({ changed: true }),
    )
  })
})
