import { Exit } from 'effect'
import type { Order } from '../../../../contracts/orders'
import type { OrderDecision } from '../../../../steps/orders/decision'
import { decidedOrder, persistOrder } from '../../../../steps/orders/persist/program'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { placedAt, placedOrder } from './fixtures'

const firstRun = '2026-06-01T12:00:00.000Z'
const secondRun = '2026-06-01T12:05:00.000Z'

const accepted: OrderDecision = { order: { ...placedOrder(), totalAmount: 28.6 }, status: 'ACCEPTED', reasons: [] }
const rejected: OrderDecision = {
  order: { ...placedOrder(), totalAmount: 28.6 },
  status: 'REJECTED',
  reasons: ['customer "cust-1" is not known'],
}

/** The record persist writes for `decision` at `at`. */
const record = (decision: OrderDecision, at: string): Order => ({
  orderId: 'ord-1001',
  customerId: 'cust-1',
  items: placedOrder().items,
  totalAmount: 28.6,
  currency: 'EUR',
  status: decision.status,
  reasons: decision.reasons,
  origin: 'api',
  createdAt: placedAt,
  updatedAt: at,
  version: 2,
})

const persist = (services: ReturnType<typeof memoryServices>, decision: OrderDecision) =>
  runWith(services.layer)(persistOrder.run(decision))

describe('persistOrder', () => {
  it.each([
    ['an acceptance', accepted],
    ['a rejection with its reasons', rejected],
  ])('records %s, created when placed and updated now', async (_name, decision) => {
    // Prepare
    const services = memoryServices({ now: firstRun })

    // Act
    const exit = await persist(services, decision)

    // Assess
    expect(exit).toEqual(Exit.succeed(record(decision, firstRun)))
    expect([...services.orders.values()]).toEqual([record(decision, firstRun)])
  })

  it('returns the order already decided on a duplicate run, unchanged, even when the second run decided otherwise', async () => {
    // Prepare
    const first = memoryServices({ now: firstRun })
    await persist(first, accepted)
    const second = memoryServices({ now: secondRun })
    second.orders.set('ord-1001', first.orders.get('ord-1001')!)

    // Act
    const exit = await persist(second, rejected)

    // Assess
    expect(exit).toEqual(Exit.succeed(record(accepted, firstRun)))
    expect([...second.orders.values()]).toEqual([record(accepted, firstRun)])
  })

  it('decides a PENDING order left by the API: the decision stands, created when the order was placed', async () => {
    // Prepare: the API writes the order PENDING, created at the instant its OrderPlaced event names as placedAt.
    const services = memoryServices({ now: secondRun })
    const pending: Order = { ...record(accepted, placedAt), status: 'PENDING', reasons: [], version: 1 }
    services.orders.set('ord-1001', pending)

    // Act
    const exit = await persist(services, rejected)

    // Assess
    expect(exit).toEqual(Exit.succeed(record(rejected, secondRun)))
    expect(services.orders.get('ord-1001')).toEqual(record(rejected, secondRun))
  })

  it('records the total from the items when the decision carries none', () => {
    const decision: OrderDecision = { ...accepted, order: placedOrder() }

    expect(decidedOrder(decision, firstRun)).toEqual(record(accepted, firstRun))
  })

  it('leaves items out of a record of an order placed with a total only', () => {
    const decision: OrderDecision = { ...accepted, order: placedOrder({ items: undefined, totalAmount: 40 }) }

    expect(decidedOrder(decision, firstRun)).not.toHaveProperty('items')
  })
})
