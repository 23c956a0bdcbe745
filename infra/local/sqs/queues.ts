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

/** A message attribute (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html); a binary value is base64. */
export interface MessageAttributeValue {
  readonly DataType: string
  readonly StringValue?: string
  readonly BinaryValue?: string
}
export type MessageAttributeMap = Readonly<Record<string, MessageAttributeValue>>

/** What a message carries besides its body: its attributes, and the system attribute SendMessage takes (AWSTraceHeader). */
export interface MessageExtras {
  readonly attributes?: MessageAttributeMap
  readonly traceHeader?: string
}

/** A message as ReceiveMessage hands it out (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html). */
export interface ReceivedMessage extends MessageExtras {
  readonly messageId: string
  readonly receiptHandle: string
  readonly body: string
  readonly md5OfBody: string
  readonly sentTimestamp: number
  readonly receiveCount: number
  readonly firstReceiveTimestamp: number
  /** The queue a dead letter was moved from by its redrive policy (SQS's DeadLetterQueueSourceArn). */
  readonly deadLetterSourceArn?: string
}

export class UnknownQueue extends Error {
  override readonly name = 'AWS.SimpleQueueService.NonExistentQueue'
}

/** SQS's default and largest MaximumMessageSize: 1 MiB (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html). */
export const DefaultMaximumMessageSize = 1024 * 1024

/** A message SQS refuses, with SQS's error code (`InvalidParameterValue`, `InvalidMessageContents`, `MissingParameter`) and wording. */
export class InvalidMessage extends Error {
  constructor(
    readonly code: 'InvalidParameterValue' | 'InvalidMessageContents' | 'MissingParameter',
    message: string,
  ) {
    super(message)
    // Named by its code, as a workflow's sqs:sendMessage task reports it.
    this.name = code
  }
}

/** The characters SQS takes in a message (https://www.w3.org/TR/REC-xml/#charsets, as SendMessage documents). */
const InvalidCharacter = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

/** Whether text holds only characters SQS accepts in a message body or attribute value. */
export const hasOnlyValidCharacters = (text: string): boolean => !InvalidCharacter.test(text)

/** The size SQS counts against MaximumMessageSize: the body and each attribute's name, type and value. */
export const messageSize = (body: string, attributes: MessageAttributeMap = {}): number =>
  Buffer.byteLength(body) +
  Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      (value.StringValue === undefined ? 0 : Buffer.byteLength(value.StringValue)) +
      (value.BinaryValue === undefined ? 0 : Buffer.from(value.BinaryValue, 'base64').length),
    0,
  )

/** MD5OfMessageBody: the hex MD5 of the body's UTF-8 bytes. */
export const md5OfBody = (body: string): string => createHash('md5').update(body, 'utf8').digest('hex')

/**
 * MD5OfMessageAttributes as SQS computes it
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation):
 * for each attribute, by name, the name, the data type and the value, each preceded by its 4-byte big-endian length,
 * with a transport byte (1 for String and Number, 2 for Binary) before the value.
 */
export const md5OfAttributes = (attributes: MessageAttributeMap): string => {
  const hash = createHash('md5')
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    hash.update(length)
    hash.update(bytes)
  }
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!
    lengthPrefixed(Buffer.from(name, 'utf8'))
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'))
    const binary = value.DataType.startsWith('Binary')
    hash.update(Buffer.from([binary ? 2 : 1]))
    lengthPrefixed(
      binary ? Buffer.from(value.BinaryValue ?? '', 'base64') : Buffer.from(value.StringValue ?? '', 'utf8'),
    )
  }
  return hash.digest('hex')
}

/** A receipt handle names its queue and message, so a handle from another queue or made up is told from a stale one. */
const receiptHandleFor = (queue: string, messageId: string): string =>
  Buffer.from(`${queue} ${messageId} ${randomUUID()}`).toString('base64')

