import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn'
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs'
import { Option } from 'effect'
import {
  executionEndFacts,
  readDeadLetter,
  streamBatchFacts,
  type DeadLetterRead,
  type DlqMessage,
  type DlqQueue,
  type RedriveResult,
  type Unsent,
} from '../../../contracts/dead-letters'
import type { HistoryEvent } from '../../../contracts/executions'
import { stateSummaries } from '../../console/state-outcomes'
import { iso, mapLimit, parseJson, type AwsContext } from './context'
import { fromAwsError } from './errors'
import { ListRounds, RedriveFollowMs, RedriveRounds } from './limits'
import type { DeadLetterQueue } from './stack'

/** How long a message being redriven stays hidden from other readers; those not sent on are shown again at the end. */
const RedriveVisibilitySeconds = 120
/** The state every workflow's catch-all sends its dead letter from (`workflows/tasks.ts`, `workflows/image-workflow.ts`). */
const DeadLetterState = 'SendToDeadLetterQueue'

/** A workflow started again by a redrive, with the dead letter it came from. */
interface Run {
  readonly message: Message
  readonly executionArn: string
  readonly body: Json
}

type RunOutcome =
  | { readonly kind: 'ended' }
  | { readonly kind: 'running' }
  | { readonly kind: 'failed-without-letter'; readonly error: string; readonly cause: string }

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** An EventBridge event as a workflow's dead letter carries it: at least its source and detail-type. */
const isEvent = (value: unknown): value is Json =>
  isObject(value) && typeof value.source === 'string' && typeof value['detail-type'] === 'string'

/** The event a workflow's dead letter (`WorkflowDeadLetter`) carries, and its workflow, or undefined for any other body. */
const workflowLetter = (read: DeadLetterRead | undefined) =>
  read?.kind === 'workflow' && isEvent(read.letter.event)
    ? { event: read.letter.event, workflow: read.letter.workflow, execution: read.letter.execution }
    : undefined

/**
 * The event a rule target's dead letter carries and the target EventBridge could not deliver it to: on AWS the body is
 * the event and the TARGET_ARN message attribute names the target
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html); the local bus writes both in the body.
 */
export const targetLetter = (message: Message): { readonly event: Json; readonly targetArn: string } | undefined => {
  const read = readDeadLetter(message.Body ?? '')
  if (read?.kind === 'target') return { event: read.letter.event as Json, targetArn: read.letter.targetArn }
  const targetArn = message.MessageAttributes?.TARGET_ARN?.StringValue
  const event = parseJson(message.Body)
  return targetArn && isEvent(event) ? { event, targetArn } : undefined
}

/** A state machine's ARN (`arn:aws:states:REGION:ACCOUNT:stateMachine:NAME`): the targets a redrive can deliver to. */
const isStateMachine = (arn: string): boolean => /^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:/.test(arn)

const chunks = <A>(items: ReadonlyArray<A>, size: number): A[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, index * size + size))

/** The stack's dead-letter queues on SQS: listing them without consuming, and redriving them. */
export class DeadLetters {
  constructor(
    private readonly aws: AwsContext,
    private readonly followMs: number = RedriveFollowMs,
  ) {}

  /**
   * Each DLQ's messages, read without consuming them: ReceiveMessage with VisibilityTimeout 0 (they stay visible to
   * everyone), 10 at a time, up to ListRounds times or until a receive brings nothing new. A receive counts in the
   * message's ApproximateReceiveCount; a DLQ has no redrive policy, so that changes nothing else.
   */
  async list(): Promise<{ readonly queues: ReadonlyArray<DlqQueue> }> {
    const queues = [...(await this.aws.stack.deadLetterQueues())].sort((a, b) => a.name.localeCompare(b.name))
    return {
      queues: await Promise.all(
        queues.map(async (queue): Promise<DlqQueue> => {
          const approximate = (await this.attributes(queue, ['ApproximateNumberOfMessages']))
            .ApproximateNumberOfMessages
          const messages = approximate > 0 ? await this.peek(queue, approximate) : []
          return { name: queue.name, url: queue.url, approximateMessages: approximate, messages }
        }),
      ),
    }
  }

