import { Schema } from 'effect'
import { ExecutionSummary } from './executions'

// The console's views that cross the wire to other readers (the CLI): metrics, dead letters, and what the local
// runtime keeps that AWS has no API for (archived events, images, Express executions).

export const StepMetrics = Schema.Struct({
  step: Schema.String,
  invocations: Schema.Number,
  errors: Schema.Number,
  coldStarts: Schema.Number,
  p50Ms: Schema.optional(Schema.Number),
  p95Ms: Schema.optional(Schema.Number),
  p99Ms: Schema.optional(Schema.Number),
})
export type StepMetrics = typeof StepMetrics.Type

export const WorkflowSeriesPoint = Schema.Struct({
  start: Schema.String,
  succeeded: Schema.Number,
  failed: Schema.Number,
})
export type WorkflowSeriesPoint = typeof WorkflowSeriesPoint.Type

export const WorkflowMetrics = Schema.Struct({
  workflow: Schema.String,
  succeeded: Schema.Number,
  failed: Schema.Number,
  /** Succeeded over finished, 0 to 1; absent when nothing finished in the window. */
  successRate: Schema.optional(Schema.Number),
  series: Schema.Array(WorkflowSeriesPoint),
})
export type WorkflowMetrics = typeof WorkflowMetrics.Type

/** Per step invocations, errors, cold starts and duration percentiles; per workflow outcomes, over a window. */
export const MetricsView = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  steps: Schema.Array(StepMetrics),
  workflows: Schema.Array(WorkflowMetrics),
})
export type MetricsView = typeof MetricsView.Type

export const DeadLetter = Schema.Struct({
  id: Schema.String,
  sentAt: Schema.String,
  /** Why it landed here: the error and cause, or the rule target's failure. */
  reason: Schema.String,
  /** Where a redrive sends it back to (queue, bus, or state machine), as a name people recognise. */
  origin: Schema.optional(Schema.String),
  /** The original event or message, parsed when it is JSON. */
  body: Schema.Unknown,
})
export type DeadLetter = typeof DeadLetter.Type

export const DeadLetterQueueView = Schema.Struct({
  name: Schema.String,
  depth: Schema.Number,
  messages: Schema.Array(DeadLetter),
})
export type DeadLetterQueueView = typeof DeadLetterQueueView.Type

export const DeadLetterQueues = Schema.Struct({ queues: Schema.Array(DeadLetterQueueView) })

export const RedriveOutcome = Schema.Struct({
  queue: Schema.String,
  redriven: Schema.Number,
  failed: Schema.Array(Schema.Struct({ id: Schema.String, reason: Schema.String })),
})
export type RedriveOutcome = typeof RedriveOutcome.Type

/** One archived event, as the console lists it. */
export const EventSummary = Schema.Struct({
  id: Schema.String,
  time: Schema.String,
  source: Schema.String,
  detailType: Schema.String,
  replayName: Schema.optional(Schema.String),
})
export type EventSummary = typeof EventSummary.Type

/** A page of `GET /console/api/events`: `next` is the following page's `cursor`. */
export const EventSummaryPage = Schema.Struct({
  events: Schema.Array(EventSummary),
  next: Schema.optional(Schema.String),
})

/** One upload with its image record's status and links to its thumbnails. */
export const ImageView = Schema.Struct({
  key: Schema.String,
  status: Schema.Literal('PROCESSED', 'FAILED', 'PENDING'),
  thumbnails: Schema.Array(Schema.Struct({ rendition: Schema.String, url: Schema.String })),
  executionName: Schema.optional(Schema.String),
  updatedAt: Schema.optional(Schema.String),
})
export type ImageView = typeof ImageView.Type

/** A page of `GET /console/api/images`. */
export const ImagePage = Schema.Struct({ images: Schema.Array(ImageView), next: Schema.optional(Schema.String) })

/** A page of `GET /console/api/executions`. */
export const ExecutionPage = Schema.Struct({
  executions: Schema.Array(ExecutionSummary),
  next: Schema.optional(Schema.String),
})
