import type { DatabaseSync } from 'node:sqlite'

const hasColumn = (db: DatabaseSync, table: string, column: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some((row) => row.name === column)

/** What to search an execution by: its name, ARN and subject in one text, matched by trigrams. */
export const searchText = (alias: string) =>
  `${alias}.name || ' ' || ${alias}.arn || ' ' || COALESCE(${alias}.subject, '')`

/**
 * The tables and indexes the console reads on top of the runtime's own: execution redrive columns, indexes for
 * every execution filter (newest first, by workflow, status, start date, subject, text), step invocations for
 * metrics, and dead letters sent back to a workflow that still owe a new one if that run fails again.
 * Idempotent: runs at every start, and adds what an older data directory lacks.
 */
export const ensureConsoleSchema = (db: DatabaseSync): void => {
  for (const [column, type] of [
    ['redrive_count', 'INTEGER NOT NULL DEFAULT 0'],
    ['redrive_date', 'TEXT'],
    ['redrive_from', 'TEXT'],
    ['redrive_input', 'TEXT'],
    ['redrive_event_id', 'INTEGER'],
  ] as const) {
    if (!hasColumn(db, 'executions', column)) db.exec(`ALTER TABLE executions ADD COLUMN ${column} ${type}`)
  }
  const searchExisted = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'executions_text'").get() !== undefined
  db.exec(`
    CREATE INDEX IF NOT EXISTS executions_by_created ON executions (created_at);
    CREATE INDEX IF NOT EXISTS executions_by_name ON executions (name);
    CREATE INDEX IF NOT EXISTS events_by_id ON events (id);
    CREATE INDEX IF NOT EXISTS executions_by_workflow_status ON executions (workflow, status, created_at);
    CREATE INDEX IF NOT EXISTS executions_by_subject_created ON executions (subject, created_at);
    CREATE INDEX IF NOT EXISTS executions_by_stop ON executions (stop_date);

    CREATE VIRTUAL TABLE IF NOT EXISTS executions_text USING fts5 (text, tokenize = 'trigram');
    -- Indexing an execution's trigrams costs ten times its row: a new execution is only queued here, and indexed
    -- in the background or, at the latest, before a search reads the index (execution-search.ts).
    CREATE TABLE IF NOT EXISTS executions_text_pending (execution INTEGER PRIMARY KEY);
    DROP TRIGGER IF EXISTS executions_text_insert;
    CREATE TRIGGER IF NOT EXISTS executions_text_queue AFTER INSERT ON executions BEGIN
      INSERT INTO executions_text_pending (execution) VALUES (new.rowid);
    END;
    DROP TRIGGER IF EXISTS executions_text_delete;
    CREATE TRIGGER IF NOT EXISTS executions_text_forget AFTER DELETE ON executions BEGIN
      DELETE FROM executions_text WHERE rowid = old.rowid;
      DELETE FROM executions_text_pending WHERE execution = old.rowid;
    END;

    CREATE TABLE IF NOT EXISTS invocations (
      function TEXT NOT NULL,
      started_ms INTEGER NOT NULL,
      duration_ms REAL NOT NULL,
      error TEXT,
      cold INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS invocations_by_time_covering ON invocations (started_ms, function, duration_ms, error, cold);

    CREATE TABLE IF NOT EXISTS dead_letter_redrives (
      execution_arn TEXT PRIMARY KEY,
      queue TEXT NOT NULL,
      body TEXT NOT NULL
    );
  `)
  if (!searchExisted)
    db.exec(`INSERT INTO executions_text (rowid, text) SELECT e.rowid, ${searchText('e')} FROM executions e`)
}
