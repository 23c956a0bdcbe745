import { Effect, Schema } from 'effect'
import { InvalidInput } from '../../../contracts/errors'
import { Order, OrderDecisionDetail } from '../../../contracts/orders'
import { OrderAcceptedType, OrderRejectedType, OrdersSource } from '../../../contracts/sources'
import { StepNames } from '../../kit/catalog'
import { PipelineConfig } from '../../services/config'
import { EventPublisher } from '../../services/event-publisher'
import { Ledger } from '../../services/ledger'
import { defineStep } from '../../kit/step'

export const NotifyOrderInput = Schema.Struct({ order: Order, executionId: Schema.String })
export type NotifyOrderInput = typeof NotifyOrderInput.Type

/** One decision announced per order: the business key the ledger de-duplicates on. */
export const decidedKey = (order: Pick<Order, 'orderId'>) => `OrderDecided#${order.orderId}`

/**
 * The `notify-order` step: publishes `OrderAccepted` or `OrderRejected`, by the status of the order that stands in
 * the table (what `persist-order` answered), once per order however many runs reach it. Same pattern as
 * `persist-image`'s announcement: claim (owned by the execution, so a run restarted after a crash can finish), publish, complete;
 * a failed publish releases the claim and fails with `TransientError`, so the retry can publish.
 * An order still PENDING has no decision to announce: that is an `InvalidInput`, never a silent skip.
 */
export const notifyOrder = defineStep({
  name: StepNames.notifyOrder,
  input: NotifyOrderInput,
  run: ({ order, executionId }) =>
    Effect.gen(function* () {
      const { status } = order
      if (status === 'PENDING') {
        return yield* Effect.fail(
          new InvalidInput({ message: `order "${order.orderId}" is PENDING: there is no decision to announce` }),
        )
      }
      const ledger = yield* Ledger
      const publisher = yield* EventPublisher
      const { busName } = yield* PipelineConfig
      const detail = yield* Schema.encode(OrderDecisionDetail)({
        orderId: order.orderId,
        customerId: order.customerId,
        totalAmount: order.totalAmount,
        currency: order.currency,
        status,
        reasons: order.reasons ?? [],
      }).pipe(Effect.orDie)
      const key = decidedKey(order)
      if (!(yield* ledger.claim(key, executionId))) return { published: false }
      const entry = {
        EventBusName: busName,
        Source: OrdersSource,
        DetailType: status === 'ACCEPTED' ? OrderAcceptedType : OrderRejectedType,
        Detail: JSON.stringify(detail),
        Resources: [],
      }
      yield* publisher.publish([entry]).pipe(Effect.tapError(() => ledger.release(key, executionId)))
      yield* ledger.complete(key)
      return { published: true }
    }),
})
