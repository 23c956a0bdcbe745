import { Effect, Layer } from 'effect'
import type { PutEventsEntry } from '../../../contracts/envelope'
import { TransientError } from '../../../contracts/errors'
import { PipelineConfig } from '../../../steps/services/config'
import { EventPublisher } from '../../../steps/services/event-publisher'
import type { LocalBus } from '../eventbridge/bus'
import { attempt } from './attempt'

/** PutEvents takes 1 to 10 entries a request (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
const maxEntriesPerRequest = 10

const chunks = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size))

const putBatch = (bus: LocalBus, entries: ReadonlyArray<PutEventsEntry>) =>
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
  )

/**
 * PutEvents on the local bus, as the EventBridge adapter sends it: in requests of at most ten entries, none for no
 * entries, and an entry that names no bus goes to the pipeline bus of `PipelineConfig`. An entry the bus refuses is a
 * TransientError, so the step is retried, not silently dropped.
 */
export const EventPublisherBus = (bus: LocalBus) =>
  Layer.effect(
    EventPublisher,
    Effect.map(PipelineConfig, ({ busName }) => ({
      publish: (entries: ReadonlyArray<PutEventsEntry>) =>
        Effect.forEach(
          chunks(
            entries.map((entry) => ({ ...entry, EventBusName: entry.EventBusName ?? busName })),
            maxEntriesPerRequest,
          ),
          (batch) => putBatch(bus, batch),
          { discard: true },
        ),
    })),
  )
