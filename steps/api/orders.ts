import { createHash, randomBytes } from 'node:crypto'
import { Effect, Schema } from 'effect'
import {
  CustomerId,
  itemsTotal,
  OrderId,
  PlacedOrder,
  PlacedVersion,
  PlaceOrderRequest,
  type Order,
} from '../../contracts/orders'
import { OrderPlacedType, OrdersSource } from '../../contracts/sources'
import { now, type Clock } from '../services/clock'
import { PipelineConfig } from '../services/config'
import { EventPublisher } from '../services/event-publisher'
import { IdempotencyStore, type StoredResponse } from '../services/idempotency'
import { OrderTable } from '../services/order-table'
import { Cursor, decodeFields, decodeQuery, Limit, readJsonObject } from './body'
import type { ApiRequest } from './event'
import { invalidFields, json, notFound, reject, type ApiResponse, type FieldError, type Rejected } from './responses'
import type { ApiHandler, Route } from './router'

/** How long a stored answer is replayed for a retried `Idempotency-Key` (Powertools' default is one hour; clients retry over longer outages). */
export const IdempotencyTtlMs = 24 * 60 * 60 * 1000

/** The original design's spellings, still accepted on `POST /orders`. */
const SnakeCaseFields: ReadonlyArray<readonly [snake: string, camel: string]> = [
  ['customer_id', 'customerId'],
  ['total_amount', 'totalAmount'],
]

/** Renames the snake_case fields to the contract's names; a body with both spellings of one field conflicts. */
export const fromSnakeCase = (
  body: Readonly<Record<string, unknown>>,
): { readonly body: Record<string, unknown>; readonly conflicts: ReadonlyArray<FieldError> } => {
  const renamed: Record<string, unknown> = { ...body }
  const conflicts: FieldError[] = []
  for (const [snake, camel] of SnakeCaseFields) {
    if (!(snake in body)) continue
    if (camel in body) conflicts.push({ path: snake, message: `conflicts with ${camel}: send one spelling` })
    else renamed[camel] = body[snake]
    delete renamed[snake]
  }
  return { body: renamed, conflicts }
}

/** JSON with object keys sorted, so two bodies that mean the same have the same fingerprint. */
const canonicalJson = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonicalJson).join(',')}]`
    : typeof value === 'object' && value !== null
      ? `{${Object.keys(value)
          .sort()
          .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
          .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
          .join(',')}}`
      : JSON.stringify(value)

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The fingerprint of a placement: the decoded request, so spelling, key order and whitespace do not change it. */
export const fingerprintOf = (order: PlaceOrderRequest): string => sha256(canonicalJson(order))

/**
 * The id of an order placed with an `Idempotency-Key`: derived from the key and the body, so a retry after a failure
 * (when the key was released) finds the same order through the table's conditional create instead of placing another.
 */
export const keyedOrderId = (key: string, fingerprint: string): string =>
  `ord_${sha256(`${key}\n${fingerprint}`).slice(0, 24)}`
const randomOrderId = () => `ord_${randomBytes(12).toString('hex')}`

const idempotencyKeyOf = (request: ApiRequest): Effect.Effect<string | undefined, Rejected> => {
  const key = request.headers['idempotency-key']
  if (key === undefined) return Effect.succeed(undefined)
  return key.length >= 1 && key.length <= 255
    ? Effect.succeed(key)
    : reject(400, 'InvalidIdempotencyKey', 'The Idempotency-Key header must be 1 to 255 characters')
}

/** Decodes a placement: snake_case renamed, every failing field named, and the items' total checked against `totalAmount`. */
const decodePlacement = (raw: Readonly<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const { body, conflicts } = fromSnakeCase(raw)
    // The contract checks "items or totalAmount" only once the other fields decode; name it with them.
    const neither =
      body.items === undefined && body.totalAmount === undefined
        ? [{ path: 'items', message: 'items or totalAmount is required' }]
        : []
    const order = yield* decodeFields(PlaceOrderRequest, body, 'order', [...conflicts, ...neither])
    if (order.items !== undefined && order.totalAmount !== undefined) {
      const total = itemsTotal(order.items)
      if (Math.abs(total - order.totalAmount) > 0.01 + 1e-9) {
        return yield* invalidFields('The order is not valid', [
          { path: 'totalAmount', message: `must equal the items' total, ${total}` },
        ])
      }
    }
    return order
  })

/**
 * Writes the order PENDING and publishes `OrderPlaced`. The conditional create is the commit point: once the order
 * stands, the placement is accepted even if PutEvents fails, because the stale-order sweep republishes PENDING orders
 * (`OrderTable.pendingBefore`). A retried placement of a standing PENDING order publishes again; the order workflow
 * de-duplicates by `orderId`.
 */
