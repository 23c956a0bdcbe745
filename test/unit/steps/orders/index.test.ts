import { Effect, Exit } from 'effect'
import type { Order } from '../../../../contracts/orders'
import { indexOrder, orderDocument } from '../../../../steps/orders/index/program'
import { memoryServices } from '../../../support/memory-services'
import { placedAt, placedOrder } from './fixtures'

const order: Order = {
  orderId: 'ord-1001',
  customerId: 'cust-1',
  items: placedOrder().items,
  totalAmount: 28.6,
  currency: 'EUR',
  status: 'ACCEPTED',
  reasons: [],
  origin: 'api',
  createdAt: placedAt,
  updatedAt: placedAt,
}

describe('orderDocument', () => {
  it('is found by order id, customer, status, currency and SKUs, and carries the order', () => {
    expect(orderDocument(order)).toEqual({
      id: 'order:ord-1001',
      kind: 'order',
      title: 'ord-1001',
      text: 'ord-1001 cust-1 ACCEPTED EUR BOOK-1 PEN-2',
      data: order,
    })
  })

  it('has no SKUs for an order placed with a total only', () => {
    expect(orderDocument({ ...order, items: undefined }).text).toBe('ord-1001 cust-1 ACCEPTED EUR')
  })
})

describe('indexOrder', () => {
  it('upserts one document per order however many times it runs', async () => {
    // Prepare
    const services = memoryServices()
    const index = () => Effect.runPromiseExit(indexOrder.run(order).pipe(Effect.provide(services.layer)))

    // Act
    const first = await index()
    const second = await index()

    // Assess
    expect(first).toEqual(Exit.succeed({ id: 'order:ord-1001' }))
    expect(second).toEqual(Exit.succeed({ id: 'order:ord-1001' }))
    expect([...services.documents.values()]).toEqual([orderDocument(order)])
  })
})
