import type { DatabaseSync } from 'node:sqlite'
import { Effect, Layer } from 'effect'
import { TransientError } from '../../../contracts/errors'
import { ImageRecord, ObjectNotFound } from '../../../contracts/images'
import { EventPublisher } from '../../../steps/services/event-publisher'
import { ImageTable } from '../../../steps/services/image-table'
import { Ledger } from '../../../steps/services/ledger'
import { ObjectStore } from '../../../steps/services/object-store'
import { SearchIndex } from '../../../steps/services/search-index'
import type { LocalBus } from '../eventbridge/bus'
import type { LocalObjectStore } from '../s3/object-store'

/** Any exception from SQLite or the file system is an infrastructure failure: the workflow retries it. */
export const attempt = <A>(operation: string, work: () => A) =>
  Effect.try({
    try: work,
    catch: (error) =>
      new TransientError({ operation, message: error instanceof Error ? error.message : String(error) }),
  })

export const ObjectStoreLocal = (store: LocalObjectStore, bucket: string) =>
  Layer.succeed(ObjectStore, {
    bucket,
    head: (key) =>
      attempt('s3:HeadObject', () => store.head(bucket, key)).pipe(
        Effect.flatMap((object) =>
          object
            ? Effect.succeed({ size: object.size, etag: object.etag, contentType: object.contentType })
            : Effect.fail(new ObjectNotFound({ key })),
        ),
      ),
    get: (key) =>
      attempt('s3:GetObject', () => store.get(bucket, key)).pipe(
        Effect.flatMap((found) =>
          found
            ? Effect.succeed(new Uint8Array(found.body.buffer, found.body.byteOffset, found.body.byteLength))
            : Effect.fail(new ObjectNotFound({ key })),
        ),
      ),
    put: (key, body, contentType) =>
      attempt('s3:PutObject', () => ({ etag: store.put(bucket, key, body, contentType).etag })),
  })

const decodeRecord = (json: string) => ImageRecord.make(JSON.parse(json) as ImageRecord)

/** Image records in SQLite; the conditional write is one upsert whose WHERE clause is the DynamoDB condition. */
export const ImageTableSqlite = (db: DatabaseSync) => {
  const read = db.prepare('SELECT record FROM images WHERE key = ?')
  const write = db.prepare(`INSERT INTO images (key, etag, status, record) VALUES (?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, status = excluded.status, record = excluded.record
    WHERE images.etag <> excluded.etag OR (images.status = 'FAILED' AND excluded.status = 'PROCESSED')`)
  const get = (key: string) => {
    const row = read.get(key) as { record: string } | undefined
    return row ? decodeRecord(row.record) : undefined
  }
  return Layer.succeed(ImageTable, {
    get: (key) => attempt('dynamodb:GetItem', () => get(key)),
    putVersion: (record) =>
      attempt('dynamodb:PutItem', () => {
        const { changes } = write.run(record.key, record.etag, record.status, JSON.stringify(record))
        return changes > 0 ? { written: true as const } : { written: false as const, existing: get(record.key)! }
      }),
  })
}

/**
 * The search index on SQLite FTS5: a delete and an insert per upsert, in one transaction. Each document's rowid is
 * kept by id in `search_keys`, so replacing or removing one is a lookup, not a scan of every document.
 */
export const SearchIndexFts = (db: DatabaseSync) => {
  const findDoc = db.prepare('SELECT doc FROM search_keys WHERE id = ?')
  const removeDoc = db.prepare('DELETE FROM search WHERE rowid = ?')
  const removeKey = db.prepare('DELETE FROM search_keys WHERE id = ?')
  const insert = db.prepare('INSERT INTO search (id, kind, title, text, data) VALUES (?, ?, ?, ?, ?)')
  const keep = db.prepare(
    'INSERT INTO search_keys (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc',
  )
  const listIds = db.prepare('SELECT id FROM search WHERE kind = ? ORDER BY id')
  const removeById = (id: string) => {
    const found = findDoc.get(id) as { doc: number } | undefined
    if (!found) return
    removeDoc.run(found.doc)
    removeKey.run(id)
  }
  const inSavepoint = (work: () => void) => {
    db.exec('SAVEPOINT upsert')
    try {
      work()
      db.exec('RELEASE upsert')
    } catch (error) {
      db.exec('ROLLBACK TO upsert')
      db.exec('RELEASE upsert')
      throw error
    }
  }
  return Layer.succeed(SearchIndex, {
    upsert: (doc) =>
      attempt('search:upsert', () =>
        inSavepoint(() => {
          removeById(doc.id)
          const { lastInsertRowid } = insert.run(doc.id, doc.kind, doc.title, doc.text, JSON.stringify(doc.data))
          keep.run(doc.id, lastInsertRowid)
        }),
      ),
    remove: (id) => attempt('search:remove', () => inSavepoint(() => removeById(id))),
    listIds: (kind) =>
      attempt('search:listIds', () => (listIds.all(kind) as Array<{ id: string }>).map((row) => row.id)),
  })
}

/** The side-effect ledger: a claim is an INSERT that only the first owner wins, or the same owner re-running. */
export const LedgerSqlite = (db: DatabaseSync) => {
  const claim = db.prepare(`INSERT INTO ledger (key, owner, claimed_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET claimed_at = excluded.claimed_at WHERE ledger.owner = excluded.owner AND ledger.done = 0`)
  // Completing stands for good, even for a key whose claim was released meanwhile.
  const complete = db.prepare(
    `INSERT INTO ledger (key, owner, done, claimed_at) VALUES (?, '', 1, ?) ON CONFLICT (key) DO UPDATE SET done = 1`,
  )
  const release = db.prepare('DELETE FROM ledger WHERE key = ? AND owner = ? AND done = 0')
  return Layer.succeed(Ledger, {
    claim: (key, owner) => attempt('ledger:claim', () => claim.run(key, owner, new Date().toISOString()).changes > 0),
    complete: (key) => attempt('ledger:complete', () => void complete.run(key, new Date().toISOString())),
    release: (key, owner) => attempt('ledger:release', () => void release.run(key, owner)),
  })
}

/** PutEvents on the local bus; an entry the bus refuses is a TransientError, so the step is retried, not silently dropped. */
export const EventPublisherLocal = (bus: LocalBus) =>
  Layer.succeed(EventPublisher, {
    publish: (entries) =>
      attempt('events:PutEvents', () => bus.putEvents(entries)).pipe(
        Effect.flatMap((result) =>
          result.FailedEntryCount === 0
            ? Effect.void
            : Effect.fail(
                new TransientError({
                  operation: 'events:PutEvents',
                  message: result.Entries.map((entry) => entry.ErrorMessage)
                    .filter(Boolean)
                    .join('; '),
                }),
              ),
        ),
      ),
  })
