import { Effect } from 'effect'
import { DecidedVersion, itemsTotal, type Order } from '../../../contracts/orders'
import { StepNames } from '../../kit/catalog'
import { now } from '../../services/clock'
import { OrderTable } from '../../services/order-table'
import { defineStep } from '../../kit/step'
import { OrderDecision } from '../decision'

/** The order record of a decision: created when the order was placed, updated now. */
export const decidedOrder = ({ order, status, reasons }: OrderDecision, at: string): Order => ({
  orderId: order.orderId,
  customerId: order.customerId,
  ...(order.items === undefined ? {} : { items: order.items }),
  totalAmount: order.totalAmount ?? itemsTotal(order.items ?? []),
  currency: order.currency,
  status,
  reasons,
  origin: order.origin,
  createdAt: order.placedAt,
  updatedAt: at,
  version: DecidedVersion,
})

/**
 * The `persist-order` step: records the decision with `OrderTable.decide`, a conditional write that never decides an
 * order twice. Answers the order that stands, so a duplicate run (or a duplicate placement) returns the decision
 * already made, unchanged, and the rest of the workflow announces that one.
 */
export const persistOrder = defineStep({
  name: StepNames.persistOrder,
  input: OrderDecision,
  run: (decision) =>
    Effect.gen(function* () {
      const table = yield* OrderTable
      const at = yield* now
      const { order } = yield* table.decide(decidedOrder(decision, at))
      return order
    }),
})
