import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge'
import { StartExecutionCommand } from '@aws-sdk/client-sfn'
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
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
import { parseJson, type AwsContext } from './context'
import { ListRounds, RedriveRounds } from './limits'
import type { DeadLetterQueue } from './stack'

/** How long a message being redriven stays hidden from other readers; those not sent on are shown again at the end. */
const RedriveVisibilitySeconds = 120

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** An EventBridge event as a workflow's dead letter carries it: at least its source and detail-type. */
const isEvent = (value: unknown): value is Json =>
  isObject(value) && typeof value.source === 'string' && typeof value['detail-type'] === 'string'

/** The event a workflow's dead letter (`WorkflowDeadLetter`) carries, and its workflow, or undefined for any other body. */
const workflowLetter = (read: DeadLetterRead | undefined) =>
  read?.kind === 'workflow' && isEvent(read.letter.event)
    ? { event: read.letter.event, workflow: read.letter.workflow }
    : undefined

const chunks = <A>(items: ReadonlyArray<A>, size: number): A[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, index * size + size))

/** The stack's dead-letter queues on SQS: listing them without consuming, and redriving them. */
export class DeadLetters {
  constructor(private readonly aws: AwsContext) {}

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
      const sources = await this.sourceQueues(queue)
      if (sources.length === 0) {
        results.push(await this.redriveWorkflow(queue))
        continue
      }
      const attributes = await this.attributes(queue, ['ApproximateNumberOfMessages', 'QueueArn'])
      if (attributes.ApproximateNumberOfMessages === 0) {
        results.push({ queue: queue.name, status: 'EMPTY', approximateMessages: 0 })
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
   * A workflow's dead letter is `{workflow, execution, error, cause, event}`: its `event` is put on the stack's bus
   * again (PutEvents), where the rule that started the workflow starts it again (every other rule matching it sees it
   * too; the workflows are idempotent). EventBridge refuses PutEvents of an AWS service's event (`aws.s3`, the image
   * and import workflows' uploads), so those start the message's workflow directly with the event as input
   * (StartExecution), as the rule's target would. A message sent on is deleted; one that is not a workflow's dead
   * letter, or could not be sent, stays in the queue, visible again.
   * With `only`, the messages of other ids are left alone (visible again at the end) and not reported; `onSent` hears
   * each message sent on and deleted.
   */
  async redriveWorkflow(
    queue: DeadLetterQueue,
    only?: ReadonlySet<string>,
    onSent?: (id: string) => void,
  ): Promise<RedriveResult> {
    const bus = await this.aws.stack.output('BusName')
    const seen = new Set<string>()
    const kept = new Map<string, string>()
    const failed: Unsent[] = []
    const skipped: Unsent[] = []
    let reput = 0
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
      const puts: Array<{ readonly message: Message; readonly entry: PutEventsRequestEntry }> = []
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
          // A timed-out or aborted execution: its state machine starts again on the same input.
          const facts = executionEndFacts(read.letter)
          try {
            if (Option.isNone(facts.input)) throw new Error(`${facts.reason}: no input to start again with`)
            await this.aws.call('Step Functions', () =>
              this.aws.clients.sfn.send(
                new StartExecutionCommand({
                  stateMachineArn: facts.stateMachineArn,
                  input: JSON.stringify(Option.getOrThrow(facts.input)),
                }),
              ),
            )
            restarted += 1
            done.push(message)
          } catch (error) {
            keep(message, failed, (error as Error).message)
          }
          continue
        }
        const letter = workflowLetter(read)
        if (!letter) {
          keep(message, skipped, 'not a workflow dead letter: it carries no event to send again')
          continue
        }
        const { event, workflow } = letter
        if (!(event.source as string).startsWith('aws.')) {
          puts.push({ message, entry: entryOf(event, bus) })
          continue
        }
        try {
          const [target] = await this.aws.stack.pickWorkflows(workflow)
          await this.aws.call('Step Functions', () =>
            this.aws.clients.sfn.send(
              new StartExecutionCommand({ stateMachineArn: target?.arn, input: JSON.stringify(event) }),
            ),
          )
          restarted += 1
          done.push(message)
        } catch (error) {
          keep(message, failed, (error as Error).message)
        }
      }
      if (puts.length > 0) {
        const answer = await this.aws.call('EventBridge', () =>
          this.aws.clients.events.send(new PutEventsCommand({ Entries: puts.map((put) => put.entry) })),
        )
        puts.forEach((put, index) => {
          const entry = answer.Entries?.[index]
          if (entry?.EventId && !entry.ErrorCode) {
            reput += 1
            done.push(put.message)
          } else
            keep(
              put.message,
              failed,
              `PutEvents: ${entry?.ErrorCode ?? 'no answer'}${entry?.ErrorMessage ? `: ${entry.ErrorMessage}` : ''}`,
            )
        })
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
    const status = failed.length > 0 || skipped.length > 0 ? 'PARTIAL' : reput + restarted > 0 ? 'REDRIVEN' : 'EMPTY'
    return {
      queue: queue.name,
      status,
      reput,
      restarted,
      ...(failed.length > 0 ? { failed } : {}),
      ...(skipped.length > 0 ? { skipped } : {}),
    }
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

/** The PutEvents entry that sends an archived event again: a new event (new id and time) with the same content. */
const entryOf = (event: Json, bus: string): PutEventsRequestEntry => {
  const resources =
    Array.isArray(event.resources) && event.resources.every((resource) => typeof resource === 'string')
      ? (event.resources as string[])
      : undefined
  return {
    EventBusName: bus,
    Source: event.source as string,
    DetailType: event['detail-type'] as string,
    Detail: JSON.stringify(event.detail ?? {}),
    ...(resources && resources.length > 0 ? { Resources: resources } : {}),
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
