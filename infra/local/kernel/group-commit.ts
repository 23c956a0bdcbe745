import type { DatabaseSync } from 'node:sqlite'
import { beforeEverySlice } from './fair-share'

interface Group {
  /** Requests being answered that may write, and the executor while runs go: while any, writes share one transaction. */
  holders: number
  /** The shared transaction is open. */
  open: boolean
  /** Commits the shared transaction when nothing asks for it sooner. */
  timer: NodeJS.Timeout | undefined
  /** A commit is queued for the end of this turn. */
  soon: boolean
  /** Answers waiting for the shared transaction to commit (or to fail). */
  waiters: Array<(error?: unknown) => void>
}

/** The longest a shared transaction stays open when no answer waits for it (a crash loses at most this much progress of running executions, which recovery runs again). */
const MaxGroupMs = 10

const groups = new WeakMap<DatabaseSync, Group>()

const groupOf = (db: DatabaseSync): Group => {
  let group = groups.get(db)
  if (!group) {
    const created: Group = { holders: 0, open: false, timer: undefined, soon: false, waiters: [] }
    groups.set(db, created)
    const stop = beforeEverySlice(() => {
      if (!db.isOpen) stop()
      else if (created.open && created.waiters.length > 0) commitGroup(db)
    })
    group = created
  }
  return group
}

/**
 * Group commit: while requests are being answered, every transaction of one loop turn joins one shared transaction
 * that commits on the next turn, instead of committing each on its own (a commit writes every page it touched to
 * the WAL, and under load most writers touch the same pages). Nothing is acknowledged early: an answer waits for
 * the commit of everything written before it (`durable`), so an answered request is as durable as before.
 */
export const holdGroup = (db: DatabaseSync): (() => void) => {
  const group = groupOf(db)
  group.holders += 1
  let released = false
  return () => {
    if (released) return
    released = true
    group.holders -= 1
    if (group.holders === 0) commitSoon(db, group)
  }
}

/** Queues the commit for the end of this turn (after the sockets were read), once. */
const commitSoon = (db: DatabaseSync, group: Group): void => {
  if (!group.open || group.soon) return
  group.soon = true
  setImmediate(() => commitGroup(db))
}

/** Opens the shared transaction if requests are being answered and none is open; answers whether one is open now. */
export const joinGroup = (db: DatabaseSync): boolean => {
  const group = groups.get(db)
  if (!group) return false
  if (group.open) return true
  if (group.holders === 0 || db.isTransaction || !db.isOpen) return false
  db.exec('BEGIN IMMEDIATE')
  group.open = true
  // At the end of the turn when an answer waits for it (`durable`); otherwise the writes of a few turns share it.
  group.timer = setTimeout(() => commitGroup(db), MaxGroupMs)
  return true
}

/** Commits the shared transaction now, if one is open (at the turn's end, and before the database closes). */
export const commitGroup = (db: DatabaseSync): void => {
  const group = groups.get(db)
  if (!group?.open) return
  group.open = false
  group.soon = false
  clearTimeout(group.timer)
  group.timer = undefined
  const waiters = group.waiters.splice(0)
  try {
    // A failed statement that rolled the whole transaction back (a full disk, an I/O error) leaves nothing to commit.
    if (!db.isTransaction) throw new Error('the shared transaction was rolled back')
    db.exec('COMMIT')
  } catch (error) {
    if (db.isOpen && db.isTransaction) db.exec('ROLLBACK')
    console.error(
      'A group commit failed; the requests it held are answered with an error:',
      error instanceof Error ? error.message : error,
    )
    for (const waiter of waiters) waiter(error)
    return
  }
  for (const waiter of waiters) waiter()
}

/** Resolves once everything written so far is committed: at once when no shared transaction is open. */
export const durable = (db: DatabaseSync): Promise<void> | undefined => {
  const group = groups.get(db)
  if (!group?.open) return undefined
  commitSoon(db, group)
  return new Promise((resolve, reject) =>
    group.waiters.push((error) => (error === undefined ? resolve() : reject(error as Error))),
  )
}
