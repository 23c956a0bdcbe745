import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs'
import { parseJson } from '../client/context'
import { DeadLetters, targetLetter } from '../client/dlq'
import { ListRounds } from '../client/limits'
import type { DeadLetterQueue } from '../client/stack'
import { readDeadLetter, streamBatchFacts, type RedriveResult } from '../../../contracts/dead-letters'
import { type DeadLetter, type DeadLetterQueueView, type RedriveOutcome } from '../../console/port'
import { badField, type ConsoleContext } from './context'
import type { StackMap } from './stack-map'
import { HttpError } from '../../http/errors'
import { summarizeDeadLetter as summarizeDeadLetter } from '../../../contracts/dead-letters'

/**
 * How long a look at a queue hides what it received. SQS has no peek, only receives: with a visibility timeout of 0
 * every receive may answer the same few messages again, so a listing could not get past them; hidden for a few seconds,
 * each receive brings others. Everything received is made visible again (ChangeMessageVisibilityBatch to 0) as soon as
 * the look ends, so a redrive or another look right after sees the whole queue.
 */
export const PeekVisibilitySeconds = 5

const lastSegment = (text: string): string => text.slice(text.lastIndexOf('/') + 1)
const chunks = <A>(items: ReadonlyArray<A>, size: number): A[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, index * size + size))

/** Dead letters on SQS for the console: listing without consuming, redriving all or some, deleting one. */
export class ConsoleDeadLetters {
  private readonly cli: DeadLetters
  /** One operation per queue at a time: a look hides messages for a moment, which a redrive running beside it would miss. */
  private readonly busy = new Map<string, Promise<unknown>>()

  constructor(
    private readonly context: ConsoleContext,
    private readonly stack: StackMap,
  ) {
    this.cli = new DeadLetters(context.aws)
  }

  async view(): Promise<ReadonlyArray<DeadLetterQueueView>> {
    const queues = [...(await this.context.aws.stack.deadLetterQueues())].sort((a, b) => a.name.localeCompare(b.name))
    return Promise.all(
      queues.map((queue) =>
        this.exclusive(queue, async (): Promise<DeadLetterQueueView> => {
          const depth = await this.depth(queue)
          if (depth === 0) return { name: queue.name, depth, messages: [] }
          const [sources, received] = await Promise.all([
            this.cli.sourceQueues(queue),
            this.look(queue, (seen) => seen.size >= depth),
          ])
          await this.release(queue, [...received.values()])
          const messages = await Promise.all([...received.values()].map((message) => this.deadLetter(message, sources)))
          return { name: queue.name, depth, messages: messages.sort((a, b) => a.sentAt.localeCompare(b.sentAt)) }
        }),
      ),
    )
  }

  /**
   * All messages (`ids` absent): as `pipeline dlq redrive` does it, a message move task back to the source queue for a
   * queue's own DLQ, each event sent on again for a workflow's. Some messages: a workflow's are sent on the same way; a
   * queue's are sent back to their source queue one by one (a move task cannot pick messages) and deleted here.
   */
  async redrive(name: string, ids?: ReadonlyArray<string>): Promise<RedriveOutcome> {
    const queue = await this.context.aws.stack.pickQueue(name)
    if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')))
      throw badField('ids', 'a list of message ids')
    return this.exclusive(queue, async () => {
      if (ids === undefined) return outcomeOf(queue.name, (await this.cli.redrive([queue])).results[0])
      const wanted = new Set(ids)
      const sources = await this.cli.sourceQueues(queue)
      if (sources.length === 0) {
        const sent = new Set<string>()
        const result = await this.cli.redriveWorkflow(queue, wanted, (id) => sent.add(id))
        const outcome = outcomeOf(queue.name, result)
        const reported = new Set([...sent, ...outcome.failed.map((failure) => failure.id)])
        return { ...outcome, failed: [...outcome.failed, ...notFound(ids, reported)] }
      }
      return this.sendBack(queue, sources, wanted)
    })
  }

