import { Schema } from 'effect'

/** A replay's states (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeReplay.html#eventbridge-DescribeReplay-response-State). */
export const ReplayState = Schema.Literal('STARTING', 'RUNNING', 'CANCELLING', 'COMPLETED', 'CANCELLED', 'FAILED')
export type ReplayState = typeof ReplayState.Type

/** The states a replay never leaves. */
export const isReplayEnded = (state: ReplayState): boolean =>
  state === 'COMPLETED' || state === 'CANCELLED' || state === 'FAILED'

/**
 * A replay as either target reports it. The local runtime counts the events it re-delivers; EventBridge does not, it
 * says how far through the window it got instead (`lastReplayedAt`, DescribeReplay's EventLastReplayedTime).
 */
export const Replay = Schema.Struct({
  name: Schema.String,
  archive: Schema.String,
  /** ISO 8601 bounds of the window. */
  from: Schema.String,
  to: Schema.String,
  /** The rules the events are re-delivered to; null for every rule of the bus, absent when not known (a list). */
  rules: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  state: ReplayState,
  total: Schema.optional(Schema.Number),
  replayed: Schema.optional(Schema.Number),
  lastReplayedAt: Schema.optional(Schema.String),
  startedAt: Schema.String,
  endedAt: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  arn: Schema.optional(Schema.String),
})
export type Replay = typeof Replay.Type

/** What starting a replay asks for: a window (ISO 8601), optionally the rules to re-deliver to and a name. */
export const ReplayRequest = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  rules: Schema.optional(Schema.Array(Schema.String)),
  name: Schema.optional(Schema.String),
})
export type ReplayRequest = typeof ReplayRequest.Type
