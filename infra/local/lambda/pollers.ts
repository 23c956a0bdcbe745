import type { DatabaseSync } from 'node:sqlite'
import type { PutEventsEntry } from '../../../contracts/envelope'
import type { LocalBus } from '../eventbridge/bus'
import { transaction } from '../kernel/db'
import { compilePattern } from '../eventbridge/pattern'
import { nextSlice } from '../kernel/fair-share'
import type { LocalQueues } from '../sqs/queues'
import type { LocalTables } from '../dynamodb/tables'
import { LocalRegion, type LocalEventSourceMapping, type LocalPipe } from '../model/template'

/** Invokes a function of the template by name or ARN, as Lambda would; rejects with the function's error. */
export type Invoke = (functionNameOrArn: string, payload: unknown) => Promise<unknown>

/** A background loop that sleeps until woken or until its next due time, and stops cleanly. */
abstract class Poller {
  private stopped = false
  private wakeUp: (() => void) | undefined
  private loop: Promise<void> | undefined

  start(): void {
    this.loop ??= this.run()
  }

  wake(): void {
    this.wakeUp?.()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake()
    await this.loop
  }

  /** Does one round of work; answers how long to sleep before the next (unless woken sooner). */
  protected abstract poll(): Promise<number>

  private async run(): Promise<void> {
    while (!this.stopped) {
      let sleepMs: number
      try {
        sleepMs = await this.poll()
      } catch (error) {
        console.error(`${this.constructor.name}:`, error instanceof Error ? error.message : error)
        sleepMs = 1000
      }
      if (this.stopped) return
      // More work waiting: take it in the next slice, after the sockets were read (`fair-share.ts`).
      if (sleepMs <= 0) await nextSlice()
      else {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, sleepMs)
          this.wakeUp = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        this.wakeUp = undefined
      }
    }
  }
}

/**
 * Lambda's SQS event source mapping: receives batches, invokes the function with an SQS event, deletes what
 * succeeded, and leaves the batch item failures (or the whole batch, when the function fails) to come back
 * after the visibility timeout, until the queue's redrive policy moves them to its DLQ.
 */
export class SqsPoller extends Poller {
  constructor(
    private readonly mapping: LocalEventSourceMapping,
    private readonly queues: LocalQueues,
    private readonly invoke: Invoke,
  ) {
    super()
  }

  protected async poll(): Promise<number> {
    const messages = this.queues.receive(this.mapping.sourceArn, this.mapping.batchSize)
    if (messages.length === 0) {
      const next = this.queues.nextVisibleAt(this.mapping.sourceArn)
      return next === undefined ? 1000 : Math.max(5, Math.min(1000, next - Date.now()))
    }
    const event = {
      Records: messages.map((message) => ({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentTimestamp),
          SenderId: '000000000000',
          ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
        },
        messageAttributes: {},
        md5OfBody: message.md5OfBody,
        eventSource: 'aws:sqs',
        eventSourceARN: this.mapping.sourceArn,
        awsRegion: LocalRegion,
      })),
    }
    let failures: Map<string, string>
    try {
      const response = (await this.invoke(this.mapping.functionName, event)) as {
        batchItemFailures?: Array<{ itemIdentifier: string; reason?: string }>
      } | null
      failures = new Map(
        this.mapping.reportBatchItemFailures
          ? (response?.batchItemFailures ?? []).map((failure) => [
              failure.itemIdentifier,
              failure.reason ?? 'Reported as a batch item failure',
            ])
          : [],
      )
    } catch (error) {
      // The whole batch failed: every message comes back after its visibility timeout.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      failures = new Map(messages.map((message) => [message.messageId, reason]))
    }
    for (const message of messages) {
      const reason = failures.get(message.messageId)
      if (reason === undefined) this.queues.delete(message.receiptHandle)
      else this.queues.recordFailure(message.receiptHandle, reason)
    }
    return 0
  }
}

/**
 * An EventBridge pipe from a DynamoDB stream: batches of records in stream order, the enrichment function's
 * answer put on the target bus as one event per element, and the stream position advanced in the same
 * transaction as the put, so nothing is skipped or put twice. A batch that keeps failing goes to the pipe's DLQ.
 */
export class PipePoller extends Poller {
  private readonly filters: ReadonlyArray<(record: unknown) => boolean>

