import { Effect, Schema } from 'effect'
import {
  itemsTotal,
  OrderMessageReceived,
  OrderPlaced,
  SupportedCurrencies,
  type PlacedOrder,
} from '../../../contracts/orders'
import type { User } from '../../../contracts/users'
import { StepNames } from '../../kit/catalog'
import { UserTable } from '../../services/user-table'
import { defineStep } from '../../kit/step'
import type { OrderDecision } from '../decision'

/** The events that start the order workflow: an order placed (API, import) or taken off the orders queue. */
export const ValidateOrderInput = Schema.Union(OrderPlaced, OrderMessageReceived)
export type ValidateOrderInput = typeof ValidateOrderInput.Type

/** The order an event carries, whichever of the two it is. */
export const placedOrderOf = (event: ValidateOrderInput): PlacedOrder =>
  // The envelope types `detail-type` as a string, so the detail's own shape tells the two apart.
  'messageId' in event.detail ? event.detail.order : event.detail

/** Two amounts closer than this are the same total (rounding of unit prices to cents). */
export const TotalTolerance = 0.01

const supported: ReadonlySet<string> = new Set(SupportedCurrencies)
const isPositiveAmount = (value: number) => Number.isFinite(value) && value > 0
const isPositiveInteger = (value: number) => Number.isInteger(value) && value > 0

/**
 * The business rules of an order, one reason per broken rule (none: accepted). `customer` is the customer's record,
 * or undefined when there is none. Quantities and amounts are checked again although the contracts check them at
 * the API, the queue and the import: an event on the bus may come from anywhere (a replay, another producer).
 */
export const orderRuleViolations = (order: PlacedOrder, customer: User | undefined): ReadonlyArray<string> => {
  const reasons: string[] = []
  if (customer === undefined) reasons.push(`customer "${order.customerId}" is not known`)
  else if (customer.status !== 'active')
    reasons.push(`customer "${order.customerId}" is not active (${customer.status})`)

  const items = order.items ?? []
  if (order.items !== undefined && items.length === 0) reasons.push('items must not be empty')
  else if (order.items === undefined && order.totalAmount === undefined)
    reasons.push('items or totalAmount is required')
  const itemReasons = items.flatMap((item, index) => [
    ...(isPositiveInteger(item.quantity)
      ? []
      : [`items[${index}].quantity must be a positive integer, got ${item.quantity}`]),
    ...(isPositiveAmount(item.unitPrice)
      ? []
      : [`items[${index}].unitPrice must be a positive amount, got ${item.unitPrice}`]),
  ])
  reasons.push(...itemReasons)
  const totalValid = order.totalAmount === undefined || isPositiveAmount(order.totalAmount)
  if (!totalValid) reasons.push(`totalAmount must be a positive amount, got ${order.totalAmount}`)

  if (!supported.has(order.currency))
    reasons.push(`currency "${order.currency}" is not supported (supported: ${SupportedCurrencies.join(', ')})`)

  // Compare totals only when both sides are sound; a broken item already explains the difference.
  if (order.totalAmount !== undefined && totalValid && items.length > 0 && itemReasons.length === 0) {
    const expected = itemsTotal(items)
    if (Math.abs(order.totalAmount - expected) > TotalTolerance + 1e-9) {
      reasons.push(`totalAmount ${order.totalAmount} does not match the items total ${expected}`)
    }
  }
  return reasons
}

/**
 * The `validate-order` step: decides whether a placed order is accepted, by the business rules above. A rejection is
 * a decision (status `REJECTED` with its reasons), not a failure; only the users table's `TransientError` fails it.
 * The order comes back with `totalAmount` filled in from its items when it was placed without one.
 */
export const validateOrder = defineStep({
  name: StepNames.validateOrder,
  input: ValidateOrderInput,
  run: (event) =>
    Effect.gen(function* () {
      const users = yield* UserTable
      const placed = placedOrderOf(event)
      const customer = yield* users.get(placed.customerId)
      const reasons = orderRuleViolations(placed, customer)
      const decision: OrderDecision = {
        order: { ...placed, totalAmount: placed.totalAmount ?? itemsTotal(placed.items ?? []) },
        status: reasons.length === 0 ? 'ACCEPTED' : 'REJECTED',
        reasons,
      }
      return decision
    }),
})
