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
/** Republishes of one order before it is marked stuck: its workflow failed each time (its events are in the order DLQ). */
export const MaxRepublishes = 3
/** Stale orders read per run: past the ones marked stuck, up to {@link RepublishLimit} others are republished. */
export const ReadLimit = 1000

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

/** Why an order is given up on, for whoever reads it on the order. */
export const stuckReason = (order: Order): string =>
  `OrderPlaced was published again ${order.republishes ?? 0} times and no run decided the order: its workflow keeps failing (see OrderDeadLetters); redrive it from there once the cause is fixed`

/**
 * Publishes `OrderPlaced` again for orders written as PENDING but never decided: placements whose event was lost
 * between the table write and PutEvents. The order workflow de-duplicates by orderId, so a placement whose event
 * was only slow is decided once all the same. Each republish is counted on the order with a conditional update (so
 * concurrent runs count it once); an order republished {@link MaxRepublishes} times is marked stuck with the reason
 * instead, which takes it out of the pending listing, so orders whose workflow keeps failing stop adding executions
 * and dead letters every five minutes and no longer hold newer stale orders back.
 */
export const republishStaleOrders = defineStep({
  name: StepNames.republishStaleOrders,
  input: ScheduledRun,
  run: () =>
    Effect.gen(function* () {
      const table = yield* OrderTable
      const publisher = yield* EventPublisher
      const { busName } = yield* PipelineConfig
      const at = yield* now
      const before = new Date(Date.parse(at) - StaleAfterMs).toISOString()
      const stale = yield* table.pendingBefore(before, ReadLimit)
      let stuck = 0
      const republishing: Order[] = []
      for (const order of stale) {
        if ((order.republishes ?? 0) >= MaxRepublishes) {
          if (yield* table.markStuck(order.orderId, { reason: stuckReason(order), at })) stuck += 1
        } else if (
          republishing.length < RepublishLimit &&
          (yield* table.countRepublish(order.orderId, order.republishes ?? 0))
        )
          republishing.push(order)
      }
      const entries = yield* Effect.forEach(republishing, (order) =>
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
      return { republished: entries.length, stuck }
    }),
})
