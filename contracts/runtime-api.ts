import { Schema } from 'effect'
import { AnyEvent } from './envelope'
import { Order, OrderStatus } from './orders'
import { User } from './users'

// The local runtime's own routes (what AWS has no API for), as its server answers and the CLI reads them.

/** `GET /health`. */
export const Health = Schema.Struct({ status: Schema.String })

/** What `POST /queues/{queue}/messages` answers: like SQS SendMessage, the message's id. */
export const SentMessage = Schema.Struct({ queue: Schema.String, messageId: Schema.String })
export type SentMessage = typeof SentMessage.Type

/** A schedule of the local EventBridge Scheduler; `periodMs` is absent for what is not a `rate()` expression. */
export const ScheduleView = Schema.Struct({
  name: Schema.String,
  expression: Schema.String,
  targetArn: Schema.String,
  enabled: Schema.Boolean,
  periodMs: Schema.optional(Schema.NullOr(Schema.Number)),
})
export type ScheduleView = typeof ScheduleView.Type

export const ScheduleList = Schema.Struct({ schedules: Schema.Array(ScheduleView) })

/** What `POST /schedules/{name}/run` answers: the execution it started. */
export const ScheduleRun = Schema.Struct({ schedule: Schema.String, executionArn: Schema.String })

/** One hit of `GET /search`: a document of the search index, best match first. */
export const SearchResult = Schema.Struct({
  id: Schema.String,
  kind: Schema.String,
  title: Schema.String,
  data: Schema.Unknown,
})
export type SearchResult = typeof SearchResult.Type

export const SearchResults = Schema.Struct({ results: Schema.Array(SearchResult) })

/** A rule the runtime routes by, with its targets. */
export const RuleView = Schema.Struct({
  name: Schema.String,
  bus: Schema.String,
  pattern: Schema.Unknown,
  targets: Schema.Array(Schema.Struct({ id: Schema.String, arn: Schema.String })),
})
export type RuleView = typeof RuleView.Type

export const RuleList = Schema.Struct({ rules: Schema.Array(RuleView) })

/**
 * An event as the local bus logged it: `GET /events` lists the archive (and replays' re-deliveries, which carry
 * `replayName` and no archive).
 */
export const ArchivedEvent = Schema.Struct({
  seq: Schema.Number,
  bus: Schema.String,
  archive: Schema.NullOr(Schema.String),
  replayName: Schema.optional(Schema.String),
  event: AnyEvent,
})
export type ArchivedEvent = typeof ArchivedEvent.Type

/** One page of `GET /events`; `next` is the `after=` of the following page, absent on the last one. */
export const EventPage = Schema.Struct({
  events: Schema.Array(ArchivedEvent),
  next: Schema.optional(Schema.NullOr(Schema.Number)),
})
export type EventPage = typeof EventPage.Type

/** One page of `GET /orders?customerId=`; `next` is the following page's `cursor`. */
export const OrderPage = Schema.Struct({
  orders: Schema.Array(Order),
  next: Schema.optional(Schema.NullOr(Schema.String)),
})

/** One page of `GET /users`; `next` is the following page's `cursor`. */
export const UserPage = Schema.Struct({
  users: Schema.Array(User),
  next: Schema.optional(Schema.NullOr(Schema.String)),
})

/** What `POST /orders` answers (202): the order's id and its status, PENDING until the workflow decides. */
export const PlacedOrderAnswer = Schema.Struct({ orderId: Schema.String, status: OrderStatus })
