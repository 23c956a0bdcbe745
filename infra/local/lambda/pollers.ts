import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import { LocalStreamShard, type StreamBatchDeadLetter } from '../../../contracts/dead-letters'
import type { PutEventsEntry } from '../../../contracts/envelope'
import type { LocalBus } from '../eventbridge/bus'
import { transaction } from '../kernel/db'
import { compilePattern, InvalidEventPattern, type EventMatcher } from '../eventbridge/pattern'
import { nextSlice } from '../kernel/fair-share'
import type { LocalQueues } from '../sqs/queues'
import type { LocalTables } from '../dynamodb/tables'
import { LocalRegion, type LocalEventSourceMapping, type LocalModel, type LocalPipe } from '../model/template'
import { InvalidFilterCriteria } from './errors'

/** Invokes a function of the template by name or ARN, as Lambda would; rejects with the function's error. */
export type Invoke = (functionNameOrArn: string, payload: unknown) => Promise<unknown>

const lastSegment = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1)

/**
 * A pipe's or a mapping's filters, compiled with the operators filters support; one AWS would refuse at creation
 * throws {@link InvalidFilterCriteria}, so the runtime refuses to start with it.
 */
const compileFilters = (
  filters: ReadonlyArray<string>,
  resource: ConstructorParameters<typeof InvalidFilterCriteria>[0],
): ReadonlyArray<EventMatcher> =>
  filters.map((pattern, index) => {
    try {
      return compilePattern(pattern, { dialect: 'filter' })
    } catch (error) {
      if (!(error instanceof InvalidEventPattern)) throw error
      throw new InvalidFilterCriteria(
        resource,
        `Filters[${index}]: ${error.reason}${error.path === '' ? '' : ` at ${error.path}`}`,
      )
    }
  })

/**
 * Checks every pipe's and event source mapping's filters as CreatePipe and CreateEventSourceMapping check them, before
 * anything starts: a filter AWS refuses fails the deployment there, so it stops the local runtime here.
 */
export const validateFilters = (model: LocalModel): void => {
  for (const pipe of model.pipes ?? []) compileFilters(pipe.filters, { kind: 'pipe', name: pipe.name })
  for (const mapping of model.eventSourceMappings ?? [])
    compileFilters(mapping.filters ?? [], {
      kind: 'event source mapping',
      name: `${lastSegment(mapping.sourceArn)} → ${lastSegment(mapping.functionName)}`,
    })
}

/** A message's body as filters see it: parsed when it is JSON, so `{"body": {"field": [...]}}` can match it. */
const filterableMessage = (record: { readonly body: string }): Record<string, unknown> => {
  try {
    return { ...record, body: JSON.parse(record.body) as unknown }
  } catch {
    return record
  }
}

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
  private readonly filters: ReadonlyArray<EventMatcher>

  constructor(
    private readonly mapping: LocalEventSourceMapping,
    private readonly queues: LocalQueues,
    private readonly invoke: Invoke,
  ) {
    super()
    this.filters = compileFilters(mapping.filters ?? [], {
      kind: 'event source mapping',
      name: `${lastSegment(mapping.sourceArn)} → ${lastSegment(mapping.functionName)}`,
    })
  }

  protected async poll(): Promise<number> {
    const messages = this.queues.receive(this.mapping.sourceArn, this.mapping.batchSize)
    if (messages.length === 0) {
      const next = this.queues.nextVisibleAt(this.mapping.sourceArn)
      return next === undefined ? 1000 : Math.max(5, Math.min(1000, next - Date.now()))
    }
    const records = messages.map((message) => ({
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
    }))
    // A message no filter matches is deleted unprocessed (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html).
    const kept =
      this.filters.length === 0
        ? records
        : records.filter((record) => this.filters.some((matches) => matches(filterableMessage(record))))
    for (const message of messages)
      if (!kept.some((record) => record.messageId === message.messageId)) this.queues.delete(message.receiptHandle)
    if (kept.length === 0) return 0
    const event = { Records: kept }
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
      failures = new Map(kept.map((record) => [record.messageId, reason]))
    }
    for (const record of kept) {
      const reason = failures.get(record.messageId)
      if (reason === undefined) this.queues.delete(record.receiptHandle)
      else this.queues.recordFailure(record.receiptHandle, reason)
    }
    return 0
  }
}

/** A stream record as the local tables write it: what the DLQ's batch metadata reads from it. */
interface StoredRecord {
  readonly dynamodb: { readonly SequenceNumber: string; readonly ApproximateCreationDateTime?: number }
}

