import { Option, Schema } from 'effect'
import { EventEnvelope } from './envelope'
import type { EventPattern } from './patterns'

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

/** An execution's status; every status but RUNNING ends it. */
export const ExecutionStatus = Schema.Literal('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')
export type ExecutionStatus = typeof ExecutionStatus.Type

/**
 * The detail of "Step Functions Execution Status Change", which Standard workflows (not Express ones) send to the
 * default bus. `input` is the execution's input as JSON text, left out (null, `inputDetails.included` false) when input
 * and output together pass 248 KB.
 */
export const ExecutionStatusChangeDetail = Schema.Struct({
  executionArn: Schema.String,
  stateMachineArn: Schema.String,
  name: Schema.String,
  status: ExecutionStatus,
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

/** What a reader of a dead letter can tell about it from its body alone. */
export type DeadLetterFacts =
  /** A stream batch: only its place in the stream; not redrivable. */
  | {
      readonly kind: 'stream-batch'
      readonly reason: string
      /** What can be done instead of a redrive, with the shard and sequence range to re-read. */
      readonly instead: string
      readonly batch: StreamBatchDeadLetter
    }
  /** An execution that ended without reaching its catch (timed out, aborted): the workflow can start again on its input. */
  | {
      readonly kind: 'execution'
      readonly reason: string
      readonly stateMachineArn: string
      readonly executionArn: string
      /** The execution's input (the event it started on); absent when Step Functions left it out for its size. */
      readonly input: Option.Option<unknown>
    }

const decodeBatch = Schema.decodeUnknownOption(StreamBatchDeadLetter)
const decodeStatusChange = Schema.decodeUnknownOption(ExecutionStatusChange)
const parseJson = (text: string | null): Option.Option<unknown> => {
  if (text === null) return Option.none()
  try {
    return Option.some(JSON.parse(text) as unknown)
  } catch {
    return Option.none()
  }
}

const hoursLater = (iso: string, hours: number): string => {
  const time = Date.parse(iso)
  return Number.isNaN(time) ? 'unknown' : new Date(time + hours * 3_600_000).toISOString()
}

/**
 * Reads the two dead letters whose body is not a failure record of the pipeline's own: a stream batch's metadata and a
 * Step Functions status change. Answers none for anything else.
 */
export const deadLetterFacts = (body: unknown): Option.Option<DeadLetterFacts> => {
  const batch = decodeBatch(body)
  if (Option.isSome(batch)) {
    const info = batch.value.DDBStreamBatchInfo
    const context = batch.value.requestContext
    return Option.some({
      kind: 'stream-batch',
      reason: `${context.condition} after ${context.approximateInvokeCount} attempt(s) on ${info.batchSize} stream record(s) of ${info.streamArn}; the message says where they are in the stream, not what they hold`,
      instead: `not redrivable: re-read shard ${info.shardId} from sequence number ${info.startSequenceNumber} to ${info.endSequenceNumber} while the stream keeps them (${StreamRetentionHours} hours from each write: until about ${hoursLater(info.approximateArrivalOfFirstRecord, StreamRetentionHours)} for the first)`,
      batch: batch.value,
    })
  }
  const change = decodeStatusChange(body)
  if (Option.isSome(change)) {
    const detail = change.value.detail
    const why = [detail.error, detail.cause].filter((part): part is string => typeof part === 'string' && part !== '')
    return Option.some({
      kind: 'execution',
      reason: `execution ${detail.status}${why.length > 0 ? `: ${why.join(': ')}` : ''}${detail.input === null ? ' (its input was too large to be included, see DescribeExecution)' : ''}`,
      stateMachineArn: detail.stateMachineArn,
      executionArn: detail.executionArn,
      input: parseJson(detail.input),
    })
  }
  return Option.none()
}

/**
 * How an execution can end without reaching its workflow's catch-all: its own timeout, or a StopExecution.
 * Either way its event would be in no DLQ (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
export const UncaughtEndStatuses: ReadonlyArray<ExecutionStatus> = ['TIMED_OUT', 'ABORTED']

/** The status changes of one state machine's executions that ended without reaching its catch-all. */
export const uncaughtExecutionEnds = (stateMachineArn: string): EventPattern => ({
  source: [StatesSource],
  'detail-type': [ExecutionStatusChangeType],
  detail: { status: [...UncaughtEndStatuses], stateMachineArn: [stateMachineArn] },
})
