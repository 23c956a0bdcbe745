import type { Order } from '../../../../contracts/orders'
import type { User } from '../../../../contracts/users'

/** The time the maintenance tests pin the Clock to. */
export const Now = '2026-06-01T12:00:00.000Z'

/** A scheduled EventBridge event, as the maintenance workflow's Parallel hands each branch. */
export const scheduled = {
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: Now,
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/maintenance'],
  detail: {},
}

export const minutesBefore = (minutes: number) => new Date(Date.parse(Now) - minutes * 60_000).toISOString()

export const order = (orderId: string, overrides: Partial<Order> = {}): Order => ({
  orderId,
  customerId: 'cust-42',
  items: [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 12.5 }],
  totalAmount: 12.5,
  currency: 'EUR',
  status: 'ACCEPTED',
  origin: 'api',
  createdAt: minutesBefore(60),
  updatedAt: minutesBefore(60),
  ...overrides,
})

export const user = (userId: string, overrides: Partial<User> = {}): User => ({
  userId,
  username: `name-${userId}`,
  email: `${userId}@example.com`,
  status: 'active',
  createdAt: minutesBefore(60),
  updatedAt: minutesBefore(60),
  ...overrides,
})