  constructor(
    private readonly pipe: LocalPipe,
    private readonly db: DatabaseSync,
    private readonly bus: LocalBus,
    private readonly queues: LocalQueues,
    private readonly invoke: Invoke,
  ) {
    super()
    this.filters = pipe.filters.map((pattern) => compilePattern(pattern))
  }

  protected async poll(): Promise<number> {
    const state = (this.db
      .prepare('SELECT position, attempts FROM stream_positions WHERE consumer = ?')
      .get(this.pipe.name) as { position: number; attempts: number } | undefined) ?? { position: 0, attempts: 0 }
    const rows = this.db
      .prepare('SELECT seq, record FROM stream_records WHERE stream_arn = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(this.pipe.sourceArn, state.position, this.pipe.batchSize) as Array<{ seq: number; record: string }>
    if (rows.length === 0) return 1000
    // Pipes' filtering (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html): unmatched records are dropped.
    const records = rows
      .map((row) => JSON.parse(row.record) as unknown)
      .filter((record) => this.filters.length === 0 || this.filters.some((matches) => matches(record)))
    const last = rows.at(-1)!.seq
    if (records.length === 0) {
      this.advance(last, 0)
      return 0
    }
    try {
      const details = this.pipe.enrichmentArn ? await this.invoke(this.pipe.enrichmentArn, records) : records
      if (!Array.isArray(details)) throw new Error('The enrichment must answer an array, one element per event')
      const entries: PutEventsEntry[] = details.map((detail) => ({
        EventBusName: this.pipe.targetArn,
        Source: this.pipe.source,
        DetailType: this.pipe.detailType,
        Detail: JSON.stringify(detail),
      }))
      transaction(this.db, () => {
        for (let start = 0; start < entries.length; start += 10) {
          const result = this.bus.putEvents(entries.slice(start, start + 10))
          if (result.FailedEntryCount > 0)
            throw new Error(
              `PutEvents refused ${result.FailedEntryCount} event(s): ${result.Entries.map(
                (entry) => entry.ErrorMessage,
              )
                .filter(Boolean)
                .join('; ')}`,
            )
        }
        this.advance(last, 0)
      })
      return 0
    } catch (error) {
      const attempts = state.attempts + 1
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      if (this.pipe.maximumRetryAttempts >= 0 && attempts > this.pipe.maximumRetryAttempts) {
        transaction(this.db, () => {
          if (this.pipe.deadLetterArn)
            this.queues.send(
              this.pipe.deadLetterArn,
              JSON.stringify({ pipe: this.pipe.name, error: reason, attempts, records }),
            )
          else
            console.error(
              `Pipe ${this.pipe.name} dropped ${records.length} record(s) after ${attempts} attempts: ${reason}`,
            )
          this.advance(last, 0)
        })
        return 0
      }
      this.advance(state.position, attempts)
      return Math.min(5000, 100 * 2 ** attempts)
    }
  }

  private advance(position: number, attempts: number): void {
    this.db
      .prepare(
        'INSERT INTO stream_positions (consumer, position, attempts) VALUES (?, ?, ?) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, attempts = excluded.attempts',
      )
      .run(this.pipe.name, position, attempts)
  }
}

/** Wires the pollers to what wakes them: a send to their queue, a change on their stream. */
export const startPollers = (options: {
  mappings: ReadonlyArray<LocalEventSourceMapping>
  pipes: ReadonlyArray<LocalPipe>
  db: DatabaseSync
  bus: LocalBus
  queues: LocalQueues
  tables: LocalTables
  invoke: Invoke
}) => {
  const sqs = options.mappings
    .filter((mapping) => mapping.sourceArn.startsWith('arn:aws:sqs:'))
    .map((mapping) => ({ mapping, poller: new SqsPoller(mapping, options.queues, options.invoke) }))
  const pipes = options.pipes.map((pipe) => ({
    pipe,
    poller: new PipePoller(pipe, options.db, options.bus, options.queues, options.invoke),
  }))
  const unsubscribe = [
    options.queues.onSend((queue) => {
      for (const { mapping, poller } of sqs) if (options.queues.resolve(mapping.sourceArn) === queue) poller.wake()
    }),
    options.tables.onChange((streamArn) => {
      for (const { pipe, poller } of pipes) if (pipe.sourceArn === streamArn) poller.wake()
    }),
  ]
  for (const { poller } of [...sqs, ...pipes]) poller.start()
  return {
    async stop() {
      for (const stop of unsubscribe) stop()
      await Promise.all([...sqs, ...pipes].map(({ poller }) => poller.stop()))
    },
  }
}
