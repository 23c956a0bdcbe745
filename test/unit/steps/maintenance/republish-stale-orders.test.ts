import { Exit, Schema } from 'effect'
import { OrderPlaced } from '../../../../contracts/orders'
import {
  MaxRepublishes,
  RepublishLimit,
  republishStaleOrders,
} from '../../../../steps/maintenance/republish-stale-orders/program'
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
    expect(exit).toEqual(Exit.succeed({ republished: 2, stuck: 0 }))
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

    expect(exit).toEqual(Exit.succeed({ republished, stuck: 0 }))
    expect(services.published).toHaveLength(republished)
  })

  it('counts each republish on the order, so a second run in the same instant does not count it twice', async () => {
    const services = memoryServices({ now: Now })
    services.orders.set('ord-1', order('ord-1', { status: 'PENDING', createdAt: minutesBefore(10) }))

    await run(services)

    expect(services.orders.get('ord-1')?.republishes).toBe(1)
    expect(services.published).toHaveLength(1)
  })

  it(`marks an order stuck once it was republished ${MaxRepublishes} times, with the reason, and publishes it no more`, async () => {
    // Prepare: an order whose workflow failed after each of its republishes
    const services = memoryServices({ now: Now })
    services.orders.set(
      'ord-poison',
      order('ord-poison', { status: 'PENDING', createdAt: minutesBefore(30), republishes: MaxRepublishes }),
    )

    // Act: this run, and the next
    const first = await run(services)
    const second = await run(services)

    // Assess
    expect(first).toEqual(Exit.succeed({ republished: 0, stuck: 1 }))
    expect(second).toEqual(Exit.succeed({ republished: 0, stuck: 0 }))
    expect(services.published).toEqual([])
    expect(services.orders.get('ord-poison')).toEqual(
      expect.objectContaining({
        status: 'PENDING',
        stuck: {
          reason: expect.stringContaining('its workflow keeps failing (see OrderDeadLetters)') as string,
          at: Now,
        },
      }),
    )
  })

  it('pages past 100 orders whose workflow keeps failing to the newer stale orders behind them', async () => {
    // Prepare: 100 poison orders, oldest first, and a newer stale order
    const services = memoryServices({ now: Now })
    for (let index = 0; index < RepublishLimit; index += 1) {
      const orderId = `ord-poison-${String(index).padStart(3, '0')}`
      services.orders.set(orderId, order(orderId, { status: 'PENDING', createdAt: minutesBefore(60 + index) }))
    }
    services.orders.set('ord-newer', order('ord-newer', { status: 'PENDING', createdAt: minutesBefore(10) }))

    // Act: runs every five minutes, the poison orders never decided
    const runs = []
    for (let round = 0; round < MaxRepublishes + 1; round += 1) runs.push(await run(services))

    // Assess: each poison order published MaxRepublishes times at most, then stuck; the newer one reached
    expect(runs.at(-1)).toEqual(Exit.succeed({ republished: 1, stuck: RepublishLimit }))
    const placements = services.published.map((entry) => (JSON.parse(entry.Detail) as { orderId: string }).orderId)
    expect(placements.filter((id) => id === 'ord-poison-000')).toHaveLength(MaxRepublishes)
    expect(placements).toContain('ord-newer')
  })
})
