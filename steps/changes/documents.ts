import type { Order } from '../../contracts/orders'
import type { SearchDocument } from '../../contracts/search'
import type { User } from '../../contracts/users'

/** The search document of an order: found exactly by its id, customer, status, currency and SKUs. */
export const orderDocument = (order: Order): SearchDocument => ({
  id: `order:${order.orderId}`,
  kind: 'order',
  title: order.orderId,
  exact: [
    order.orderId,
    order.customerId,
    order.status,
    order.currency,
    ...(order.items ?? []).map((item) => item.sku),
  ],
  text: '',
  data: order,
})

/** The search document of a user: found exactly by id, username, email and status. */
export const userDocument = (user: User): SearchDocument => ({
  id: `user:${user.userId}`,
  kind: 'user',
  title: user.username,
  exact: [user.userId, user.username, user.email, user.status],
  text: '',
  data: user,
})

/** The version a record's document is written with: its count of writes (0 for a record written before versions). */
export const recordVersion = (record: { readonly version?: number | undefined }): number => record.version ?? 0
