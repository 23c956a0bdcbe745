import type { DatabaseSync } from 'node:sqlite'
import { RowBatch } from '../kernel/row-batch'
import type { HistoryEvent } from './engine'

export type { HistoryEvent } from './engine'

type HistoryRow = [
  executionArn: string,
  id: number,
  previousId: number,
  timestamp: string,
  type: string,
  details: string,
]

/**
 * Writes history rows in batches (`RowBatch`): a running execution stays watchable (rows land within a tick) at a
 * fraction of the writes.
 */
export class HistoryWriter extends RowBatch<HistoryRow> {
  constructor(db: DatabaseSync) {
    super(
      db,
      'INSERT INTO history (execution_arn, id, previous_id, timestamp, type, details) VALUES (?, ?, ?, ?, ?, ?)',
    )
  }

  /** Stores one event as the engine gives it, GetExecutionHistory's shape: its `...EventDetails` go in `details`. */
  record(executionArn: string, event: HistoryEvent): void {
    const { id, previousEventId, timestamp, type, ...details } = event
    this.push([executionArn, id, previousEventId, timestamp, type, JSON.stringify(details)])
  }
}

interface StoredEvent {
  readonly id: number
  readonly previous_id: number
  readonly timestamp: string
  readonly type: string
  readonly details: string
}

const eventOf = (row: StoredEvent): HistoryEvent => ({
  id: row.id,
  previousEventId: row.previous_id,
  timestamp: row.timestamp,
  type: row.type,
  ...(JSON.parse(row.details) as Record<string, unknown>),
})

/** Reads an execution's history back, oldest first. */
export const readHistory = (db: DatabaseSync, executionArn: string): ReadonlyArray<HistoryEvent> =>
  (
    db
      .prepare('SELECT id, previous_id, timestamp, type, details FROM history WHERE execution_arn = ? ORDER BY id')
      .all(executionArn) as unknown as StoredEvent[]
  ).map(eventOf)

/** Up to `limit` events after the event `after` (oldest first), or before it with `reverse` (newest first). */
export const readHistoryPage = (
  db: DatabaseSync,
  executionArn: string,
  page: { readonly after: number | undefined; readonly limit: number; readonly reverse: boolean },
): ReadonlyArray<HistoryEvent> =>
  (
    (page.reverse
      ? db
          .prepare(
            'SELECT id, previous_id, timestamp, type, details FROM history WHERE execution_arn = ? AND id < ? ORDER BY id DESC LIMIT ?',
          )
          .all(executionArn, page.after ?? Number.MAX_SAFE_INTEGER, page.limit)
      : db
          .prepare(
            'SELECT id, previous_id, timestamp, type, details FROM history WHERE execution_arn = ? AND id > ? ORDER BY id LIMIT ?',
          )
          .all(executionArn, page.after ?? 0, page.limit)) as unknown as StoredEvent[]
  ).map(eventOf)
