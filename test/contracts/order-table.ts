import { Exit, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { Order } from '../../contracts/orders'
import { OrderTable } from '../../steps/services/order-table'
import { runWith, type RunWithService } from '../support/run-with'
import {
  after,
  allPages,
  expectPaged,
  failingLayer,
  transientFailure,
  type ContractOptions,
  type MakeLayer,
} from './kit'

type Orders = typeof OrderTable.Service

export const placedOrder = (orderId: string, customerId: string, createdAt = '2026-02-01T10:00:00.000Z'): Order => ({
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

export const decidedOrder = (order: Order, status: 'ACCEPTED' | 'REJECTED', reasons: ReadonlyArray<string> = []) => ({
  ...order,
  status,
  reasons,
  updatedAt: '2026-02-01T10:00:01.000Z',
})

/**
 * What every {@link OrderTable} promises (steps/services/order-table.ts), run against each implementation:
 * - conditional writes: `create` writes a PENDING order only when its id is free, `decide` writes the decision
 *   (whole, as given) when the order is absent or PENDING, and a decided order is never decided again; both answer
 *   the order that stands, as DynamoDB's ConditionExpression does
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html#Expressions.ConditionExpressions.PreventingOverwrites);
 * - paging: `listByCustomer` in orderId order and `scan`, at most `limit` a page, every page but the last full, a
 *   cursor that round-trips, each order once (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html);
 * - `pendingBefore`: the PENDING orders created before an instant, oldest first, up to a limit, none marked stuck;
 * - republish bookkeeping: `countRepublish` counts once per count read (a conditional update, so two maintenance runs
 *   reading the same count cannot both count), and never on a decided or stuck order; `markStuck` marks a PENDING
 *   order once, with its reason, takes it out of `pendingBefore` (the sparse pending index,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html), and
 *   leaves it decidable;
 * - a missing order reads as undefined; a failing backend is a TransientError.
 */
export const orderTableContract = (name: string, layer: MakeLayer<OrderTable>, options: ContractOptions<OrderTable>) =>
  describe(`OrderTable: ${name}`, () => {
    let run: RunWithService<Orders, OrderTable, never>
    beforeEach(async () => {
      run = runWith(await layer(), OrderTable)
    })

    describe('conditional writes', () => {
      it('creates an order once: a second placement of the id changes nothing and answers the order that stands', async () => {
        const order = placedOrder('o-create', 'c-1')

        const first = await run((orders) => orders.create(order))
        const second = await run((orders) => orders.create({ ...order, totalAmount: 99, items: undefined }))

        expect(first).toEqual(Exit.succeed({ created: true, order }))
        expect(second).toEqual(Exit.succeed({ created: false, order }))
        expect(await run((orders) => orders.get('o-create'))).toEqual(Exit.succeed(order))
      })

      it('decides a PENDING order once: a second decision leaves the first standing', async () => {
        const order = placedOrder('o-decide', 'c-1')
        await run((orders) => orders.create(order))
        const accepted = decidedOrder(order, 'ACCEPTED')

        const first = await run((orders) => orders.decide(accepted))
        const second = await run((orders) => orders.decide(decidedOrder(order, 'REJECTED', ['late duplicate'])))

        expect(first).toEqual(Exit.succeed({ changed: true, order: accepted }))
        expect(second).toEqual(Exit.succeed({ changed: false, order: accepted }))
        expect(await run((orders) => orders.get('o-decide'))).toEqual(Exit.succeed(accepted))
      })

      it('writes a decision whole over a PENDING order: the order that stands is the decision as given', async () => {
        await run((orders) => orders.create(placedOrder('o-whole', 'c-1')))
        const rejected = { ...decidedOrder(placedOrder('o-whole', 'c-1'), 'REJECTED', ['over the limit']), items: [] }

        expect(await run((orders) => orders.decide(rejected))).toEqual(Exit.succeed({ changed: true, order: rejected }))
        expect(await run((orders) => orders.get('o-whole'))).toEqual(Exit.succeed(rejected))
      })

      it('writes a decision for an order that was never placed (a queued order decided first)', async () => {
        const rejected = decidedOrder(placedOrder('o-absent', 'c-1'), 'REJECTED', ['over the limit'])

        expect(await run((orders) => orders.decide(rejected))).toEqual(Exit.succeed({ changed: true, order: rejected }))
        expect(await run((orders) => orders.get('o-absent'))).toEqual(Exit.succeed(rejected))
      })

      it('does not let a placement overwrite a decided order', async () => {
        const accepted = decidedOrder(placedOrder('o-decided-first', 'c-1'), 'ACCEPTED')
        await run((orders) => orders.decide(accepted))

        expect(await run((orders) => orders.create(placedOrder('o-decided-first', 'c-1')))).toEqual(
          Exit.succeed({ created: false, order: accepted }),
        )
        expect(await run((orders) => orders.get('o-decided-first'))).toEqual(Exit.succeed(accepted))
      })
    })

    describe('not found', () => {
      it('answers undefined for an order that is not there', async () => {
        expect(await run((orders) => orders.get('o-never-placed'))).toEqual(Exit.succeed(undefined))
      })

      it('answers an empty page for a customer with no orders', async () => {
        expect(await run((orders) => orders.listByCustomer('c-nobody', { limit: 10 }))).toEqual(
          Exit.succeed({ items: [] }),
        )
      })
    })

    describe('paging', () => {
      it.each([1, 2, 3, 5, 10])(
        "lists a customer's orders in orderId order, %i a page, following the cursor, and no one else's",
        async (limit) => {
          for (const id of ['o-05', 'o-02', 'o-04', 'o-01', 'o-03'])
            await run((orders) => orders.create(placedOrder(id, 'c-list')))
          await run((orders) => orders.create(placedOrder('o-00', 'c-other')))
          await run((orders) => orders.create(placedOrder('o-06', 'c-other')))

          const pages = await allPages((cursor) =>
            run((orders) => orders.listByCustomer('c-list', { limit, ...after(cursor) })),
          )

          expect(expectPaged(pages, limit, (order) => order.orderId)).toEqual(['o-01', 'o-02', 'o-03', 'o-04', 'o-05'])
          expect(pages.flatMap((page) => page.items).every((order) => order.customerId === 'c-list')).toBe(true)
        },
      )

      it('answers the orders as they stand, decisions included', async () => {
        const accepted = decidedOrder(placedOrder('o-a', 'c-mixed'), 'ACCEPTED')
        await run((orders) => orders.create(placedOrder('o-a', 'c-mixed')))
        await run((orders) => orders.decide(accepted))
        await run((orders) => orders.create(placedOrder('o-b', 'c-mixed')))

        expect(await run((orders) => orders.listByCustomer('c-mixed', { limit: 10 }))).toEqual(
          Exit.succeed({ items: [accepted, placedOrder('o-b', 'c-mixed')] }),
        )
      })

      it.each([1, 2, 3, 7, 20])('scans every order once, %i a page at a time', async (limit) => {
        const placed = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6', 'o-7'].map((id, n) => placedOrder(id, `c-${n % 3}`))
        for (const order of placed) await run((orders) => orders.create(order))

        const pages = await allPages((cursor) => run((orders) => orders.scan({ limit, ...after(cursor) })))

        expect([...expectPaged(pages, limit, (order) => order.orderId)].sort()).toEqual(placed.map((o) => o.orderId))
        expect(pages.flatMap((page) => page.items)).toEqual(expect.arrayContaining(placed))
      })
    })

    describe('pendingBefore', () => {
      const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`
      // Ids run against the creation times, so an implementation that answers in id order shows.
      const placed = [
        placedOrder('o-e', 'c-1', at(1)),
        placedOrder('o-d', 'c-2', at(2)),
        placedOrder('o-c', 'c-1', at(3)),
        placedOrder('o-b', 'c-2', at(4)),
        placedOrder('o-a', 'c-1', at(5)),
      ]
      const pendingBefore = (before: string, limit: number) =>
        run((orders) => orders.pendingBefore(before, limit)).then((exit) =>
          Exit.map(exit, (found) => found.map((order) => order.orderId)),
        )

      beforeEach(async () => {
        for (const order of placed) await run((orders) => orders.create(order))
        await run((orders) => orders.decide(decidedOrder(placed[1]!, 'ACCEPTED')))
      })

      it('lists the PENDING orders created before the instant, oldest first, and not the decided ones', async () => {
        expect(await pendingBefore(at(5), 10)).toEqual(Exit.succeed(['o-e', 'o-c', 'o-b']))
        expect(await run((orders) => orders.pendingBefore(at(2), 10))).toEqual(Exit.succeed([placed[0]]))
      })

      it('answers the oldest ones up to the limit', async () => {
        expect(await pendingBefore(at(9), 2)).toEqual(Exit.succeed(['o-e', 'o-c']))
      })

      it('answers none before the oldest', async () => {
        expect(await pendingBefore(at(0), 10)).toEqual(Exit.succeed([]))
      })
    })

    describe('republish bookkeeping', () => {
      const placedAt = '2025-12-30T10:00:00.000Z'

      it('counts a republish once per count read, and never on a decided order', async () => {
        const order = placedOrder('o-count', 'c-count', placedAt)
        await run((orders) => orders.create(order))

        const first = await run((orders) => orders.countRepublish('o-count', 0))
        const raced = await run((orders) => orders.countRepublish('o-count', 0))
        const second = await run((orders) => orders.countRepublish('o-count', 1))

        expect([first, raced, second]).toEqual([Exit.succeed(true), Exit.succeed(false), Exit.succeed(true)])
        expect(Exit.map(await run((orders) => orders.get('o-count')), (found) => found?.republishes)).toEqual(
          Exit.succeed(2),
        )
        await run((orders) => orders.decide(decidedOrder(order, 'ACCEPTED')))
        expect(await run((orders) => orders.countRepublish('o-count', 2))).toEqual(Exit.succeed(false))
      })

      it('counts nothing for an order that is not there', async () => {
        expect(await run((orders) => orders.countRepublish('o-never-placed', 0))).toEqual(Exit.succeed(false))
        expect(await run((orders) => orders.get('o-never-placed'))).toEqual(Exit.succeed(undefined))
      })

      it('marks a PENDING order stuck once, with its reason, and takes it out of the pending listing', async () => {
        const order = placedOrder('o-stuck', 'c-stuck', placedAt)
        await run((orders) => orders.create(order))
        const stuck = { reason: 'its workflow keeps failing', at: '2026-01-01T00:00:00.000Z' }

        const marked = await run((orders) => orders.markStuck('o-stuck', stuck))
        const again = await run((orders) => orders.markStuck('o-stuck', stuck))

        expect([marked, again]).toEqual([Exit.succeed(true), Exit.succeed(false)])
        expect(await run((orders) => orders.get('o-stuck'))).toEqual(Exit.succeed({ ...order, stuck }))
        expect(await run((orders) => orders.pendingBefore('2025-12-30T10:00:01.000Z', 10))).toEqual(Exit.succeed([]))
        expect(await run((orders) => orders.countRepublish('o-stuck', 0))).toEqual(Exit.succeed(false))
        // A redrive can still decide it.
        const accepted = decidedOrder(order, 'ACCEPTED')
        expect(await run((orders) => orders.decide(accepted))).toEqual(Exit.succeed({ changed: true, order: accepted }))
      })

      it('does not mark a decided order stuck', async () => {
        const accepted = decidedOrder(placedOrder('o-decided', 'c-stuck', placedAt), 'ACCEPTED')
        await run((orders) => orders.decide(accepted))

        expect(
          await run((orders) => orders.markStuck('o-decided', { reason: 'late', at: '2026-01-01T00:00:00.000Z' })),
        ).toEqual(Exit.succeed(false))
        expect(await run((orders) => orders.get('o-decided'))).toEqual(Exit.succeed(accepted))
      })
    })

    const failing = failingLayer(options.backendFailure)
    if (failing !== undefined)
      describe('transient failures', () => {
        const order = placedOrder('o-1', 'c-1')
        it.each<[string, (orders: Orders) => Effect.Effect<unknown, TransientError>]>([
          ['get', (orders) => orders.get('o-1')],
          ['create', (orders) => orders.create(order)],
          ['decide', (orders) => orders.decide(decidedOrder(order, 'ACCEPTED'))],
          ['listByCustomer', (orders) => orders.listByCustomer('c-1', { limit: 10 })],
          ['scan', (orders) => orders.scan({ limit: 10 })],
          ['pendingBefore', (orders) => orders.pendingBefore(order.createdAt, 10)],
          ['countRepublish', (orders) => orders.countRepublish('o-1', 0)],
          ['markStuck', (orders) => orders.markStuck('o-1', { reason: 'r', at: order.createdAt })],
        ])('fails %s with a TransientError when the backend fails', async (_, call) => {
          expect(await runWith(await failing(), OrderTable)(call)).toEqual(transientFailure)
        })
      })
  })