const placeOrder = (request: PlaceOrderRequest, orderId: string) =>
  Effect.gen(function* () {
    const table = yield* OrderTable
    const publisher = yield* EventPublisher
    const { busName } = yield* PipelineConfig
    const at = yield* now
    const order: Order = {
      orderId,
      customerId: request.customerId,
      ...(request.items === undefined ? {} : { items: request.items }),
      totalAmount: request.items === undefined ? request.totalAmount! : itemsTotal(request.items),
      currency: request.currency,
      status: 'PENDING',
      origin: 'api',
      createdAt: at,
      updatedAt: at,
      version: PlacedVersion,
    }
    const { order: standing } = yield* table.create(order)
    if (standing.status === 'PENDING') {
      const detail = Schema.encodeSync(PlacedOrder)({
        orderId: standing.orderId,
        customerId: standing.customerId,
        ...(standing.items === undefined ? {} : { items: standing.items }),
        totalAmount: standing.totalAmount,
        currency: standing.currency,
        origin: 'api',
        placedAt: standing.createdAt,
      })
      yield* publisher
        .publish([
          {
            EventBusName: busName,
            Source: OrdersSource,
            DetailType: OrderPlacedType,
            Detail: JSON.stringify(detail),
            Resources: [],
          },
        ])
        .pipe(
          Effect.catchTag('TransientError', (error) =>
            Effect.logWarning('OrderPlaced not published; the stale-order sweep will publish it', {
              orderId,
              error: error.message,
            }),
          ),
        )
    }
    return json(
      202,
      { orderId: standing.orderId, status: standing.status },
      { location: `/orders/${encodeURIComponent(standing.orderId)}` },
    )
  })

/** A stored answer sent again, marked as a replay (the `Idempotent-Replayed` header Stripe and others send). */
const replay = (response: StoredResponse): ApiResponse => ({
  ...response,
  headers: { ...response.headers, 'idempotent-replayed': 'true' },
})

/**
 * `POST /orders`. With an `Idempotency-Key`, the first request places the order and stores its answer; a retry with
 * the same body gets that answer again and places nothing; the same key with another body is 422; a retry while the
 * first still runs is 409. A failure releases the key, so the client's next retry runs again.
 */
export const postOrder = (request: ApiRequest) =>
  Effect.gen(function* () {
    const key = yield* idempotencyKeyOf(request)
    const order = yield* decodePlacement(yield* readJsonObject(request))
    if (key === undefined) return yield* placeOrder(order, randomOrderId())

    const store = yield* IdempotencyStore
    const fingerprint = fingerprintOf(order)
    const expiresAt = new Date(Date.parse(yield* now) + IdempotencyTtlMs).toISOString()
    const begun = yield* store.begin(key, fingerprint, expiresAt)
    switch (begun.kind) {
      case 'completed':
        return replay(begun.response)
      case 'in-progress':
        return yield* reject(
          409,
          'RequestInProgress',
          'A request with this Idempotency-Key is still being processed; retry shortly',
          { headers: { 'retry-after': '1' } },
        )
      case 'mismatch':
        return yield* reject(
          422,
          'IdempotencyKeyReused',
          'This Idempotency-Key was used with another body; use a new key for a new order',
        )
      case 'new':
        return yield* placeOrder(order, keyedOrderId(key, fingerprint)).pipe(
          Effect.tap((response) => store.complete(key, response)),
          Effect.onError(() => store.release(key).pipe(Effect.ignore)),
        )
    }
  })

/** `GET /orders/{orderId}`. */
export const getOrder = (_request: ApiRequest, params: Readonly<Record<string, string>>) =>
  Effect.gen(function* () {
    const orderId = params.orderId ?? ''
    const missing = notFound(`No order ${orderId}`)
    if (!Schema.is(OrderId)(orderId)) return yield* missing
    const order = yield* (yield* OrderTable).get(orderId)
    return order ? json(200, order) : yield* missing
  })

const OrdersQuery = Schema.Struct({ customerId: CustomerId, limit: Limit, cursor: Cursor })

/** `GET /orders?customerId=&limit=&cursor=`: a customer's orders, a page at a time. */
export const listOrders = (request: ApiRequest) =>
  Effect.gen(function* () {
    const { customerId, limit, cursor } = yield* decodeQuery(OrdersQuery, request)
    const page = yield* (yield* OrderTable).listByCustomer(
      customerId,
      cursor === undefined ? { limit } : { limit, cursor },
    )
    return json(200, page.next === undefined ? { orders: page.items } : { orders: page.items, next: page.next })
  })

export type OrderServices = OrderTable | EventPublisher | PipelineConfig | IdempotencyStore | Clock

export const orderRoutes: ReadonlyArray<Route<ApiHandler<OrderServices>>> = [
  { method: 'POST', path: '/orders', handler: postOrder },
  { method: 'GET', path: '/orders', handler: listOrders },
  { method: 'GET', path: '/orders/{orderId}', handler: getOrder },
]
