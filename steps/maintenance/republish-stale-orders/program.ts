import { Effect, Schema } from 'effect'
import type { PutEventsEntry } from '../../../contracts/envelope'
import { PlacedOrder, type Order } from '../../../contracts/orders'
import { OrderPlacedType, OrdersSource } from '../../../contracts/sources'
import { now } from '../../services/clock'
import { PipelineConfig } from '../../services/config'
import { EventPublisher } from '../../services/event-publisher'
import { OrderTable } from '../../services/order-table'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { ScheduledRun } from '../schedule'

/** An order still PENDING this long after it was written has lost its `OrderPlaced` (the workflow decides in seconds). */
export const StaleAfterMs = 5 * 60 * 1000
/** Orders republished per run; the rest wait for the next run, five minutes later. */
export const RepublishLimit = 100

/** The placement an order record stands for, as `OrderPlaced` carries it. */
export const placementOf = (order: Order): PlacedOrder => ({
  orderId: order.orderId,
  customerId: order.customerId,
  ...(order.items === undefined ? {} : { items: order.items }),
  totalAmount: order.totalAmount,
  currency: order.currency,
  origin: order.origin,
  placedAt: order.createdAt,
})

/**
 * Publishes `OrderPlaced` again for orders written as PENDING but never decided: placements whose event was lost
 * between the table write and PutEvents. The order workflow de-duplicates by orderId, so a placement whose event
 * was only slow is decided once all the same.
 */
export const republishStaleOrders = defineStep({
  name: StepNames.republishStaleOrders,
  input: ScheduledRun,
  run: () =>
    Effect.gen(function* () {
      const table = yield* OrderTable
      const publisher = yield* EventPublisher
      const { busName } = yield* PipelineConfig
      const before = new Date(Date.parse(yield* now) - StaleAfterMs).toISOString()
      const stale = yield* table.pendingBefore(before, RepublishLimit)
      const entries = yield* Effect.forEach(stale, (order) =>
        Schema.encode(PlacedOrder)(placementOf(order)).pipe(
          Effect.orDie,
          Effect.map((detail): PutEventsEntry => ({
            EventBusName: busName,
            Source: OrdersSource,
            DetailType: OrderPlacedType,
            Detail: JSON.stringify(detail),
            Resources: [],
          })),
        ),
      )
      // One call: the EventBridge layer splits it into PutEvents requests of 10 entries.
      if (entries.length > 0) yield* publisher.publish(entries)
      return { republished: entries.length }
    }),
})
