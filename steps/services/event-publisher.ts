import { Context, type Effect } from 'effect'
import type { PutEventsEntry } from '../../contracts/envelope'
import type { TransientError } from '../../contracts/errors'

/** PutEvents on the pipeline bus. A rejected entry fails the call as a TransientError so the workflow retries it. */
export class EventPublisher extends Context.Tag('EventPublisher')<
  EventPublisher,
  {
    readonly publish: (entries: ReadonlyArray<PutEventsEntry>) => Effect.Effect<void, TransientError>
  }
>() {}
