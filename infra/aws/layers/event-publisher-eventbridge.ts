import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge'
import { Effect, Layer } from 'effect'
import type { PutEventsEntry } from '../../../contracts/envelope'
import { TransientError } from '../../../contracts/errors'
import { PipelineConfig } from '../../../steps/services/config'
import { EventPublisher } from '../../../steps/services/event-publisher'
import { callAws } from './classify'

/** PutEvents accepts at most 10 entries per request (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
export const maxEntriesPerRequest = 10

const chunks = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size))

// An entry that names its bus keeps it; the rest go to the pipeline bus from the config.
const toRequestEntry =
  (busName: string) =>
  (entry: PutEventsEntry): PutEventsRequestEntry => ({
    Source: entry.Source,
    DetailType: entry.DetailType,
    Detail: entry.Detail,
    EventBusName: entry.EventBusName ?? busName,
    ...(entry.Resources === undefined ? {} : { Resources: [...entry.Resources] }),
    ...(entry.Time === undefined ? {} : { Time: new Date(entry.Time) }),
  })

/** `ErrorCode: ErrorMessage` of each rejected entry, so the retry's cause is in the execution history. */
const describeFailures = (entries: ReadonlyArray<PutEventsResultEntry>): string =>
  entries
    .filter((entry) => entry.ErrorCode !== undefined)
    .map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`)
    .join('; ')

const putBatch = (client: EventBridgeClient, entries: ReadonlyArray<PutEventsRequestEntry>) =>
  callAws('EventPublisher.publish', (abortSignal) =>
    client.send(new PutEventsCommand({ Entries: [...entries] }), { abortSignal }),
  ).pipe(
    Effect.flatMap((out) =>
      (out.FailedEntryCount ?? 0) > 0
        ? Effect.fail(
            new TransientError({
              operation: 'EventPublisher.publish',
              message: `${out.FailedEntryCount} of ${entries.length} entries rejected: ${describeFailures(out.Entries ?? [])}`,
            }),
          )
        : Effect.void,
    ),
  )

/**
 * The {@link EventPublisher} port over EventBridge PutEvents, sent in batches of {@link maxEntriesPerRequest}.
 * PutEvents answers 200 even when some entries are rejected and reports them in `FailedEntryCount`
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html#eb-failure-handling); that is a
 * `TransientError`, and the retry re-sends the accepted entries too, which consumers de-duplicate by business key.
 * The bus is `PipelineConfig.busName` unless an entry names its own.
 */
export const EventPublisherEventBridge = (
  client: EventBridgeClient,
): Layer.Layer<EventPublisher, never, PipelineConfig> =>
  Layer.effect(
    EventPublisher,
    Effect.map(PipelineConfig, ({ busName }) => ({
      publish: (entries) =>
        Effect.forEach(
          chunks(entries.map(toRequestEntry(busName)), maxEntriesPerRequest),
          (batch) => putBatch(client, batch),
          {
            discard: true,
          },
        ),
    })),
  )