  /** SQS deletes by receipt handle, not by id: receive until the message comes, then DeleteMessage; 404 if it never does. */
  async delete(name: string, id: string): Promise<void> {
    const queue = await this.context.aws.stack.pickQueue(name)
    await this.exclusive(queue, async () => {
      const received = await this.look(queue, (seen) => seen.has(id))
      const message = received.get(id)
      try {
        if (!message) throw new HttpError(404, 'MessageNotFound', `no message ${id} in dead-letter queue ${queue.name}`)
        await this.context.aws.call('SQS', () =>
          this.context.clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }),
          ),
        )
      } finally {
        await this.release(
          queue,
          [...received.values()].filter((other) => other.MessageId !== id),
        )
      }
    })
  }

  private async sendBack(
    queue: DeadLetterQueue,
    sources: ReadonlyArray<string>,
    wanted: ReadonlySet<string>,
  ): Promise<RedriveOutcome> {
    const received = await this.look(queue, (seen) => [...wanted].every((id) => seen.has(id)))
    const failed: Array<{ id: string; reason: string }> = []
    const sent = new Set<string>()
    try {
      for (const id of wanted) {
        const message = received.get(id)
        if (!message) continue
        if (sources.length > 1) {
          failed.push({
            id,
            reason: `${sources.length} queues send their failures here (${sources.map(lastSegment).join(', ')}): redrive them all, a message move task sends each back where it came from`,
          })
          continue
        }
        try {
          await this.context.aws.call('SQS', () =>
            this.context.clients.sqs.send(
              new SendMessageCommand({
                QueueUrl: sources[0],
                MessageBody: message.Body ?? '',
                ...(message.MessageAttributes
                  ? { MessageAttributes: message.MessageAttributes as Record<string, MessageAttributeValue> }
                  : {}),
              }),
            ),
          )
        } catch (error) {
          failed.push({ id, reason: `not sent back: ${(error as Error).message}` })
          continue
        }
        await this.context.aws.call('SQS', () =>
          this.context.clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }),
          ),
        )
        sent.add(id)
      }
    } finally {
      await this.release(
        queue,
        [...received.values()].filter((message) => !sent.has(message.MessageId ?? '')),
      )
    }
    return {
      queue: queue.name,
      redriven: sent.size,
      failed: [...failed, ...notFound([...wanted], new Set([...sent, ...failed.map((failure) => failure.id)]))],
    }
  }

  /** Receives (hiding each message PeekVisibilitySeconds) until `enough`, nothing new comes, or ListRounds receives; the newest receipt of each. */
  private async look(
    queue: DeadLetterQueue,
    enough: (seen: ReadonlyMap<string, Message>) => boolean,
  ): Promise<Map<string, Message>> {
    const seen = new Map<string, Message>()
    for (let round = 0; round < ListRounds && !enough(seen); round += 1) {
      const answer = await this.context.aws.call('SQS', () =>
        this.context.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: PeekVisibilitySeconds,
            // A short wait makes SQS look on all its servers: a receive without one may miss a few messages.
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        ),
      )
      const messages = answer.Messages ?? []
      const fresh = messages.filter((message) => !seen.has(message.MessageId ?? ''))
      for (const message of messages) seen.set(message.MessageId ?? '', message)
      if (fresh.length === 0) break
    }
    return seen
  }

  /** Makes what a look received visible again at once. */
  private async release(queue: DeadLetterQueue, messages: ReadonlyArray<Message>): Promise<void> {
    for (const batch of chunks(messages, 10)) {
      await this.context.aws.call('SQS', () =>
        this.context.clients.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queue.url,
            Entries: batch.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        ),
      )
    }
  }

  private async depth(queue: DeadLetterQueue): Promise<number> {
    const answer = await this.context.aws.call('SQS', () =>
      this.context.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      ),
    )
    return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0)
  }

  /** A message as the console shows it: why it is here and where a redrive sends it. */
  private async deadLetter(message: Message, sources: ReadonlyArray<string>): Promise<DeadLetter> {
    const sent = Number(message.Attributes?.SentTimestamp)
    const body = parseJson(message.Body) ?? message.Body ?? ''
    const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue
    const summary = summarizeDeadLetter({ body })
    const read = readDeadLetter(body)
    const workflow = read?.kind === 'workflow' ? read.letter.workflow : undefined
    const ruleArn = attribute('RULE_ARN')
    const target = targetLetter(message)
    const rule = read?.kind === 'target' ? read.letter.rule : ruleArn ? lastSegment(ruleArn) : undefined
    // A stream batch's place (not redrivable) or a timed-out execution's status change (its state machine starts again).
    const origin =
      read?.kind === 'stream-batch'
        ? streamBatchFacts(read.letter).instead
        : read?.kind === 'execution'
          ? lastSegment(read.letter.detail.stateMachineArn)
          : workflow
            ? await this.stack.workflow(workflow).then(
                (found) => found.name,
                () => workflow,
              )
            : sources.length > 0
              ? sources.map(lastSegment).join(', ')
              : target && rule
                ? `${target.targetArn.slice(target.targetArn.lastIndexOf(':') + 1)} (rule ${rule})`
                : rule
                  ? `rule ${rule}`
                  : undefined
    const errorCode = attribute('ERROR_CODE')
    const reason =
      summary.reason ??
      (errorCode ? `${errorCode}${attribute('ERROR_MESSAGE') ? `: ${attribute('ERROR_MESSAGE')}` : ''}` : undefined) ??
      (sources.length > 0
        ? `received too many times from ${sources.map(lastSegment).join(', ')} without success (its redrive policy moved it here)`
        : 'no reason recorded')
    return {
      id: message.MessageId ?? '',
      sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : '',
      reason,
      ...(origin === undefined ? {} : { origin }),
      body,
    }
  }

  private exclusive<A>(queue: DeadLetterQueue, work: () => Promise<A>): Promise<A> {
    const before = this.busy.get(queue.url) ?? Promise.resolve()
    const run = before.then(work, work)
    this.busy.set(
      queue.url,
      run.catch(() => undefined),
    )
    return run
  }
}

const notFound = (ids: ReadonlyArray<string>, reported: ReadonlySet<string>): Array<{ id: string; reason: string }> =>
  ids.filter((id) => !reported.has(id)).map((id) => ({ id, reason: 'not in the queue (already redriven or deleted?)' }))

/** What `pipeline dlq redrive` reports, as the console's outcome: what was sent on, and each message left and why. */
export const outcomeOf = (queue: string, result: RedriveResult | undefined): RedriveOutcome => {
  if (!result) return { queue, redriven: 0, failed: [] }
  if (result.status === 'MOVING') return { queue, redriven: result.approximateMessages ?? 0, failed: [] }
  return {
    queue,
    redriven: result.restarted ?? 0,
    failed: [...(result.failed ?? []), ...(result.skipped ?? [])],
  }
}
