import type { DatabaseSync } from 'node:sqlite'
import { Worker } from 'node:worker_threads'

/** How often the WAL is copied back into the database file. */
const CheckpointIntervalMs = 100

/**
 * Runs in the worker, plain JavaScript (a worker does not inherit the TypeScript loader): its own connection to the
 * same file, checkpointing PASSIVE, which never blocks the writer and never waits for readers.
 */
const checkpointLoop = `
const { DatabaseSync } = require('node:sqlite')
const { workerData, parentPort } = require('node:worker_threads')
const db = new DatabaseSync(workerData.file)
db.exec('PRAGMA busy_timeout = 5000')
let stopped = false
const round = () => {
  if (stopped) return
  try { db.exec('PRAGMA wal_checkpoint(PASSIVE)') } catch (error) { parentPort.postMessage({ error: String(error && error.message || error) }) }
  setTimeout(round, workerData.intervalMs)
}
parentPort.on('message', () => { stopped = true; db.close(); parentPort.close() })
round()
`

/**
 * Moves WAL checkpoints off the event loop. A checkpoint copies committed pages into the database file and, at
 * synchronous=NORMAL, is the only place SQLite syncs to disk; done by the committing connection (SQLite's default),
 * every thousandth page's commit stalled the loop that answers HTTP for as long as the disk took. Commits stay what
 * they were (each is in the WAL before it is acknowledged); only who copies them onward changes. Should the worker
 * fail, the connection checkpoints for itself again.
 */
export const startCheckpointer = (db: DatabaseSync, file: string) => {
  db.exec('PRAGMA wal_autocheckpoint = 0')
  const worker = new Worker(checkpointLoop, { eval: true, workerData: { file, intervalMs: CheckpointIntervalMs } })
  worker.unref()
  const fallBack = (reason: string) => {
    console.error(`WAL checkpoints are back on the main connection: ${reason}`)
    if (db.isOpen) db.exec('PRAGMA wal_autocheckpoint = 1000')
  }
  let stopping = false
  worker.on('error', (error) => fallBack(error.message))
  worker.on('message', (message: { error?: string }) => {
    if (message.error) console.error(`WAL checkpoint failed: ${message.error}`)
  })
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!stopping && code !== 1) fallBack(`the checkpoint worker exited with ${code}`)
      resolve()
    }),
  )
  return {
    /** Closes the worker's connection; the database's own close then checkpoints what is left. */
    async stop(): Promise<void> {
      stopping = true
      worker.postMessage('stop')
      await exited
      if (db.isOpen) db.exec('PRAGMA wal_autocheckpoint = 1000')
    },
  }
}
