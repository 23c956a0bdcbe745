import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import type { LocalModel } from './template'

export interface QueueMessage {
  readonly id: string
  readonly sentAt: string
  readonly body: unknown
}

export class UnknownQueue extends Error {
  override readonly name = 'AWS.SimpleQueueService.NonExistentQueue'
}

/** The template's SQS queues, kept in SQLite. Found by URL, ARN or name, as the SQS API and rule targets name them. */
export class LocalQueues {
  private readonly byAnyName = new Map<string, string>()

  constructor(private readonly db: DatabaseSync, model: LocalModel) {
    for (const queue of model.queues) for (const alias of [queue.name, queue.url, queue.arn]) this.byAnyName.set(alias, queue.name)
  }

  get names(): ReadonlyArray<string> {
    return [...new Set(this.byAnyName.values())]
  }

  resolve(nameUrlOrArn: string): string {
    const name = this.byAnyName.get(nameUrlOrArn)
    if (!name) throw new UnknownQueue(`The specified queue does not exist: ${nameUrlOrArn}`)
    return name
  }

  /** SendMessage: the body is stored as sent, and a message id is returned. */
  send(nameUrlOrArn: string, body: string): { readonly MessageId: string } {
    const queue = this.resolve(nameUrlOrArn)
    const id = randomUUID()
    this.db.prepare('INSERT INTO queue_messages (queue, id, body, sent_at) VALUES (?, ?, ?, ?)').run(queue, id, body, new Date().toISOString())
    return { MessageId: id }
  }

  messages(queue: string): ReadonlyArray<QueueMessage> {
    const rows = this.db.prepare('SELECT id, body, sent_at FROM queue_messages WHERE queue = ? ORDER BY seq').all(this.resolve(queue)) as Array<{ id: string; body: string; sent_at: string }>
    return rows.map((row) => ({ id: row.id, sentAt: row.sent_at, body: parseBody(row.body) }))
  }

  count(queue: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM queue_messages WHERE queue = ?').get(this.resolve(queue)) as { n: number }).n
  }
}

const parseBody = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}
