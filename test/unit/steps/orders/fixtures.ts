import type { OrderMessageReceived, OrderPlaced, PlacedOrder } from '../../../../contracts/orders'
import { OrderMessageReceivedType, OrderPlacedType, OrdersSource, QueueSource } from '../../../../contracts/sources'
import type { User } from '../../../../contracts/users'
import { awsEvent } from '../../../support/fixtures'

/** The real EventBridge envelope of the S3 fixture, as the bus wraps every event. */
const envelope = (): { version: string; account: string; time: string; region: string } => {
  const { version, account, time, region } = awsEvent('s3/object-created.json')
  return { version, account, time, region }
}

export const placedAt = '2026-06-01T11:59:00.000Z'

/** A sound order from the API: one customer, two items, no total (it follows from the items). */
export const placedOrder = (overrides: Partial<PlacedOrder> = {}): PlacedOrder => ({
  orderId: 'ord-1001',
  customerId: 'cust-1',
  items: [
    { sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 },
    { sku: 'PEN-2', quantity: 3, unitPrice: 1.2 },
  ],
  currency: 'EUR',
  origin: 'api',
  placedAt,
  ...overrides,
})

/** `order` as an `OrderPlaced` event on the bus. */
export const orderPlacedEvent = (order: PlacedOrder = placedOrder()): OrderPlaced => ({
  ...envelope(),
  id: 'evt-placed-1',
  'detail-type': OrderPlacedType,
  source: OrdersSource,
  resources: [],
  detail: order,
})

/** `order` as an `OrderMessageReceived` event, the queue source's. */
export const messageReceivedEvent = (
  order: PlacedOrder = placedOrder({ origin: 'queue' }),
  messageId = 'msg-1',
): OrderMessageReceived => ({
  ...envelope(),
  id: 'evt-message-1',
  'detail-type': OrderMessageReceivedType,
  source: QueueSource,
  resources: [],
  detail: { messageId, order },
})

export const customer = (overrides: Partial<User> = {}): User => ({
  userId: 'cust-1',
  username: 'ada',
  email: 'ada@example.com',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
})
