import { Effect, Layer } from 'effect'
import { TransientError } from '../../../contracts/errors'
import { EventPublisher } from '../../../steps/services/event-publisher'
import type { LocalBus } from '../eventbridge/bus'
import { attempt } from './attempt'

/** PutEvents on the local bus; an entry the bus refuses is a TransientError, so the step is retried, not silently dropped. */
export const EventPublisherBus = (bus: LocalBus) =>
  Layer.succeed(EventPublisher, {
    publish: (entries) =>
      attempt('events:PutEvents', () => bus.putEvents(entries)).pipe(
        Effect.flatMap((result) =>
          result.FailedEntryCount === 0
            ? Effect.void
            : Effect.fail(
                new TransientError({
                  operation: 'events:PutEvents',
                  message: result.Entries.map((entry) => entry.ErrorMessage)
                    .filter(Boolean)
                    .join('; '),
                }),
              ),
        ),
      ),
  })
