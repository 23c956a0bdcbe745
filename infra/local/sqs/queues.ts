import { createHash, randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import { transaction } from '../kernel/db'
import type { LocalModel, LocalQueue } from '../model/template'

/** A message as listing shows it: dead letters carry where they came from and why. */
export interface QueueMessage {
  readonly id: string
  readonly sentAt: string
  readonly body: unknown
  readonly receiveCount: number
  readonly deadLetter?: { readonly sourceQueue: string; readonly reason: string; readonly receiveCount: number }
}

/** A message as ReceiveMessage hands it out (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html). */
export interface ReceivedMessage {
  readonly messageId: string
  readonly receiptHandle: string
  readonly body: string
  readonly md5OfBody: string
  readonly sentTimestamp: number
  readonly receiveCount: number
  readonly firstReceiveTimestamp: number
}

export class UnknownQueue extends Error {
  override readonly name = 'AWS.SimpleQueueService.NonExistentQueue'
}

const MaxMessageBytes = 256 * 1024

export class InvalidMessage extends Error {
  override readonly name = 'InvalidParameterValue'
}

interface MessageRow {
  readonly seq: number
  readonly queue: string
  readonly id: string
  readonly body: string
  readonly sent_at: string
  readonly receive_count: number
  readonly first_received_at: string | null
  readonly last_error: string | null
  readonly dead_letter: string | null
}

/**
 * The template's SQS queues in SQLite, with SQS's delivery semantics: a received message is invisible for the
 * visibility timeout and comes back unless deleted; each receive counts; a message received `maxReceiveCount`
 * times moves to the redrive DLQ (with the last failure's reason, which SQS itself does not keep).
 */
export class LocalQueues {
  private readonly byAnyName = new Map<string, LocalQueue>()
  private readonly listeners = new Set<(queue: string) => void>()

  constructor(
    private readonly db: DatabaseSync,
    model: LocalModel,
    private readonly visibilityOverrideMs?: number,
  ) {
    for (const queue of model.queues)
      for (const alias of [queue.name, queue.url, queue.arn]) this.byAnyName.set(alias, queue)
  }

  get names(): ReadonlyArray<string> {
    return [...new Set([...this.byAnyName.values()].map((queue) => queue.name))]
  }

  /** The queues that some other queue or rule sends its failures to, by name. */
  isDeadLetterQueue(name: string): boolean {
    return (
      /DeadLetter/i.test(name) ||
      [...this.byAnyName.values()].some(
        (queue) => queue.redrive && this.queue(queue.redrive.deadLetterArn).name === name,
      )
    )
  }

  resolve(nameUrlOrArn: string): string {
    return this.queue(nameUrlOrArn).name
  }

  private queue(nameUrlOrArn: string): LocalQueue {
    const queue = this.byAnyName.get(nameUrlOrArn)
    if (!queue) throw new UnknownQueue(`The specified queue does not exist: ${nameUrlOrArn}`)
    return queue
  }

  /** Called after a message is sent, so pollers wake at once instead of at their next tick. */
  onSend(listener: (queue: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** SendMessage: any text up to 256 KB. */
  send(nameUrlOrArn: string, body: string): { readonly MessageId: string } {
    const queue = this.resolve(nameUrlOrArn)
    if (body.length === 0) throw new InvalidMessage('The message body must not be empty')
    if (Buffer.byteLength(body) > MaxMessageBytes)
      throw new InvalidMessage(`The message body is over ${MaxMessageBytes} bytes`)
    const id = randomUUID()
    this.db
      .prepare('INSERT INTO queue_messages (queue, id, body, sent_at) VALUES (?, ?, ?, ?)')
      .run(queue, id, body, new Date().toISOString())
    for (const listener of this.listeners) queueMicrotask(() => listener(queue))
    return { MessageId: id }
  }

  /**
   * ReceiveMessage: up to `max` visible messages, oldest first, each hidden for the visibility timeout. A message
   * already received `maxReceiveCount` times is moved to the DLQ instead of being handed out again.
   */
  receive(nameUrlOrArn: string, max: number, now = Date.now()): ReadonlyArray<ReceivedMessage> {
    const queue = this.queue(nameUrlOrArn)
    const visibilityMs = this.visibilityOverrideMs ?? (queue.visibilityTimeoutSeconds ?? 30) * 1000
    return transaction(this.db, () => {
      const received: ReceivedMessage[] = []
      const rows = this.db
        .prepare('SELECT * FROM queue_messages WHERE queue = ? AND visible_at_ms <= ? ORDER BY seq LIMIT ?')
        .all(queue.name, now, max * 2) as unknown as MessageRow[]
      for (const row of rows) {
        if (received.length === max) break
        if (queue.redrive && row.receive_count >= queue.redrive.maxReceiveCount) {
          this.moveToDeadLetters(queue, row)
          continue
        }
        const receiptHandle = randomUUID()
        const firstReceived = row.first_received_at ?? new Date(now).toISOString()
        this.db
          .prepare(
            'UPDATE queue_messages SET receive_count = receive_count + 1, visible_at_ms = ?, receipt_handle = ?, first_received_at = ? WHERE seq = ?',
          )
          .run(now + visibilityMs, receiptHandle, firstReceived, row.seq)
        received.push({
          messageId: row.id,
          receiptHandle,
          body: row.body,
          md5OfBody: createHash('md5').update(row.body).digest('hex'),
          sentTimestamp: Date.parse(row.sent_at),
          receiveCount: row.receive_count + 1,
          firstReceiveTimestamp: Date.parse(firstReceived),
        })
      }
      return received
    })
  }

  /** DeleteMessage by the receipt handle of the latest receive; a stale handle deletes nothing. */
  delete(receiptHandle: string): boolean {
    return Number(this.db.prepare('DELETE FROM queue_messages WHERE receipt_handle = ?').run(receiptHandle).changes) > 0
  }

  /** Keeps why the last processing of a message failed, for the dead-letter record. */
  recordFailure(receiptHandle: string, reason: string): void {
    this.db.prepare('UPDATE queue_messages SET last_error = ? WHERE receipt_handle = ?').run(reason, receiptHandle)
  }

  /** ChangeMessageVisibility: 0 makes a message visible again at once. */
  changeVisibility(receiptHandle: string, timeoutMs: number, now = Date.now()): void {
    this.db
      .prepare('UPDATE queue_messages SET visible_at_ms = ? WHERE receipt_handle = ?')
      .run(now + timeoutMs, receiptHandle)
  }

  /** When the next hidden message of a queue becomes visible, if any: pollers sleep until then. */
  nextVisibleAt(nameUrlOrArn: string): number | undefined {
    const row = this.db
      .prepare('SELECT MIN(visible_at_ms) AS at FROM queue_messages WHERE queue = ?')
      .get(this.resolve(nameUrlOrArn)) as { at: number | null }
    return row.at ?? undefined
  }

  messages(nameUrlOrArn: string): ReadonlyArray<QueueMessage> {
    const rows = this.db
      .prepare('SELECT * FROM queue_messages WHERE queue = ? ORDER BY seq')
      .all(this.resolve(nameUrlOrArn)) as unknown as MessageRow[]
    return rows.map((row) => ({
      id: row.id,
      sentAt: row.sent_at,
      body: parseBody(row.body),
      receiveCount: row.receive_count,
      ...(row.dead_letter ? { deadLetter: JSON.parse(row.dead_letter) as QueueMessage['deadLetter'] } : {}),
    }))
  }

  count(nameUrlOrArn: string): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM queue_messages WHERE queue = ?').get(this.resolve(nameUrlOrArn)) as {
        n: number
      }
    ).n
  }

  private moveToDeadLetters(queue: LocalQueue, row: MessageRow): void {
    const target = this.resolve(queue.redrive!.deadLetterArn)
    const deadLetter = {
      sourceQueue: queue.name,
      reason: row.last_error ?? 'Received too many times without being deleted',
      receiveCount: row.receive_count,
    }
    this.db
      .prepare(
        'UPDATE queue_messages SET queue = ?, visible_at_ms = 0, receipt_handle = NULL, dead_letter = ? WHERE seq = ?',
      )
      .run(target, JSON.stringify(deadLetter), row.seq)
  }
}

const parseBody = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}
