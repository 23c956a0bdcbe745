import { Schema } from 'effect'

/**
 * An execution's status: Step Functions' own
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html#StepFunctions-DescribeExecution-response-status)
 * and PENDING, an execution the local runtime accepted but has not started yet.
 */
export const ExecutionStatuses = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const
export const ExecutionStatus = Schema.Literal(...ExecutionStatuses)
export type ExecutionStatus = typeof ExecutionStatus.Type

/** The statuses RedriveExecution accepts (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html). */
export const RedrivableStatuses: ReadonlyArray<ExecutionStatus> = ['FAILED', 'ABORTED', 'TIMED_OUT']

/** The statuses an execution never leaves (unless it is redriven). */
export const isExecutionEnded = (status: ExecutionStatus): boolean => status !== 'PENDING' && status !== 'RUNNING'

/** The tag every state machine of the pipeline carries, its value the workflow's short name. */
export const WorkflowTag = 'pipeline:workflow'

/** The pipeline's workflows, by the short name their tag gives. */
export const WorkflowNames = ['image', 'order', 'change', 'import', 'maintenance'] as const
export const WorkflowName = Schema.Literal(...WorkflowNames)
export type WorkflowName = typeof WorkflowName.Type

/** One execution in a list: DescribeExecution's summary fields, with the workflow and what the execution is about. */
export const ExecutionSummary = Schema.Struct({
  executionArn: Schema.String,
  /** Unique per state machine. */
  name: Schema.String,
  workflow: Schema.String,
  status: ExecutionStatus,
  startDate: Schema.String,
  stopDate: Schema.optional(Schema.String),
  durationMs: Schema.optional(Schema.Number),
  /** The object key, order id or user id the execution is about, when it is known. */
  subject: Schema.optional(Schema.String),
  redriveCount: Schema.optional(Schema.Number),
  /** Only where one execution is described; lists leave them out. */
  input: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.String),
})
export type ExecutionSummary = typeof ExecutionSummary.Type

/** One GetExecutionHistory event (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html): its details sit under a type-specific field such as `stateEnteredEventDetails`. */
export const HistoryEvent = Schema.Struct(
  {
    id: Schema.Number,
    previousEventId: Schema.optional(Schema.Number),
    timestamp: Schema.String,
    type: Schema.String,
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown }),
)
export type HistoryEvent = typeof HistoryEvent.Type

/** How one state fared, as a line per state: CAUGHT is a failure a Catch handled. */
export const StateSummary = Schema.Struct({
  name: Schema.String,
  type: Schema.String,
  status: Schema.Literal('SUCCEEDED', 'FAILED', 'CAUGHT', 'RUNNING'),
  enteredAt: Schema.String,
  exitedAt: Schema.optional(Schema.String),
  durationMs: Schema.optional(Schema.Number),
  retries: Schema.Number,
  /** How many times the state was entered (a Map's iterations, a retried branch). */
  iterations: Schema.optional(Schema.Number),
  error: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.String),
})
export type StateSummary = typeof StateSummary.Type

/** One execution with its history and the per-state summary of it. */
export const ExecutionDetail = Schema.Struct({
  ...ExecutionSummary.fields,
  history: Schema.Array(HistoryEvent),
  states: Schema.optional(Schema.Array(StateSummary)),
  /** On a deployed stack: the execution's page in the Step Functions console. */
  consoleUrl: Schema.optional(Schema.String),
})
export type ExecutionDetail = typeof ExecutionDetail.Type

/** A list of executions; `skipped` names the workflows whose executions a target cannot list, and why. */
export const ExecutionList = Schema.Struct({
  executions: Schema.Array(ExecutionSummary),
  skipped: Schema.optional(Schema.Array(Schema.Struct({ workflow: Schema.String, reason: Schema.String }))),
})
export type ExecutionList = typeof ExecutionList.Type

/** What a list of executions may be narrowed to. */
export interface ExecutionFilter {
  readonly workflow?: string | undefined
  readonly status?: string | undefined
  /** The object key (or business id) the execution is about. */
  readonly key?: string | undefined
}

/**
 * What an execution is about, read from its input (the event that started it): the object key, the order id or the
 * user id. People find executions by it.
 */
export const executionSubject = (input: unknown): string | undefined => {
  const detail = (input as { detail?: Record<string, unknown> } | null | undefined)?.detail
  if (typeof detail !== 'object' || detail === null) return undefined
  const candidates = [
    (detail.object as { key?: unknown } | undefined)?.key,
    detail.orderId,
    (detail.order as { orderId?: unknown } | undefined)?.orderId,
    ...['newImage', 'oldImage'].flatMap((image) => {
      const item = detail[image] as { orderId?: unknown; userId?: unknown } | undefined
      return [item?.orderId, item?.userId]
    }),
  ]
  const subject = candidates.find((candidate) => typeof candidate === 'string')
  return typeof subject === 'string' ? subject : undefined
}

/**
 * The readable part of a Step Functions `Cause`: Lambda's `errorMessage` when the cause is its JSON
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), else the cause on one line.
 */
export const readableCause = (cause: string | undefined): string | undefined => {
  if (cause === undefined || cause.trim() === '') return undefined
  try {
    const parsed: unknown = JSON.parse(cause)
    if (typeof parsed === 'object' && parsed !== null) {
      const fields = parsed as Record<string, unknown>
      for (const field of ['errorMessage', 'message', 'Cause', 'cause']) {
        const value = fields[field]
        if (typeof value === 'string' && value.trim() !== '') return value.replace(/\s+/g, ' ').trim()
      }
    }
  } catch {
    // Not JSON: a States.* runtime cause is already a sentence.
  }
  return cause.replace(/\s+/g, ' ').trim()
}

/** `Error: cause summary`, either part alone, or undefined when there is neither. */
export const describeFailure = (error: string | undefined, cause: string | undefined): string | undefined => {
  const reason = readableCause(cause)
  if (error && reason && reason !== error) return `${error}: ${reason}`
  return error || reason
}
