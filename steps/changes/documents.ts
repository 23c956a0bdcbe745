import type { SearchDocument } from '../../contracts/images'
import type { Order } from '../../contracts/orders'
import type { User } from '../../contracts/users'

/** The search document of an order: found by its id, customer, status, currency and SKUs. */
export const orderDocument = (order: Order): SearchDocument => ({
  id: `order:${order.orderId}`,
  kind: 'order',
  title: order.orderId,
  text: [
    order.orderId,
    order.customerId,
    order.status,
    order.currency,
    ...(order.items ?? []).map((item) => item.sku),
  ].join(' '),
  data: order,
})

/** The search document of a user: found by id, username, email and status. */
export const userDocument = (user: User): SearchDocument => ({
  id: `user:${user.userId}`,
  kind: 'user',
  title: user.username,
  text: [user.userId, user.username, user.email, user.status].join(' '),
  data: user,
})
