import { Effect, Schema } from 'effect'
import { OrderChanged, UserChanged } from '../../contracts/changes'
import { OrderChangedType } from '../../contracts/sources'
import { UndecodableChange } from './errors'

/** What the change workflow starts on: an `OrderChanged` or `UserChanged` event from a stream pipe. */
export const ChangeEvent = Schema.Union(OrderChanged, UserChanged)
export type ChangeEvent = typeof ChangeEvent.Type

/** Narrows a change event by its detail-type (the envelope types it as a plain string, so TypeScript cannot). */
export const isOrderChange = (event: ChangeEvent): event is OrderChanged => event['detail-type'] === OrderChangedType

/** The image a change must carry, or `UndecodableChange` naming the stream record when it does not. */
export const requireImage = <A>(
  detail: { readonly eventName: string; readonly sequenceNumber: string; readonly oldImage?: A; readonly newImage?: A },
  image: 'oldImage' | 'newImage',
): Effect.Effect<A, UndecodableChange> => {
  const value = detail[image]
  return value === undefined
    ? Effect.fail(
        new UndecodableChange({
          sequenceNumber: detail.sequenceNumber,
          reason: `${detail.eventName} change carries no ${image}`,
        }),
      )
    : Effect.succeed(value)
}
