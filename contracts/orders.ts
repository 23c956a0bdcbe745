import { Schema } from 'effect'
import { EventEnvelope } from './envelope'
import {
  OrderAcceptedType,
  OrderMessageReceivedType,
  OrderPlacedType,
  OrderRejectedType,
  OrderStatusChangedType,
} from './sources'

// Ids and SKUs end up in keys, logs and search documents, where a NUL or an escape sequence does harm.
const NonEmpty = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => 'must not be empty' }),
  Schema.maxLength(128),
  Schema.pattern(/^\P{Cc}*$/u, { message: () => 'must not contain control characters' }),
)
const Positive = Schema.Number.pipe(Schema.finite(), Schema.positive({ message: () => 'must be a positive number' }))

export const OrderId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.:-]{1,128}$/, {
    message: () => 'must be 1 to 128 letters, digits, "_", ".", ":" or "-"',
  }),
)
export const CustomerId = NonEmpty

/** ISO 4217 codes the pipeline prices in. */
export const SupportedCurrencies = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'CHF', 'SEK', 'NOK', 'DKK'] as const
export const Currency = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{3}$/, { message: () => 'must be a three-letter ISO 4217 code' }),
)

export const OrderItem = Schema.Struct({
  sku: NonEmpty,
  quantity: Schema.Int.pipe(Schema.positive({ message: () => 'must be a positive integer' })),
  unitPrice: Positive,
})
export type OrderItem = typeof OrderItem.Type

/** An order as placed: items (the total follows from them) or a total alone, as the original design had it. */
export const OrderLines = Schema.Struct({
  customerId: CustomerId,
  items: Schema.optional(Schema.NonEmptyArray(OrderItem)),
  totalAmount: Schema.optional(Positive),
  currency: Currency,
}).pipe(
  Schema.filter(
    (order) =>
      order.items !== undefined ||
      order.totalAmount !== undefined || { path: ['items'], message: 'items or totalAmount is required' },
  ),
)
export type OrderLines = typeof OrderLines.Type

/** The body of `POST /orders`. */
export const PlaceOrderRequest = OrderLines
export type PlaceOrderRequest = typeof PlaceOrderRequest.Type

/** A message on the orders queue: an order with its id chosen by the sender. */
export const OrderMessage = Schema.extend(Schema.Struct({ orderId: OrderId }), OrderLines)
export type OrderMessage = typeof OrderMessage.Type

export const OrderStatus = Schema.Literal('PENDING', 'ACCEPTED', 'REJECTED')
export type OrderStatus = typeof OrderStatus.Type
export const OrderOrigin = Schema.Literal('api', 'queue', 'import')

/**
 * A PENDING order the maintenance chore gave up republishing: its workflow kept failing. It stays PENDING (a redrive
 * from the order DLQ can still decide it) but is no longer republished.
 */
export const StuckOrder = Schema.Struct({ reason: Schema.String, at: Schema.String })
export type StuckOrder = typeof StuckOrder.Type

/** The order record in the orders table. */
export const Order = Schema.Struct({
  orderId: OrderId,
  customerId: Schema.String,
  items: Schema.optional(Schema.Array(OrderItem)),
  totalAmount: Schema.Number,
  currency: Schema.String,
  status: OrderStatus,
  reasons: Schema.optional(Schema.Array(Schema.String)),
  origin: OrderOrigin,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  /** Counts the writes: 1 when placed, 2 when decided (whether or not it was placed PENDING first). Absent on orders written before versions: read as 0. */
  version: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /** How often the maintenance chore published `OrderPlaced` again for it (counted on the item, conditionally). */
  republishes: Schema.optional(Schema.Number),
  stuck: Schema.optional(StuckOrder),
})
export type Order = typeof Order.Type

/** The `version` of a PENDING order, as `POST /orders` writes it. */
export const PlacedVersion = 1
/** The `version` of a decided order: a decision is always the order's second state. */
export const DecidedVersion = 2

/** What the order workflow decides on: the order as placed, wherever it came from. */
export const PlacedOrder = Schema.Struct({
  orderId: OrderId,
  customerId: Schema.String,
  items: Schema.optional(Schema.Array(OrderItem)),
  totalAmount: Schema.optional(Schema.Number),
  currency: Schema.String,
  origin: OrderOrigin,
  placedAt: Schema.String,
})
export type PlacedOrder = typeof PlacedOrder.Type

export const OrderPlaced = EventEnvelope(OrderPlacedType, PlacedOrder)
export type OrderPlaced = typeof OrderPlaced.Type

export const OrderMessageReceived = EventEnvelope(
  OrderMessageReceivedType,
  Schema.Struct({ messageId: Schema.String, order: PlacedOrder }),
)
export type OrderMessageReceived = typeof OrderMessageReceived.Type

export const OrderDecisionDetail = Schema.Struct({
  orderId: OrderId,
  customerId: Schema.String,
  totalAmount: Schema.Number,
  currency: Schema.String,
  status: Schema.Literal('ACCEPTED', 'REJECTED'),
  reasons: Schema.Array(Schema.String),
})
export const OrderAccepted = EventEnvelope(OrderAcceptedType, OrderDecisionDetail)
export const OrderRejected = EventEnvelope(OrderRejectedType, OrderDecisionDetail)

export const OrderStatusChangedDetail = Schema.Struct({
  orderId: OrderId,
  customerId: Schema.String,
  oldStatus: OrderStatus,
  newStatus: OrderStatus,
})
export const OrderStatusChanged = EventEnvelope(OrderStatusChangedType, OrderStatusChangedDetail)

/** The totals of an order's items, in the order's currency, rounded to cents. */
export const itemsTotal = (items: ReadonlyArray<OrderItem>): number =>
  Math.round(items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0) * 100) / 100
