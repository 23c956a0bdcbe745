import { mkdirSync } from 'node:fs'
import * as path from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { ensureConsoleSchema } from './console-schema'
import { joinGroup } from './group-commit'

/**
 * The local runtime's state in one SQLite file under the data directory: archive, executions and their
 * history, queues, tables, the search index and the side-effect ledger. WAL keeps readers off the writer's
 * back; a committed transaction survives a killed process, which is what "acknowledged" means here.
 */
export const databaseFile = (dataDir: string): string => path.join(dataDir, 'pipeline.db')

export const openDatabase = (dataDir: string): DatabaseSync => {
  mkdirSync(dataDir, { recursive: true })
  const db = new DatabaseSync(databaseFile(dataDir))
  const searchKeysExisted = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'search_keys'").get() !== undefined
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA busy_timeout = 5000;
    PRAGMA foreign_keys = ON;

    CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL,
      bus TEXT NOT NULL,
      time TEXT NOT NULL,
      time_ms INTEGER NOT NULL,
      source TEXT NOT NULL,
      detail_type TEXT NOT NULL,
      archive TEXT,
      replay_name TEXT,
      event TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_by_time ON events (archive, time_ms);

    CREATE TABLE IF NOT EXISTS deliveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      rule TEXT NOT NULL,
      target TEXT NOT NULL,
      event TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      first_at_ms INTEGER NOT NULL,
      next_at_ms INTEGER NOT NULL,
      last_error TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at_ms);

    CREATE TABLE IF NOT EXISTS replays (
      name TEXT PRIMARY KEY,
      archive TEXT NOT NULL,
      bus TEXT NOT NULL,
      from_ms INTEGER NOT NULL,
      to_ms INTEGER NOT NULL,
      rules TEXT,
      state TEXT NOT NULL,
      total INTEGER NOT NULL DEFAULT 0,
      replayed INTEGER NOT NULL DEFAULT 0,
      position INTEGER NOT NULL DEFAULT 0,
      reason TEXT,
      started_at TEXT NOT NULL,
      ended_at TEXT
    );

    CREATE TABLE IF NOT EXISTS executions (
      arn TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      state_machine TEXT NOT NULL,
      workflow TEXT NOT NULL,
      status TEXT NOT NULL,
      subject TEXT,
      input TEXT NOT NULL,
      output TEXT,
      error TEXT,
      cause TEXT,
      event_id TEXT,
      created_at TEXT NOT NULL,
      start_date TEXT,
      stop_date TEXT
    );
    CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status, created_at);
    CREATE INDEX IF NOT EXISTS executions_by_workflow ON executions (workflow, created_at);
    CREATE INDEX IF NOT EXISTS executions_by_subject ON executions (subject);

    -- State machines created through the Step Functions API, beside the template's (which are not stored: they are
    -- synthesized at every start).
    CREATE TABLE IF NOT EXISTS api_state_machines (
      arn TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      type TEXT NOT NULL,
      definition TEXT NOT NULL,
      role_arn TEXT NOT NULL,
      tags TEXT NOT NULL,
      logging TEXT NOT NULL DEFAULT '{"level":"OFF","includeExecutionData":false}',
      created_at TEXT NOT NULL
    );

    CREATE TABLE IF NOT EXISTS history (
      execution_arn TEXT NOT NULL REFERENCES executions (arn) ON DELETE CASCADE,
      id INTEGER NOT NULL,
      previous_id INTEGER NOT NULL,
      timestamp TEXT NOT NULL,
      type TEXT NOT NULL,
      details TEXT NOT NULL,
      PRIMARY KEY (execution_arn, id)
    );

    CREATE TABLE IF NOT EXISTS queue_messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      queue TEXT NOT NULL,
      id TEXT NOT NULL UNIQUE,
      body TEXT NOT NULL,
      sent_at TEXT NOT NULL,
      receive_count INTEGER NOT NULL DEFAULT 0,
      visible_at_ms INTEGER NOT NULL DEFAULT 0,
      receipt_handle TEXT,
      first_received_at TEXT,
      last_error TEXT,
      dead_letter TEXT,
      -- SQS message attributes (JSON), as SendMessage took them.
      attributes TEXT
    );
    CREATE INDEX IF NOT EXISTS queue_messages_by_queue ON queue_messages (queue, visible_at_ms, seq);
    CREATE UNIQUE INDEX IF NOT EXISTS queue_messages_by_receipt ON queue_messages (receipt_handle);

    -- StartMessageMoveTask's tasks, newest last, as ListMessageMoveTasks shows them.
    CREATE TABLE IF NOT EXISTS message_move_tasks (
      task_id TEXT PRIMARY KEY,
      source_arn TEXT NOT NULL,
      destination_arn TEXT,
      rate INTEGER,
      status TEXT NOT NULL,
      to_move INTEGER NOT NULL,
      moved INTEGER NOT NULL,
      failure TEXT,
      started_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS message_move_tasks_by_source ON message_move_tasks (source_arn, started_ms);

    -- When the runtime first served a resource of the template (an ARN), so creation times hold across restarts.
    CREATE TABLE IF NOT EXISTS resources_created (
      arn TEXT PRIMARY KEY,
      created_ms INTEGER NOT NULL
    );

    CREATE TABLE IF NOT EXISTS table_items (
      table_name TEXT NOT NULL,
      pk TEXT NOT NULL,
      item TEXT NOT NULL,
      PRIMARY KEY (table_name, pk)
    );

    CREATE TABLE IF NOT EXISTS stream_records (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      stream_arn TEXT NOT NULL,
      record TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS stream_records_by_stream ON stream_records (stream_arn, seq);

    CREATE TABLE IF NOT EXISTS stream_positions (
      consumer TEXT PRIMARY KEY,
      position INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE IF NOT EXISTS idempotency (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      response TEXT
    );

    CREATE TABLE IF NOT EXISTS objects (
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      file TEXT NOT NULL,
      size INTEGER NOT NULL,
      etag TEXT NOT NULL,
      content_type TEXT NOT NULL,
      last_modified TEXT NOT NULL,
      PRIMARY KEY (bucket, key)
    );

    -- What S3 keeps with an object besides its content type: user metadata, stored headers, part sizes.
    CREATE TABLE IF NOT EXISTS object_attributes (
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      attributes TEXT NOT NULL,
      PRIMARY KEY (bucket, key)
    );

    -- Multipart uploads in progress (invisible until completed) and their parts, whose files live under the bucket folder.
    CREATE TABLE IF NOT EXISTS multipart_uploads (
      upload_id TEXT PRIMARY KEY,
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      content_type TEXT NOT NULL,
      attributes TEXT NOT NULL,
      initiated TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS multipart_uploads_by_key ON multipart_uploads (bucket, key, initiated);

    CREATE TABLE IF NOT EXISTS multipart_parts (
      upload_id TEXT NOT NULL,
      part_number INTEGER NOT NULL,
      size INTEGER NOT NULL,
      etag TEXT NOT NULL,
      checksum TEXT,
      last_modified TEXT NOT NULL,
      PRIMARY KEY (upload_id, part_number)
    );

    CREATE TABLE IF NOT EXISTS images (
      key TEXT PRIMARY KEY,
      etag TEXT NOT NULL,
      status TEXT NOT NULL,
      record TEXT NOT NULL
    );

    CREATE TABLE IF NOT EXISTS ledger (
      key TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      done INTEGER NOT NULL DEFAULT 0,
      claimed_at TEXT NOT NULL
    );

    CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5 (id UNINDEXED, kind UNINDEXED, title, text, data UNINDEXED);

    -- An FTS5 table finds a document by its id only by reading every row; replacing one goes through its rowid here.
    CREATE TABLE IF NOT EXISTS search_keys (
      id TEXT PRIMARY KEY,
      doc INTEGER NOT NULL
    );

    -- The version each document was written or removed at (removed = 1 keeps a deletion's version, as a tombstone).
    CREATE TABLE IF NOT EXISTS search_versions (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      version INTEGER NOT NULL,
      removed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS search_versions_by_kind ON search_versions (kind, id) WHERE removed = 0;

    -- The values a document matches exactly, compared lowercased.
    CREATE TABLE IF NOT EXISTS search_exact (
      value TEXT NOT NULL,
      id TEXT NOT NULL,
      PRIMARY KEY (value, id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS search_exact_by_id ON search_exact (id);
  `)
  if (!searchKeysExisted)
    db.exec('INSERT OR REPLACE INTO search_keys (id, doc) SELECT id, rowid FROM search ORDER BY rowid')
  // A data directory written before messages had attributes gains the column.
  const messageColumns = db.prepare('PRAGMA table_info(queue_messages)').all() as Array<{ name: string }>
  if (!messageColumns.some((column) => column.name === 'attributes'))
    db.exec('ALTER TABLE queue_messages ADD COLUMN attributes TEXT')
  ensureConsoleSchema(db)
  reusePreparedStatements(db)
  return db
}

/**
 * When the runtime first served each resource (by ARN), in epoch milliseconds: the time it is first asked for is
 * recorded, so a queue's CreatedTimestamp or an archive's CreationTime stays the same across restarts.
 */
export const firstServed = (db: DatabaseSync, arns: ReadonlyArray<string>, now = Date.now()): Map<string, number> => {
  const record = db.prepare('INSERT OR IGNORE INTO resources_created (arn, created_ms) VALUES (?, ?)')
  const read = db.prepare('SELECT created_ms FROM resources_created WHERE arn = ?')
  return new Map(
    arns.map((arn) => {
      record.run(arn, now)
      return [arn, (read.get(arn) as { created_ms: number }).created_ms]
    }),
  )
}

/** Enough for every distinct statement the runtime runs; SQL built with values in it only churns the oldest out. */
const PreparedStatementsKept = 512

/**
 * Makes `db.prepare` hand back the statement it compiled before for the same SQL text. The runtime prepares at the
 * point of use, on every call, and compiling costs more than running the small writes of the hot paths. Sharing a
 * statement is safe here: every use runs it to completion at once (`run`, `get`, `all`; no open iterators, no SQL
 * functions calling back into JavaScript), and SQLite recompiles a statement by itself after a schema change.
 */
const reusePreparedStatements = (db: DatabaseSync): void => {
  const compile = db.prepare.bind(db)
  const kept = new Map<string, StatementSync>()
  db.prepare = (sql: string) => {
    const statement = kept.get(sql)
    if (statement) {
      // Most recently used last, so the oldest is the first one out.
      kept.delete(sql)
      kept.set(sql, statement)
      return statement
    }
    const compiled = compile(sql)
    kept.set(sql, compiled)
    if (kept.size > PreparedStatementsKept) kept.delete(kept.keys().next().value!)
    return compiled
  }
}

/**
 * Runs `work` in one transaction: all of it is durable, or none of it. Nested calls, and calls while a group commit
 * is open (`group-commit.ts`), join the outer transaction in a savepoint, so a failure undoes only their own part.
 */
export const transaction = <T>(db: DatabaseSync, work: () => T): T => {
  if (joinGroup(db) && db.isTransaction) return inSavepoint(db, work)
  if (db.isTransaction) return inSavepoint(db, work)
  db.exec('BEGIN IMMEDIATE')
  try {
    const result = work()
    db.exec('COMMIT')
    return result
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
}

const inSavepoint = <T>(db: DatabaseSync, work: () => T): T => {
  db.exec('SAVEPOINT work')
  try {
    const result = work()
    db.exec('RELEASE work')
    return result
  } catch (error) {
    // A statement that failed may have ended the whole transaction (SQLITE_FULL and the like): then there is nothing to undo here.
    if (db.isTransaction) {
      db.exec('ROLLBACK TO work')
      db.exec('RELEASE work')
    }
    throw error
  }
}