const arrival = (record: StoredRecord): string =>
  new Date((record.dynamodb.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')

/**
 * An EventBridge pipe from a DynamoDB stream (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html):
 * batches of records in stream order, filtered, the enrichment function's answer put on the target bus as one event
 * per element, and the stream position advanced in the same transaction as the put, so nothing is skipped or put
 * twice. Like Pipes it waits up to its batching window for a full batch; with `AUTOMATIC_BISECT` a failing batch is
 * halved and each half retried (a split spends no retry attempt) until the one record that fails is alone; a batch
 * that exhausts its retries goes to the pipe's DLQ as metadata only (shard, sequence numbers), never as records
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
 */
export class PipePoller extends Poller {
  private readonly filters: ReadonlyArray<EventMatcher>
  /** When the pipe first saw records it did not take, waiting for a full batch or the end of its window. */
  private windowOpenedAt: number | undefined
  /** While a failed batch is bisected: its last record, and how many records the next attempt takes. */
  private bisecting: { readonly end: number; size: number } | undefined

  constructor(
    private readonly pipe: LocalPipe,
    private readonly db: DatabaseSync,
    private readonly bus: LocalBus,
    private readonly queues: LocalQueues,
    private readonly invoke: Invoke,
  ) {
    super()
    this.filters = compileFilters(pipe.filters, { kind: 'pipe', name: pipe.name })
  }

  protected async poll(): Promise<number> {
    const state = (this.db
      .prepare('SELECT position, attempts FROM stream_positions WHERE consumer = ?')
      .get(this.pipe.name) as { position: number; attempts: number } | undefined) ?? { position: 0, attempts: 0 }
    const rows = (
      this.bisecting
        ? this.db
            .prepare(
              'SELECT seq, record FROM stream_records WHERE stream_arn = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
            )
            .all(this.pipe.sourceArn, state.position, this.bisecting.end, this.bisecting.size)
        : this.db
            .prepare('SELECT seq, record FROM stream_records WHERE stream_arn = ? AND seq > ? ORDER BY seq LIMIT ?')
            .all(this.pipe.sourceArn, state.position, this.pipe.batchSize)
    ) as Array<{ seq: number; record: string }>
    if (rows.length === 0) {
      this.bisecting = undefined
      return 1000
    }
    const waitMs = this.batchingWait(rows.length)
    if (waitMs > 0) return waitMs
    // Pipes' filtering (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html): unmatched records are dropped.
    const read = rows.map((row) => JSON.parse(row.record) as StoredRecord)
    const records = read.filter(
      (record) => this.filters.length === 0 || this.filters.some((matches) => matches(record)),
    )
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
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      if (this.pipe.onPartialBatchItemFailure === 'AUTOMATIC_BISECT' && rows.length > 1) {
        this.bisecting = { end: this.bisecting?.end ?? last, size: Math.ceil(rows.length / 2) }
        return 0
      }
      const attempts = state.attempts + 1
      if (this.pipe.maximumRetryAttempts >= 0 && attempts > this.pipe.maximumRetryAttempts) {
        transaction(this.db, () => {
          if (this.pipe.deadLetterArn)
            this.queues.send(this.pipe.deadLetterArn, JSON.stringify(this.batchInfo(read, attempts)))
          this.advance(last, 0)
        })
        // Pipes logs the error, not the DLQ message: the local runtime's log is its console.
        console.error(
          `Pipe ${this.pipe.name} gave up on ${read.length} record(s) after ${attempts} attempts${this.pipe.deadLetterArn ? ' (their place in the stream is in its DLQ)' : ''}: ${reason}`,
        )
        return 0
      }
      this.advance(state.position, attempts)
      return Math.min(5000, 100 * 2 ** attempts)
    }
  }

  /** How long to wait for more records before taking `available` (0: take them now). */
  private batchingWait(available: number): number {
    const windowMs = (this.pipe.maximumBatchingWindowSeconds ?? 0) * 1000
    if (windowMs === 0 || available >= this.pipe.batchSize || this.bisecting) {
      this.windowOpenedAt = undefined
      return 0
    }
    const now = Date.now()
    this.windowOpenedAt ??= now
    const left = this.windowOpenedAt + windowMs - now
    if (left > 0) return left
    this.windowOpenedAt = undefined
    return 0
  }

  /** The DLQ message for a batch given up on: its place in the stream, as Lambda's invocation record for stream sources gives it. */
  private batchInfo(records: ReadonlyArray<StoredRecord>, attempts: number): StreamBatchDeadLetter {
    const first = records[0]!
    const final = records.at(-1)!
    return {
      requestContext: {
        requestId: randomUUID(),
        ...(this.pipe.enrichmentArn ? { functionArn: this.pipe.enrichmentArn } : {}),
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: LocalStreamShard,
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: final.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(final),
        batchSize: records.length,
        streamArn: this.pipe.sourceArn,
      },
    }
  }

  private advance(position: number, attempts: number): void {
    this.db
      .prepare(
        'INSERT INTO stream_positions (consumer, position, attempts) VALUES (?, ?, ?) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, attempts = excluded.attempts',
      )
      .run(this.pipe.name, position, attempts)
    if (this.bisecting && position >= this.bisecting.end) this.bisecting = undefined
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
