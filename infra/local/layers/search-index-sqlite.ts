import type { DatabaseSync } from 'node:sqlite'
import { Layer } from 'effect'
import { SearchIndex } from '../../../steps/services/search-index'
import { attempt } from './attempt'

/**
 * The search index on SQLite FTS5: a delete and an insert per upsert, in one transaction. Each document's rowid is
 * kept by id in `search_keys`, so replacing or removing one is a lookup, not a scan of every document.
 */
export const SearchIndexSqlite = (db: DatabaseSync) => {
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
