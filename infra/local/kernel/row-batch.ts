import type { DatabaseSync } from 'node:sqlite'
import { transaction } from './db'

/**
 * Inserts rows in batches: every row pushed within one turn of the event loop goes in one transaction. Writers on
 * hot paths (execution history, step invocations) push a row per event; a transaction per row would cost a commit
 * each whenever no group commit is open.
 */
export class RowBatch<Row extends ReadonlyArray<string | number | null>> {
  private pending: Row[] = []
  private scheduled = false
  private readonly insert

  constructor(
    private readonly db: DatabaseSync,
    sql: string,
  ) {
    this.insert = db.prepare(sql)
  }

  push(row: Row): void {
    this.pending.push(row)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  /** Writes what is pending now: before a reader needs it, and at shutdown. A closed database takes nothing more. */
  flush(): void {
    this.scheduled = false
    if (this.pending.length === 0 || !this.db.isOpen) return
    const rows = this.pending
    this.pending = []
    transaction(this.db, () => {
      for (const row of rows) this.insert.run(...row)
    })
  }
}
