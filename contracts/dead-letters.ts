import { Either, Schema } from 'effect'
import { AnyEvent } from './envelope'
import { describeFailure, executionSubject } from './executions'

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

const decodeWorkflowLetter = Schema.decodeUnknownEither(WorkflowDeadLetter)
const decodeTargetLetter = Schema.decodeUnknownEither(TargetDeadLetter)

/** A message body as JSON when it is JSON, else as it is. */
export const parseBody = (body: unknown): unknown => {
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/** A dead letter read as what its producer wrote (its body as text, or parsed), or undefined when it is neither kind. */
export const readDeadLetter = (
  body: unknown,
):
  | { readonly kind: 'workflow'; readonly letter: WorkflowDeadLetter }
  | { readonly kind: 'target'; readonly letter: TargetDeadLetter }
  | undefined => {
  const value = parseBody(body)
  const target = decodeTargetLetter(value)
  if (Either.isRight(target)) return { kind: 'target', letter: target.right }
  const workflow = decodeWorkflowLetter(value)
  if (Either.isRight(workflow)) return { kind: 'workflow', letter: workflow.right }
  return undefined
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
