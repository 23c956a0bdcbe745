import type { DatabaseSync } from 'node:sqlite'
import { Effect, Layer, Option } from 'effect'
import type { TransientError } from '../../../contracts/errors'
import type { SearchHit, SearchKind } from '../../../contracts/search'
import type { Page } from '../../../steps/services/order-table'
import { InvalidCursor, SearchIndex, type IndexWrite } from '../../../steps/services/search-index'
import {
  decodeSearchCursor,
  encodeSearchCursor,
  exactValue,
  exactValues,
  words,
  type SearchPosition,
} from '../../../steps/services/search-terms'
import { attempt } from './attempt'

/** The FTS5 query of the text rule: every word a prefix, in the `text` column only, quoted so nothing is FTS5 syntax. */
const textMatch = (q: string): string | undefined => {
  const terms = words(q)
  return terms.length === 0
    ? undefined
    : `text : (${terms.map((term) => `"${term.replace(/"/g, '""')}"*`).join(' AND ')})`
}

const kindOfId = (id: string): string => id.slice(0, Math.max(0, id.indexOf(':')))

/**
 * The search index on SQLite: FTS5 for the text rule, a table of exact values for the exact rule, and the version of
 * every document written or removed (a removal keeps its version, as a tombstone, so a late older upsert stays out).
 * Each write is one savepoint: a delete and an insert of the document, its exact values and its version. A document's
 * FTS5 rowid is kept by id in `search_keys`, so replacing or removing one is a lookup, not a scan.
 */
