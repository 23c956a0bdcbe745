import { Effect } from 'effect'
import { Order } from '../../../contracts/orders'
import { StepNames } from '../../kit/catalog'
import { SearchIndex } from '../../services/search-index'
import { defineStep } from '../../kit/step'

/** The search document of an order: found by its id, customer, status, currency and the SKUs it holds. */
export const orderDocument = (order: Order) => ({
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

/** The `index-order` step: upserts the order's search document; the id is the order id, so running twice leaves one. */
export const indexOrder = defineStep({
  name: StepNames.indexOrder,
  input: Order,
  run: (order) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      const document = orderDocument(order)
      yield* index.upsert(document)
      return { id: document.id }
    }),
})