  /**
   * Redrives one DLQ, or each: a queue's own DLQ (it has source queues, ListDeadLetterSourceQueues) by an SQS message
   * move task back to them (StartMessageMoveTask, running in the background); a workflow's DLQ, which no queue feeds,
   * by sending each message's `event` on again and deleting the message (`redriveWorkflow`).
   */
  async redrive(queues: ReadonlyArray<DeadLetterQueue>): Promise<{ readonly results: ReadonlyArray<RedriveResult> }> {
    const results: RedriveResult[] = []
    for (const queue of queues) {
      const [sources, attributes] = await Promise.all([
        this.sourceQueues(queue),
        this.attributes(queue, ['ApproximateNumberOfMessages', 'QueueArn']),
      ])
      if (attributes.ApproximateNumberOfMessages === 0) {
        results.push({ queue: queue.name, status: 'EMPTY', approximateMessages: 0 })
        continue
      }
      if (sources.length === 0) {
        results.push(await this.redriveWorkflow(queue))
        continue
      }
      // Without a DestinationArn, SQS moves each message back to the queue it came from.
      const task = await this.aws.call('SQS', () =>
        this.aws.clients.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: attributes.QueueArn })),
      )
      results.push({
        queue: queue.name,
        status: 'MOVING',
        ...(task.TaskHandle ? { taskHandle: task.TaskHandle } : {}),
        destinations: sources.map((url) => url.slice(url.lastIndexOf('/') + 1)),
        approximateMessages: attributes.ApproximateNumberOfMessages,
      })
    }
    return { results }
  }

  /** The queues whose redrive policy sends their failures to this one (ListDeadLetterSourceQueues); none for a workflow's DLQ. */
  async sourceQueues(queue: DeadLetterQueue): Promise<ReadonlyArray<string>> {
    return (
      (
        await this.aws.call('SQS', () =>
          this.aws.clients.sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queue.url })),
        )
      ).queueUrls ?? []
    )
  }

  /**
   * Sends each message of a queue no other queue feeds back where it came from, as the workflow or the rule target that
   * failed it would have run it:
   * - a workflow's dead letter (`{workflow, execution, error, cause, event}`) starts that workflow again with its event
   *   (StartExecution), then is followed until it ends: a run that fails again without leaving its own dead letter
   *   (the image workflow dead-letters an object version once) gets one here, with its new execution, error and
   *   cause, in the old one's place, so nothing is lost; one still running after `followMs` leaves the message;
   * - a rule target's dead letter (`targetLetter`) is delivered to its target again: a state machine starts with the
   *   event as input, as the rule's target would; another kind of target is left in the queue;
   * - a timed-out or aborted execution's status change (no catch saw it) starts its state machine again on its input;
   * - a stream batch's dead letter holds the batch's place, not its records: it stays, with what to do instead.
   * A message sent on is deleted; one that is neither, or could not be sent, stays in the queue, visible again.
   * With `only`, the messages of other ids are left alone (visible again at the end) and not reported; `onSent` hears
   * each message sent on and deleted.
   */
  async redriveWorkflow(
    queue: DeadLetterQueue,
    only?: ReadonlySet<string>,
    onSent?: (id: string) => void,
  ): Promise<RedriveResult> {
    const seen = new Set<string>()
    const kept = new Map<string, string>()
    const failed: Unsent[] = []
    const skipped: Unsent[] = []
    /** The runs this redrive started: their own dead letters, arriving meanwhile, are not redriven again. */
    const ours = new Set<string>()
    let restarted = 0
    for (let round = 0; round < RedriveRounds; round += 1) {
      if (only && [...only].every((id) => seen.has(id))) break
      const received = await this.receive(queue, RedriveVisibilitySeconds)
      // A message kept back earlier comes again once hidden long enough: remember its newest receipt, send it no more.
      for (const message of received)
        if (kept.has(message.MessageId ?? '')) kept.set(message.MessageId ?? '', message.ReceiptHandle ?? '')
      const fresh = received.filter((message) => !seen.has(message.MessageId ?? ''))
      if (fresh.length === 0) break
      const done: Message[] = []
      const runs: Run[] = []
      const keep = (message: Message, into: Unsent[], reason: string) => {
        into.push({ id: message.MessageId ?? '', reason })
        kept.set(message.MessageId ?? '', message.ReceiptHandle ?? '')
      }
      for (const message of fresh) {
        seen.add(message.MessageId ?? '')
        if (only && !only.has(message.MessageId ?? '')) {
          kept.set(message.MessageId ?? '', message.ReceiptHandle ?? '')
          continue
        }
        const read = readDeadLetter(message.Body ?? '')
        if (read?.kind === 'stream-batch') {
          keep(message, skipped, streamBatchFacts(read.letter).instead)
          continue
        }
        if (read?.kind === 'execution') {
          if (ours.has(read.letter.detail.executionArn)) {
            kept.set(message.MessageId ?? '', message.ReceiptHandle ?? '')
            continue
          }
          // A timed-out or aborted execution: its state machine starts again on the same input.
          const facts = executionEndFacts(read.letter)
          try {
            if (Option.isNone(facts.input)) throw new Error(`${facts.reason}: no input to start again with`)
            const started = await this.aws.call('Step Functions', () =>
              this.aws.clients.sfn.send(
                new StartExecutionCommand({
                  stateMachineArn: facts.stateMachineArn,
                  input: JSON.stringify(Option.getOrThrow(facts.input)),
                }),
              ),
            )
            restarted += 1
            if (started.executionArn) ours.add(started.executionArn)
            done.push(message)
          } catch (error) {
            keep(message, failed, (error as Error).message)
          }
          continue
        }
        const letter = workflowLetter(read)
        if (letter && ours.has(letter.execution)) {
          kept.set(message.MessageId ?? '', message.ReceiptHandle ?? '')
          continue
        }
        const undelivered = letter ? undefined : targetLetter(message)
        if (!letter && !undelivered) {
          keep(message, skipped, 'not a workflow dead letter: it carries no event to send again')
          continue
        }
        if (undelivered && !isStateMachine(undelivered.targetArn)) {
          keep(
            message,
            skipped,
            `a rule target's dead letter for ${undelivered.targetArn}: only a state machine target is delivered again`,
          )
          continue
        }
        try {
          const stateMachineArn = letter
            ? ((await this.aws.stack.pickWorkflows(letter.workflow))[0]?.arn ?? '')
            : (undelivered?.targetArn ?? '')
          const event = letter?.event ?? undelivered?.event
          const started = await this.aws.call('Step Functions', () =>
            this.aws.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(event) })),
          )
          restarted += 1
          if (started.executionArn) ours.add(started.executionArn)
          if (letter && started.executionArn)
            runs.push({ message, executionArn: started.executionArn, body: parseJson(message.Body) as Json })
          else done.push(message)
        } catch (error) {
          keep(message, failed, (error as Error).message)
        }
      }
      for (const { run, outcome } of await this.follow(runs)) {
        if (outcome.kind === 'running') {
          keep(
            run.message,
            failed,
            `its new run ${run.executionArn} was still running after ${Math.round(this.followMs / 1000)}s: left here, so nothing is lost if it fails`,
          )
          continue
        }
        if (outcome.kind === 'failed-without-letter') {
          // The new run's own dead letter, which the workflow did not send: in the old one's place.
          await this.aws.call('SQS', () =>
            this.aws.clients.sqs.send(
              new SendMessageCommand({
                QueueUrl: queue.url,
                MessageBody: JSON.stringify({
                  ...run.body,
                  execution: run.executionArn,
                  error: outcome.error,
                  cause: outcome.cause,
                }),
              }),
            ),
          )
        }
        done.push(run.message)
      }
      if (done.length > 0) {
        const deleted = await this.aws.call('SQS', () =>
          this.aws.clients.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue.url,
              Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
            }),
          ),
        )
        for (const failure of deleted.Failed ?? []) {
          const message = done[Number(failure.Id)]
          failed.push({
            id: message?.MessageId ?? '',
            reason: `sent again, but not deleted (${failure.Code ?? 'error'}): it will come back`,
          })
        }
        const undeleted = new Set((deleted.Failed ?? []).map((failure) => failure.Id))
        done.forEach((message, index) => {
          if (!undeleted.has(String(index))) onSent?.(message.MessageId ?? '')
        })
      }
    }
    // What stays is shown again at once, not after the visibility timeout.
    for (const batch of chunks([...kept.values()], 10)) {
      await this.aws.call('SQS', () =>
        this.aws.clients.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queue.url,
            Entries: batch.map((receipt, index) => ({
              Id: String(index),
              ReceiptHandle: receipt,
              VisibilityTimeout: 0,
            })),
          }),
        ),
      )
    }
    const status = failed.length > 0 || skipped.length > 0 ? 'PARTIAL' : restarted > 0 ? 'REDRIVEN' : 'EMPTY'
    return {
      queue: queue.name,
      status,
      restarted,
      ...(failed.length > 0 ? { failed } : {}),
      ...(skipped.length > 0 ? { skipped } : {}),
    }
  }

  /**
   * Follows the runs a redrive started until each ends, or `followMs` passes: how each ended, and for a failed one
   * whether it left its own dead letter (its SendToDeadLetterQueue state succeeded, GetExecutionHistory says). A run
   * Step Functions does not describe (an Express workflow's on AWS, which always leaves its own) counts as ended.
   */
  private async follow(
    runs: ReadonlyArray<Run>,
  ): Promise<ReadonlyArray<{ readonly run: Run; readonly outcome: RunOutcome }>> {
    const deadline = this.aws.now() + this.followMs
    const outcomes = new Map<Run, RunOutcome>()
    let delay = this.aws.pollMs / 4
    for (;;) {
      const pending = runs.filter((run) => !outcomes.has(run))
      await mapLimit(pending, 5, async (run) => {
        const outcome = await this.outcomeOf(run.executionArn)
        if (outcome) outcomes.set(run, outcome)
      })
      if (runs.every((run) => outcomes.has(run)) || this.aws.now() >= deadline) break
      await this.aws.sleep(Math.min(delay, Math.max(0, deadline - this.aws.now())))
      delay = Math.min(this.aws.pollMs * 5, delay * 2)
    }
    return runs.map((run) => ({ run, outcome: outcomes.get(run) ?? { kind: 'running' } }))
  }

  /** How a run ended; undefined while it runs. */
  private async outcomeOf(executionArn: string): Promise<RunOutcome | undefined> {
    let described: DescribeExecutionCommandOutput
    try {
      described = await this.aws.clients.sfn.send(new DescribeExecutionCommand({ executionArn }))
    } catch (error) {
      const name = (error as { name?: unknown }).name
      if (name === 'StateMachineTypeNotSupported' || name === 'ExecutionDoesNotExist') return { kind: 'ended' }
      throw fromAwsError(error, 'Step Functions', this.aws.settings)
    }
    if (described.status === 'RUNNING' || described.status === 'PENDING_REDRIVE') return undefined
    if (described.status !== 'FAILED' && described.status !== 'TIMED_OUT' && described.status !== 'ABORTED')
      return { kind: 'ended' }
    const history: HistoryEvent[] = []
    let token: string | undefined
    do {
      const page = await this.aws.call('Step Functions', () =>
        this.aws.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: token })),
      )
      for (const event of page.events ?? [])
        history.push({
          ...event,
          id: event.id ?? 0,
          timestamp: iso(event.timestamp) ?? '',
          type: event.type ?? '',
        } as HistoryEvent)
      token = page.nextToken
    } while (token)
    const sentItsOwn = stateSummaries(history).some(
      (state) => state.name === DeadLetterState && state.status === 'SUCCEEDED',
    )
    return sentItsOwn
      ? { kind: 'ended' }
      : { kind: 'failed-without-letter', error: described.error ?? 'States.Runtime', cause: described.cause ?? '' }
  }

  /** Up to `expected` distinct messages, in the order sent. */
  private async peek(queue: DeadLetterQueue, expected: number): Promise<ReadonlyArray<DlqMessage>> {
    const found = new Map<string, DlqMessage>()
    for (let round = 0; round < ListRounds && found.size < expected; round += 1) {
      const fresh = (await this.receive(queue, 0)).filter((message) => !found.has(message.MessageId ?? ''))
      if (fresh.length === 0) break
      for (const message of fresh) found.set(message.MessageId ?? '', dlqMessage(message))
    }
    return [...found.values()].sort((a, b) => a.sentAt.localeCompare(b.sentAt))
  }

  private async receive(queue: DeadLetterQueue, visibilityTimeout: number): Promise<ReadonlyArray<Message>> {
    const answer = await this.aws.call('SQS', () =>
      this.aws.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibilityTimeout,
          // A short wait makes SQS look on all its servers: a receive without one may miss a few messages.
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      ),
    )
    return answer.Messages ?? []
  }

  private async attributes(
    queue: DeadLetterQueue,
    names: ReadonlyArray<'ApproximateNumberOfMessages' | 'QueueArn'>,
  ): Promise<{ readonly ApproximateNumberOfMessages: number; readonly QueueArn: string }> {
    const answer = await this.aws.call('SQS', () =>
      this.aws.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: [...names] })),
    )
    return {
      ApproximateNumberOfMessages: Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0),
      QueueArn: answer.Attributes?.QueueArn ?? '',
    }
  }
}

/** An SQS message as `dlq` shows it: the body parsed when it is JSON, the time it was sent, its attributes as text. */
const dlqMessage = (message: Message): DlqMessage => {
  const sent = Number(message.Attributes?.SentTimestamp)
  const attributes = Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
    value.StringValue === undefined ? [] : [[name, value.StringValue] as const],
  )
  const receives = Number(message.Attributes?.ApproximateReceiveCount)
  return {
    id: message.MessageId ?? '',
    sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : '',
    body: parseJson(message.Body) ?? message.Body ?? '',
    ...(Number.isFinite(receives) ? { receiveCount: receives } : {}),
    ...(attributes.length > 0 ? { attributes: Object.fromEntries(attributes) } : {}),
  }
}
