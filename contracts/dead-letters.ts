import { Either, Option, Schema } from 'effect'
import { AnyEvent, EventEnvelope } from './envelope'
import { describeFailure, executionSubject } from './executions'
import type { EventPattern } from './patterns'

/**
 * What a workflow's catch-all sends to its dead-letter queue: the event that started the execution, with the error
 * and cause it failed with. A redrive starts the workflow again with `event`.
 */
export const WorkflowDeadLetter = Schema.Struct({
  /** The workflow's short name (the `pipeline:workflow` tag). */
  workflow: Schema.String,
  /** The execution's ARN (`$$.Execution.Id`). */
  execution: Schema.String,
  error: Schema.String,
  cause: Schema.String,
  event: Schema.Unknown,
})
export type WorkflowDeadLetter = typeof WorkflowDeadLetter.Type

/**
 * What EventBridge sends to a rule target's dead-letter queue for an event it could not deliver: the event itself,
 * the reason in message attributes on AWS (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html);
 * the local bus writes them into the body.
 */
export const TargetDeadLetter = Schema.Struct({
  rule: Schema.optional(Schema.String),
  /** The target's id in its rule. */
  target: Schema.optional(Schema.String),
  targetArn: Schema.String,
  attempts: Schema.optional(Schema.Number),
  error: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.String),
  event: AnyEvent,
})
export type TargetDeadLetter = typeof TargetDeadLetter.Type

/** The shard a local table's stream reports: the local runtime keeps one shard per stream. */
export const LocalStreamShard = 'shardId-00000000000000000000-local'

/** How long DynamoDB Streams keeps a record (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html). */
export const StreamRetentionHours = 24

/**
 * What a pipe or an event source mapping reading a DynamoDB stream sends to its DLQ when it gives up on a batch: where
 * the batch is in the stream, never its records (the invocation record of
 * https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html; a pipe "inherits DLQ behavior from the
 * source", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html). Nothing in
 * it can be sent again: the records are re-read from the stream, by shard and sequence number, while it keeps them.
 */
export const StreamBatchDeadLetter = Schema.Struct({
  requestContext: Schema.Struct({
    requestId: Schema.String,
    functionArn: Schema.optional(Schema.String),
    condition: Schema.String,
    approximateInvokeCount: Schema.Number,
  }),
  responseContext: Schema.optional(
    Schema.Struct({ statusCode: Schema.Number, functionError: Schema.optional(Schema.String) }),
  ),
  version: Schema.String,
  timestamp: Schema.String,
  DDBStreamBatchInfo: Schema.Struct({
    shardId: Schema.String,
    startSequenceNumber: Schema.String,
    endSequenceNumber: Schema.String,
    approximateArrivalOfFirstRecord: Schema.String,
    approximateArrivalOfLastRecord: Schema.String,
    batchSize: Schema.Number,
    streamArn: Schema.String,
  }),
})
export type StreamBatchDeadLetter = typeof StreamBatchDeadLetter.Type

/** Step Functions' own events on the default bus (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html). */
export const StatesSource = 'aws.states'
export const ExecutionStatusChangeType = 'Step Functions Execution Status Change'

/** An execution's status as the event gives it (no PENDING); every status but RUNNING ends it. */
export const StatusChangeStatus = Schema.Literal('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')
export type StatusChangeStatus = typeof StatusChangeStatus.Type

/**
 * The detail of "Step Functions Execution Status Change", which Standard workflows (not Express ones) send to the
 * default bus. `input` is the execution's input as JSON text, left out (null, `inputDetails.included` false) when input
 * and output together pass 248 KB.
 */
export const ExecutionStatusChangeDetail = Schema.Struct({
  executionArn: Schema.String,
  stateMachineArn: Schema.String,
  name: Schema.String,
  status: StatusChangeStatus,
  startDate: Schema.Number,
  stopDate: Schema.NullOr(Schema.Number),
  input: Schema.NullOr(Schema.String),
  output: Schema.NullOr(Schema.String),
  inputDetails: Schema.optional(Schema.Struct({ included: Schema.Boolean })),
  outputDetails: Schema.optional(Schema.NullOr(Schema.Struct({ included: Schema.Boolean }))),
  error: Schema.optional(Schema.NullOr(Schema.String)),
  cause: Schema.optional(Schema.NullOr(Schema.String)),
})
export type ExecutionStatusChangeDetail = typeof ExecutionStatusChangeDetail.Type
export const ExecutionStatusChange = EventEnvelope(ExecutionStatusChangeType, ExecutionStatusChangeDetail)
export type ExecutionStatusChange = typeof ExecutionStatusChange.Type

const decodeWorkflowLetter = Schema.decodeUnknownEither(WorkflowDeadLetter)
const decodeTargetLetter = Schema.decodeUnknownEither(TargetDeadLetter)
const decodeStreamBatch = Schema.decodeUnknownEither(StreamBatchDeadLetter)
const decodeStatusChange = Schema.decodeUnknownEither(ExecutionStatusChange)