/** The queue and message a receipt handle was issued for, or undefined when it is not a handle this runtime issued. */
export const readReceiptHandle = (
  handle: string,
): { readonly queue: string; readonly messageId: string } | undefined => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(handle)) return undefined
  const parts = Buffer.from(handle, 'base64').toString('utf8').split(' ')
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
  if (parts.length !== 3 || !uuid.test(parts[1]!) || !uuid.test(parts[2]!)) return undefined
  return { queue: parts[0]!, messageId: parts[1]! }
}

/** How many messages a queue holds, as GetQueueAttributes counts them. */
export interface QueueCounts {
  /** Visible: ApproximateNumberOfMessages. */
  readonly visible: number
  /** Received and not yet visible again: ApproximateNumberOfMessagesNotVisible. */
  readonly inFlight: number
  /** Sent with a delay not yet over: ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number
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
  readonly attributes: string | null
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

  /** The queue of the template by its name, URL or ARN; throws UnknownQueue for any other. */
  queue(nameUrlOrArn: string): LocalQueue {
    const queue = this.byAnyName.get(nameUrlOrArn)
    if (!queue) throw new UnknownQueue(`The specified queue does not exist: ${nameUrlOrArn}`)
    return queue
  }

  /** The queue by name, URL or ARN, or undefined. */
  find(nameUrlOrArn: string): LocalQueue | undefined {
    return this.byAnyName.get(nameUrlOrArn)
  }

  /** The largest message the queue takes: its MaximumMessageSize, SQS's 1 MiB by default. */
  maximumMessageSize(nameUrlOrArn: string): number {
    const configured = Number(this.queue(nameUrlOrArn).properties?.MaximumMessageSize)
    return Number.isInteger(configured) && configured > 0 ? configured : DefaultMaximumMessageSize
  }

  /** A received message's visibility timeout, in milliseconds: PIPELINE_QUEUE_VISIBILITY_MS, else the queue's (SQS's default is 30 s). */
  visibilityTimeoutMs(nameUrlOrArn: string): number {
    return this.visibilityOverrideMs ?? (this.queue(nameUrlOrArn).visibilityTimeoutSeconds ?? 30) * 1000
  }