export const SearchIndexSqlite = (db: DatabaseSync) => {
  const findDoc = db.prepare('SELECT doc FROM search_keys WHERE id = ?')
  const removeDoc = db.prepare('DELETE FROM search WHERE rowid = ?')
  const removeKey = db.prepare('DELETE FROM search_keys WHERE id = ?')
  const removeExact = db.prepare('DELETE FROM search_exact WHERE id = ?')
  const insert = db.prepare('INSERT INTO search (id, kind, title, text, data) VALUES (?, ?, ?, ?, ?)')
  const keep = db.prepare(
    'INSERT INTO search_keys (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc',
  )
  const addExact = db.prepare('INSERT OR IGNORE INTO search_exact (value, id) VALUES (?, ?)')
  const versionOf = db.prepare('SELECT version FROM search_versions WHERE id = ?')
  const setVersion = db.prepare(`INSERT INTO search_versions (id, kind, version, removed) VALUES (?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, version = excluded.version, removed = excluded.removed`)
  const hitById = db.prepare(
    'SELECT s.id, s.kind, s.title, s.data FROM search_keys k JOIN search s ON s.rowid = k.doc WHERE k.id = ?',
  )

  const removeById = (id: string) => {
    const found = findDoc.get(id) as { doc: number } | undefined
    removeExact.run(id)
    if (!found) return
    removeDoc.run(found.doc)
    removeKey.run(id)
  }
  const inSavepoint = <A>(work: () => A): A => {
    db.exec('SAVEPOINT search_write')
    try {
      const result = work()
      db.exec('RELEASE search_write')
      return result
    } catch (error) {
      db.exec('ROLLBACK TO search_write')
      db.exec('RELEASE search_write')
      throw error
    }
  }
  /** Runs `write` only when `version` is above the one recorded for `id`, as external versioning does. */
  const versioned = (id: string, version: number, write: () => void): IndexWrite =>
    inSavepoint(() => {
      const current = versionOf.get(id) as { version: number } | undefined
      if (current !== undefined && current.version >= version) return 'stale'
      write()
      return 'written'
    })

  type Row = { id: string; kind: SearchKind; title: string; data: string }
  const toHit = (row: Row): SearchHit => ({
    id: row.id,
    kind: row.kind,
    title: row.title,
    data: JSON.parse(row.data) as unknown,
  })

  /** Up to `count` ids matching exactly, after `after`, in id order. */
  const exactIds = (value: string, kind: string | undefined, after: string, count: number) =>
    (
      db
        .prepare(
          `SELECT e.id FROM search_exact e ${kind ? 'JOIN search_versions v ON v.id = e.id AND v.kind = ?' : ''}
           WHERE e.value = ? AND e.id > ? ORDER BY e.id LIMIT ?`,
        )
        .all(...(kind ? [kind] : []), value, after, count) as Array<{ id: string }>
    ).map((row) => row.id)

  /** Up to `count` text matches that do not match exactly, after `after`, in id order. */
  const textRows = (match: string, value: string, kind: string | undefined, after: string, count: number) =>
    db
      .prepare(
        `SELECT id, kind, title, data FROM search WHERE search MATCH ? ${kind ? 'AND kind = ?' : ''} AND id > ?
         AND id NOT IN (SELECT id FROM search_exact WHERE value = ?) ORDER BY id LIMIT ?`,
      )
      .all(match, ...(kind ? [kind] : []), after, value, count) as Row[]

  const search = (q: string, kind: SearchKind | undefined, limit: number, from: SearchPosition | undefined) => {
    const value = exactValue(q)
    // One more than the page, to know whether another page follows.
    const wanted = limit + 1
    const found: Array<{ position: SearchPosition; hit: SearchHit }> = []
    if (from === undefined || from.exact) {
      for (const id of exactIds(value, kind, from?.id ?? '', wanted)) {
        const row = hitById.get(id) as Row | undefined
        if (row) found.push({ position: { exact: true, id }, hit: toHit(row) })
      }
    }
    const match = textMatch(q)
    if (found.length < wanted && match !== undefined) {
      const after = from !== undefined && !from.exact ? from.id : ''
      for (const row of textRows(match, value, kind, after, wanted - found.length))
        found.push({ position: { exact: false, id: row.id }, hit: toHit(row) })
    }
    const page = found.slice(0, limit)
    return found.length > limit
      ? { items: page.map((entry) => entry.hit), next: encodeSearchCursor(page.at(-1)!.position) }
      : { items: page.map((entry) => entry.hit) }
  }

  return Layer.succeed(SearchIndex, {
    upsert: (doc, version) =>
      attempt('search:upsert', () =>
        versioned(doc.id, version, () => {
          removeById(doc.id)
          const { lastInsertRowid } = insert.run(doc.id, doc.kind, doc.title, doc.text, JSON.stringify(doc.data))
          keep.run(doc.id, lastInsertRowid)
          for (const value of exactValues(doc.exact)) addExact.run(value, doc.id)
          setVersion.run(doc.id, doc.kind, version, 0)
        }),
      ),
    remove: (id, version) =>
      attempt('search:remove', () =>
        versioned(id, version, () => {
          removeById(id)
          setVersion.run(id, kindOfId(id), version, 1)
        }),
      ),
    search: ({ q, kind, limit, cursor }) =>
      Effect.flatMap(
        cursor === undefined
          ? Effect.succeed(undefined)
          : Option.match(decodeSearchCursor(cursor), {
              onNone: () => Effect.fail(new InvalidCursor({ message: 'cursor: must be the next of a previous page' })),
              onSome: (position) => Effect.succeed(position),
            }),
        (from): Effect.Effect<Page<SearchHit>, TransientError> =>
          attempt('search:search', () => search(q, kind, limit, from)),
      ),
    versions: (ids) =>
      attempt('search:versions', () => {
        if (ids.length === 0) return new Map<string, number>()
        const rows = db
          .prepare(
            `SELECT id, version FROM search_versions WHERE removed = 0 AND id IN (${ids.map(() => '?').join(', ')})`,
          )
          .all(...ids) as Array<{ id: string; version: number }>
        return new Map(rows.map((row) => [row.id, row.version]))
      }),
    list: (kind, { limit, cursor }) =>
      attempt('search:list', () => {
        const rows = db
          .prepare(
            'SELECT id, version FROM search_versions WHERE kind = ? AND removed = 0 AND id > ? ORDER BY id LIMIT ?',
          )
          .all(kind, cursor ?? '', limit + 1) as Array<{ id: string; version: number }>
        const items = rows.slice(0, limit)
        return rows.length > limit ? { items, next: items.at(-1)!.id } : { items }
      }),
  })
}
