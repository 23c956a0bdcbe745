import { Exit, Schema } from 'effect'
import { OrderPlaced } from '../../../../contracts/orders'
import { republishStaleOrders } from '../../../../steps/maintenance/republish-stale-orders/program'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { minutesBefore, Now, order, scheduled } from './fixtures'

const run = (services: ReturnType<typeof memoryServices>) =>
  runWith(services.layer)(republishStaleOrders.run(scheduled))

describe('republishStaleOrders', () => {
  it('publishes OrderPlaced again for each order still PENDING five minutes after it was written, and only those', async () => {
    // Prepare
    const services = memoryServices({ now: Now, busName: 'pipeline-bus' })
    const stale = order('ord-stale', {
      status: 'PENDING',
      origin: 'queue',
      createdAt: minutesBefore(12),
      updatedAt: minutesBefore(12),
    })
    const staleTotalOnly = order('ord-total', {
      status: 'PENDING',
      origin: 'import',
      items: undefined,
      totalAmount: 80,
      createdAt: minutesBefore(30),
    })
    for (const record of [
      stale,
      staleTotalOnly,
      order('ord-fresh', { status: 'PENDING', createdAt: minutesBefore(2) }),
      order('ord-boundary', { status: 'PENDING', createdAt: minutesBefore(5) }),
      order('ord-decided', { status: 'ACCEPTED', createdAt: minutesBefore(30) }),
    ])
      services.orders.set(record.orderId, record)

    // Act
    const exit = await run(services)

    // Assess
    expect(exit).toEqual(Exit.succeed({ republished: 2 }))
    expect(services.published.map((entry) => [entry.EventBusName, entry.Source, entry.DetailType])).toEqual([
      ['pipeline-bus', 'pipeline.orders', 'OrderPlaced'],
      ['pipeline-bus', 'pipeline.orders', 'OrderPlaced'],
    ])
    // Oldest first, as the sparse pending index answers on DynamoDB.
    expect(services.published.map((entry) => JSON.parse(entry.Detail))).toEqual([
      {
        orderId: 'ord-total',
        customerId: 'cust-42',
        totalAmount: 80,
        currency: 'EUR',
        origin: 'import',
        placedAt: minutesBefore(30),
      },
      {
        orderId: 'ord-stale',
        customerId: 'cust-42',
        items: stale.items,
        totalAmount: 12.5,
        currency: 'EUR',
        origin: 'queue',
        placedAt: minutesBefore(12),
      },
    ])
    for (const entry of services.published)
      expect(() => Schema.decodeUnknownSync(OrderPlaced.fields.detail)(JSON.parse(entry.Detail))).not.toThrow()
  })

  it.each([
    ['nothing when no order is stale', 0, 0],
    ['at most 100 orders a run', 150, 100],
  ])('republishes %s', async (_name, staleCount, republished) => {
    const services = memoryServices({ now: Now })
    for (let index = 0; index < staleCount; index += 1) {
      services.orders.set(`ord-${index}`, order(`ord-${index}`, { status: 'PENDING', createdAt: minutesBefore(10) }))
    }

    const exit = await run(services)

    expect(exit).toEqual(Exit.succeed({ republished }))
    expect(services.published).toHaveLength(republished)
  })
})
