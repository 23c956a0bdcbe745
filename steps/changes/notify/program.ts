import { Effect, Schema } from 'effect'
import type { OrderChangedDetail, UserChangedDetail } from '../../../contracts/changes'
import type { PutEventsEntry } from '../../../contracts/envelope'
import { OrderStatusChangedDetail } from '../../../contracts/orders'
import {
  OrdersSource,
  OrderStatusChangedType,
  UsersSource,
  UserStatusChangedType,
  UserWelcomedType,
} from '../../../contracts/sources'
import { UserStatusChangedDetail, UserWelcomed } from '../../../contracts/users'
import { PipelineConfig } from '../../services/config'
import { EventPublisher } from '../../services/event-publisher'
import { Ledger } from '../../services/ledger'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { ChangeEvent, isOrderChange, requireImage } from '../change-event'
import type { UndecodableChange } from '../errors'

/** The change event the workflow started on, and the execution that owns the ledger claim. */
export const NotifyChangeInput = Schema.Struct({ event: ChangeEvent, executionId: Schema.String })

/** One welcome per user, whichever stream record or run reaches it. */
export const welcomedKey = (userId: string) => `${UserWelcomedType}#${userId}`
/** One status notification per stream record: a user suspended, reactivated and suspended again is told each time. */
export const userStatusKey = (userId: string, sequenceNumber: string) =>
  `${UserStatusChangedType}#${userId}#${sequenceNumber}`
/** One order status notification per stream record. */
export const orderStatusKey = (orderId: string, sequenceNumber: string) =>
  `${OrderStatusChangedType}#${orderId}#${sequenceNumber}`

/** A notification to publish once: the ledger key it is de-duplicated on and its PutEvents entry (bus set later). */
interface Notification {
  readonly key: string
  readonly source: string
  readonly detailType: string
  readonly detail: unknown
}

/** Encodes the detail with its contract, so what goes on the bus is what consumers decode. */
const notification = <A, I>(schema: Schema.Schema<A, I>, key: string, source: string, detailType: string, detail: A) =>
  Schema.encode(schema)(detail).pipe(
    Effect.orDie,
    Effect.map((encoded): Notification => ({ key, source, detailType, detail: encoded })),
  )

const userNotification = (detail: UserChangedDetail): Effect.Effect<Notification | undefined, UndecodableChange> =>
  Effect.gen(function* () {
    if (detail.eventName === 'INSERT') {
      const user = yield* requireImage(detail, 'newImage')
      return yield* notification(UserWelcomed.fields.detail, welcomedKey(user.userId), UsersSource, UserWelcomedType, {
        userId: user.userId,
        username: user.username,
        email: user.email,
      })
    }
    if (detail.eventName !== 'MODIFY') return undefined
    const before = yield* requireImage(detail, 'oldImage')
    const after = yield* requireImage(detail, 'newImage')
    if (before.status === after.status) return undefined
    return yield* notification(
      UserStatusChangedDetail,
      userStatusKey(after.userId, detail.sequenceNumber),
      UsersSource,
      UserStatusChangedType,
      { userId: after.userId, username: after.username, oldStatus: before.status, newStatus: after.status },
    )
  })

const orderNotification = (detail: OrderChangedDetail): Effect.Effect<Notification | undefined, UndecodableChange> =>
  Effect.gen(function* () {
    if (detail.eventName !== 'MODIFY') return undefined
    const before = yield* requireImage(detail, 'oldImage')
    const after = yield* requireImage(detail, 'newImage')
    if (before.status === after.status) return undefined
    return yield* notification(
      OrderStatusChangedDetail,
      orderStatusKey(after.orderId, detail.sequenceNumber),
      OrdersSource,
      OrderStatusChangedType,
      { orderId: after.orderId, customerId: after.customerId, oldStatus: before.status, newStatus: after.status },
    )
  })

/**
 * Tells the world about a table change: a new user is welcomed once, and a user's or an order's status change is
 * announced once per stream record. Other changes announce nothing. The ledger claim is owned by the execution,
 * so a run restarted after a crash can still finish what it claimed, and no other run publishes it again.
 */
export const notifyChange = defineStep({
  name: StepNames.notifyChange,
  input: NotifyChangeInput,
  run: ({ event, executionId }) =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const publisher = yield* EventPublisher
      const { busName } = yield* PipelineConfig
      const pending = isOrderChange(event)
        ? yield* orderNotification(event.detail)
        : yield* userNotification(event.detail)
      if (pending === undefined || !(yield* ledger.claim(pending.key, executionId)))
        return { published: [] as ReadonlyArray<string> }
      const entry: PutEventsEntry = {
        EventBusName: busName,
        Source: pending.source,
        DetailType: pending.detailType,
        Detail: JSON.stringify(pending.detail),
        Resources: [],
      }
      yield* publisher.publish([entry]).pipe(Effect.tapError(() => ledger.release(pending.key, executionId)))
      yield* ledger.complete(pending.key)
      return { published: [pending.detailType] as ReadonlyArray<string> }
    }),
})