/** A message body as JSON when it is JSON, else as it is. */
export const parseBody = (body: unknown): unknown => {
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/**
 * A dead letter as its producer wrote it: a workflow's catch-all, an EventBridge target, a pipe's stream batch, or an
 * execution that ended without reaching its catch-all (Step Functions' status change event, sent by a rule).
 */
export type DeadLetterRead =
  | { readonly kind: 'workflow'; readonly letter: WorkflowDeadLetter }
  | { readonly kind: 'target'; readonly letter: TargetDeadLetter }
  | { readonly kind: 'stream-batch'; readonly letter: StreamBatchDeadLetter }
  | { readonly kind: 'execution'; readonly letter: ExecutionStatusChange }

/** A dead letter read as what its producer wrote (its body as text, or parsed), or undefined when it is none of the kinds. */
export const readDeadLetter = (body: unknown): DeadLetterRead | undefined => {
  const value = parseBody(body)
  const target = decodeTargetLetter(value)
  if (Either.isRight(target)) return { kind: 'target', letter: target.right }
  const workflow = decodeWorkflowLetter(value)
  if (Either.isRight(workflow)) return { kind: 'workflow', letter: workflow.right }
  const batch = decodeStreamBatch(value)
  if (Either.isRight(batch)) return { kind: 'stream-batch', letter: batch.right }
  const change = decodeStatusChange(value)
  if (Either.isRight(change)) return { kind: 'execution', letter: change.right }
  return undefined
}

const hoursLater = (iso: string, hours: number): string => {
  const time = Date.parse(iso)
  return Number.isNaN(time) ? 'unknown' : new Date(time + hours * 3_600_000).toISOString()
}

/**
 * What a stream batch's dead letter tells: why the batch was given up on, and, since it holds the batch's place and
 * not its records, what can be done instead of a redrive (the shard and sequence range to re-read).
 */
export const streamBatchFacts = (
  letter: StreamBatchDeadLetter,
): { readonly reason: string; readonly instead: string } => {
  const info = letter.DDBStreamBatchInfo
  const context = letter.requestContext
  return {
    reason: `${context.condition} after ${context.approximateInvokeCount} attempt(s) on ${info.batchSize} stream record(s) of ${info.streamArn}; the message says where they are in the stream, not what they hold`,
    instead: `not redrivable: re-read shard ${info.shardId} from sequence number ${info.startSequenceNumber} to ${info.endSequenceNumber} while the stream keeps them (${StreamRetentionHours} hours from each write: until about ${hoursLater(info.approximateArrivalOfFirstRecord, StreamRetentionHours)} for the first)`,
  }
}

const parseJson = (text: string | null): Option.Option<unknown> => {
  if (text === null) return Option.none()
  try {
    return Option.some(JSON.parse(text) as unknown)
  } catch {
    return Option.none()
  }
}

/**
 * What the status change of an execution that ended without reaching its catch-all (timed out, aborted) tells: why,
 * which execution of which state machine, and its input (the event it started on), which the workflow can start again
 * on; none when Step Functions left it out for its size.
 */
export const executionEndFacts = (
  letter: ExecutionStatusChange,
): {
  readonly reason: string
  readonly stateMachineArn: string
  readonly executionArn: string
  readonly input: Option.Option<unknown>
} => {
  const detail = letter.detail
  const why = [detail.error, detail.cause].filter((part): part is string => typeof part === 'string' && part !== '')
  return {
    reason: `execution ${detail.status}${why.length > 0 ? `: ${why.join(': ')}` : ''}${detail.input === null ? ' (its input was too large to be included, see DescribeExecution)' : ''}`,
    stateMachineArn: detail.stateMachineArn,
    executionArn: detail.executionArn,
    input: parseJson(detail.input),
  }
}

/** Why a dead letter landed, as one line: `Error: cause`. */
export const deadLetterReason = (letter: { readonly error?: string; readonly cause?: string }): string =>
  describeFailure(letter.error, letter.cause) ?? 'Error'

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined

/**
 * What a dead letter is about. Bodies vary by producer: a failure record `{error, cause}`, Step Functions'
 * `{Error, Cause}`, Lambda's `{errorType, errorMessage}`, or `error` nested as an object; a body that is a
 * JSON string is parsed first. The key is the first `key` field found, preferring one under uploads/.
 */
export const summarizeDeadLetter = (message: {
  readonly body: unknown
}): { readonly key?: string; readonly reason?: string } => {
  const read = readDeadLetter(message.body)
  if (read?.kind === 'stream-batch') {
    const facts = streamBatchFacts(read.letter)
    return { reason: `${facts.reason}; ${facts.instead}` }
  }
  if (read?.kind === 'execution') {
    const facts = executionEndFacts(read.letter)
    const input = Option.getOrUndefined(facts.input)
    const key = executionSubject(input) ?? (isObject(input) ? findKey(input) : undefined)
    return { ...(key === undefined ? {} : { key }), reason: facts.reason }
  }
  if (read) {
    const key = executionSubject(read.letter.event)
    return { ...(key === undefined ? {} : { key }), reason: deadLetterReason(read.letter) }
  }
  const body = parseBody(message.body)
  if (typeof body === 'string') return { reason: body }
  if (!isObject(body)) return {}
  const nested = isObject(body.error) ? body.error : isObject(body.Error) ? body.Error : {}
  const error = text(body.error) ?? text(body.Error) ?? text(body.errorType) ?? text(nested.Error) ?? text(nested.error)
  const cause =
    text(body.cause) ??
    text(body.Cause) ??
    text(body.errorMessage) ??
    text(nested.Cause) ??
    text(nested.cause) ??
    text(body.reason) ??
    text(body.message)
  const key = findKey(body)
  return {
    ...(key === undefined ? {} : { key }),
    ...(describeFailure(error, cause) === undefined ? {} : { reason: describeFailure(error, cause) }),
  }
}

/** Breadth-first, so `detail.object.key` beats a key buried deeper; a few levels are enough for any event. */
const findKey = (root: Json): string | undefined => {
  let level: Json[] = [root]
  let fallback: string | undefined
  for (let depth = 0; depth < 6 && level.length > 0; depth += 1) {
    const next: Json[] = []
    for (const node of level) {
      const key = text(node.key)
      if (key?.startsWith('uploads/')) return key
      fallback ??= key
      for (const value of Object.values(node)) {
        if (isObject(value)) next.push(value)
        else if (Array.isArray(value)) next.push(...value.filter(isObject))
      }
    }
    level = next
  }
  return fallback
}

/** One message of a dead-letter queue, as the CLI lists it. */
export const DlqMessage = Schema.Struct({
  id: Schema.String,
  sentAt: Schema.String,
  body: Schema.Unknown,
  /** How many times the message was received, this listing included (SQS's ApproximateReceiveCount). */
  receiveCount: Schema.optional(Schema.Number),
  /** Its message attributes as strings, e.g. ERROR_CODE and RULE_ARN on an EventBridge target's dead letter. */
  attributes: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
})
export type DlqMessage = typeof DlqMessage.Type

export const DlqQueue = Schema.Struct({
  name: Schema.String,
  messages: Schema.Array(DlqMessage),
  /** On a deployed stack: the queue's URL, and how many messages SQS counts (a listing shows at most a sample). */
  url: Schema.optional(Schema.String),
  approximateMessages: Schema.optional(Schema.Number),
})
export type DlqQueue = typeof DlqQueue.Type

/** A message a redrive could not send on, and why; it stays in its queue. */
export const Unsent = Schema.Struct({ id: Schema.String, reason: Schema.String })
export type Unsent = typeof Unsent.Type

/**
 * What a redrive did to one dead-letter queue:
 * - MOVING: a queue's own DLQ: SQS moves the messages back to the source queue (StartMessageMoveTask), in the background;
 * - REDRIVEN: a workflow's or a rule target's DLQ: each message's event started its workflow (or target) again, and the
 *   message was deleted;
 * - PARTIAL: some messages could not be sent again (`failed`) or carry no event to send (`skipped`): they stay;
 * - EMPTY: nothing to redrive.
 */
export const RedriveResult = Schema.Struct({
  queue: Schema.String,
  status: Schema.Literal('MOVING', 'REDRIVEN', 'PARTIAL', 'EMPTY'),
  taskHandle: Schema.optional(Schema.String),
  /** MOVING: the source queues the messages go back to. */
  destinations: Schema.optional(Schema.Array(Schema.String)),
  approximateMessages: Schema.optional(Schema.Number),
  /** Events started on their workflow (or rule target) again (StartExecution). */
  restarted: Schema.optional(Schema.Number),
  failed: Schema.optional(Schema.Array(Unsent)),
  skipped: Schema.optional(Schema.Array(Unsent)),
})
export type RedriveResult = typeof RedriveResult.Type

/**
 * How an execution can end without reaching its workflow's catch-all: its own timeout, or a StopExecution.
 * Either way its event would be in no DLQ (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
export const UncaughtEndStatuses: ReadonlyArray<StatusChangeStatus> = ['TIMED_OUT', 'ABORTED']

/** The status changes of one state machine's executions that ended without reaching its catch-all. */
export const uncaughtExecutionEnds = (stateMachineArn: string): EventPattern => ({
  source: [StatesSource],
  'detail-type': [ExecutionStatusChangeType],
  detail: { status: [...UncaughtEndStatuses], stateMachineArn: [stateMachineArn] },
})
