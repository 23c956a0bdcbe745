import { Schema } from 'effect'

/**
 * The EventBridge envelope around every event on a bus
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
 * `replay-name` is present only on events re-delivered by an archive replay.
 */
export const EventEnvelope = <D extends Schema.Schema.Any>(detailType: string, detail: D) =>
  Schema.Struct({
    version: Schema.String,
    id: Schema.String,
    'detail-type': Schema.Literal(detailType),
    source: Schema.String,
    account: Schema.String,
    time: Schema.String,
    region: Schema.String,
    resources: Schema.Array(Schema.String),
    detail,
    'replay-name': Schema.optional(Schema.String),
  })

/** Any event on the bus, detail left open: what the bus, archive and pattern matcher handle. */
export const AnyEvent = Schema.Struct({
  version: Schema.String,
  id: Schema.String,
  'detail-type': Schema.String,
  source: Schema.String,
  account: Schema.String,
  time: Schema.String,
  region: Schema.String,
  resources: Schema.Array(Schema.String),
  detail: Schema.Unknown,
  'replay-name': Schema.optional(Schema.String),
})
export type AnyEvent = typeof AnyEvent.Type

/** One entry of a PutEvents request (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html). */
export interface PutEventsEntry {
  readonly Source: string
  readonly DetailType: string
  readonly Detail: string
  readonly EventBusName?: string
  readonly Resources?: ReadonlyArray<string>
  readonly Time?: string
}
