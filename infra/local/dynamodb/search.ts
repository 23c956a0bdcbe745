import type { DatabaseSync } from 'node:sqlite'

/** Turns user text into an FTS5 query of quoted prefix terms, so no input is parsed as FTS5 syntax. */
export const ftsQuery = (text: string): string =>
  text
    .split(/\s+/)
    .filter(Boolean)
    .map((term) => `"${term.replace(/"/g, '""')}"*`)
    .join(' ')

/** Full-text search over the indexed documents, best match first. */
export const search = (db: DatabaseSync, text: string, limit = 50) => {
  const query = ftsQuery(text)
  if (query === '') return []
  const rows = db
    .prepare('SELECT id, kind, title, data FROM search WHERE search MATCH ? ORDER BY rank LIMIT ?')
    .all(query, limit) as Array<{ id: string; kind: string; title: string; data: string }>
  return rows.map((row) => ({ id: row.id, kind: row.kind, title: row.title, data: JSON.parse(row.data) as unknown }))
}