  /** Called after a message is sent, so pollers wake at once instead of at their next tick. */
  onSend(listener: (queue: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * SendMessage (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html): a
   * non-empty body of the characters SQS allows, body and attributes within the queue's MaximumMessageSize,
   * visible after `delaySeconds` (the queue's DelaySeconds when not given).
   */
  send(
    nameUrlOrArn: string,
    body: string,
    options: MessageExtras & { readonly delaySeconds?: number } = {},
  ): { readonly MessageId: string; readonly md5OfBody: string } {
    const queue = this.queue(nameUrlOrArn)
    this.validate(queue.name, body, options.attributes)
    const id = randomUUID()
    const delaySeconds = options.delaySeconds ?? Number(queue.properties?.DelaySeconds ?? 0)
    const extras =
      options.attributes && Object.keys(options.attributes).length > 0 ? { attributes: options.attributes } : undefined
    const stored =
      extras || options.traceHeader !== undefined
        ? JSON.stringify({
            ...extras,
            ...(options.traceHeader === undefined ? {} : { traceHeader: options.traceHeader }),
          })
        : null
    const now = Date.now()
    this.db
      .prepare(
        'INSERT INTO queue_messages (queue, id, body, sent_at, visible_at_ms, attributes) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(queue.name, id, body, new Date(now).toISOString(), delaySeconds > 0 ? now + delaySeconds * 1000 : 0, stored)
    for (const listener of this.listeners) queueMicrotask(() => listener(queue.name))
    return { MessageId: id, md5OfBody: md5OfBody(body) }
  }

  /** What SendMessage refuses, worded as SQS words it. */
  validate(nameUrlOrArn: string, body: string, attributes?: MessageAttributeMap): void {
    if (body.length === 0)
      throw new InvalidMessage('MissingParameter', 'The request must contain the parameter MessageBody.')
    const maximum = this.maximumMessageSize(nameUrlOrArn)
    if (messageSize(body, attributes) > maximum)
      throw new InvalidMessage(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${maximum} bytes.`,
      )
    if (!hasOnlyValidCharacters(body))
      throw new InvalidMessage(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      )
  }

  /**
   * ReceiveMessage: up to `max` visible messages, oldest first, each hidden for the visibility timeout. A message
   * already received `maxReceiveCount` times is moved to the DLQ instead of being handed out again.
   */
  receive(
    nameUrlOrArn: string,
    max: number,
    now = Date.now(),
    options: { readonly visibilityMs?: number } = {},
  ): ReadonlyArray<ReceivedMessage> {
    const queue = this.queue(nameUrlOrArn)
    const visibilityMs = options.visibilityMs ?? this.visibilityTimeoutMs(queue.name)
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
        const receiptHandle = receiptHandleFor(queue.name, row.id)
        const firstReceived = row.first_received_at ?? new Date(now).toISOString()
        this.db
          .prepare(
            'UPDATE queue_messages SET receive_count = receive_count + 1, visible_at_ms = ?, receipt_handle = ?, first_received_at = ? WHERE seq = ?',
          )
          .run(now + visibilityMs, receiptHandle, firstReceived, row.seq)
        const extras = row.attributes ? (JSON.parse(row.attributes) as MessageExtras) : {}
        const source = row.dead_letter
          ? (JSON.parse(row.dead_letter) as { sourceQueue?: string }).sourceQueue
          : undefined
        const sourceArn = source === undefined ? undefined : this.find(source)?.arn
        received.push({
          messageId: row.id,
          receiptHandle,
          body: row.body,
          md5OfBody: md5OfBody(row.body),
          sentTimestamp: Date.parse(row.sent_at),
          receiveCount: row.receive_count + 1,
          firstReceiveTimestamp: Date.parse(firstReceived),
          ...extras,
          ...(sourceArn ? { deadLetterSourceArn: sourceArn } : {}),
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

  /**
   * ChangeMessageVisibility: 0 makes a message visible again at once. Answers whether it applied: `stale` when no
   * message holds this handle any more (deleted, or received again since), `not-in-flight` when its visibility
   * timeout is already over.
   */
  changeVisibility(receiptHandle: string, timeoutMs: number, now = Date.now()): 'changed' | 'stale' | 'not-in-flight' {
    const row = this.db
      .prepare('SELECT visible_at_ms FROM queue_messages WHERE receipt_handle = ?')
      .get(receiptHandle) as { visible_at_ms: number } | undefined
    if (!row) return 'stale'
    if (row.visible_at_ms <= now) return 'not-in-flight'
    this.db
      .prepare('UPDATE queue_messages SET visible_at_ms = ? WHERE receipt_handle = ?')
      .run(now + timeoutMs, receiptHandle)
    return 'changed'
  }

  /** Visible, in-flight and delayed messages, as GetQueueAttributes counts them. */
  counts(nameUrlOrArn: string, now = Date.now()): QueueCounts {
    const row = this.db
      .prepare(
        `SELECT COALESCE(SUM(visible_at_ms <= ?), 0) AS visible,
          COALESCE(SUM(visible_at_ms > ? AND receive_count > 0), 0) AS in_flight,
          COALESCE(SUM(visible_at_ms > ? AND receive_count = 0), 0) AS delayed
        FROM queue_messages WHERE queue = ?`,
      )
      .get(now, now, now, this.resolve(nameUrlOrArn)) as { visible: number; in_flight: number; delayed: number }
    return { visible: row.visible, inFlight: row.in_flight, delayed: row.delayed }
  }

  /** PurgeQueue: every message of the queue is deleted. Answers how many. */
  purge(nameUrlOrArn: string): number {
    return Number(this.db.prepare('DELETE FROM queue_messages WHERE queue = ?').run(this.resolve(nameUrlOrArn)).changes)
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
