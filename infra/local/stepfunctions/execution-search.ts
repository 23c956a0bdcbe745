import type { DatabaseSync } from 'node:sqlite'
import { searchText } from '../kernel/console-schema'
import { transaction } from '../kernel/db'
import { nextSlice } from '../kernel/fair-share'

/**
 * Indexes the text of executions queued since the last call, the oldest first, at most `limit` of them (all when
 * absent); answers how many it indexed. The search calls it first, so it never misses an execution.
 */
export const indexPendingExecutions = (db: DatabaseSync, limit?: number): number => {
  const last =
    limit === undefined
      ? (db.prepare('SELECT MAX(execution) AS id FROM executions_text_pending').get() as { id: number | null })
      : (db
          .prepare(
            'SELECT MAX(execution) AS id FROM (SELECT execution FROM executions_text_pending ORDER BY execution LIMIT ?)',
          )
          .get(limit) as { id: number | null })
  if (last.id === null) return 0
  return transaction(db, () => {
    const indexed = db
      .prepare(
        `INSERT INTO executions_text (rowid, text)
      SELECT e.rowid, ${searchText('e')} FROM executions_text_pending p JOIN executions e ON e.rowid = p.execution WHERE p.execution <= ?`,
      )
      .run(last.id)
    db.prepare('DELETE FROM executions_text_pending WHERE execution <= ?').run(last.id)
    return Number(indexed.changes)
  })
}

/** How many executions one slice indexes: a few milliseconds of work. */
const IndexedPerSlice = 25

/**
 * Works the queue off in the background, a small batch per slice of the loop (`fair-share.ts`); one drain at a time,
 * and only while `busy` says the runtime has nothing else to do: under load the trigram index was a third of the CPU,
 * and a search indexes what is pending first anyway.
 */
export const executionIndexer = (db: DatabaseSync, busy: () => boolean) => {
  let draining = false
  return {
    async drain(): Promise<void> {
      if (draining) return
      draining = true
      try {
        while (db.isOpen && !busy() && indexPendingExecutions(db, IndexedPerSlice) > 0) await nextSlice()
      } finally {
        draining = false
      }
    },
  }
}
