import type { DatabaseSync } from 'node:sqlite'

/**
 * Archive retention: events older than an archive's retention leave it (they stay in the bus log, but are no
 * longer listed or replayed). A retention of 0 keeps events for ever, as EventBridge's does.
 */
export const purgeExpiredArchive = (
  db: DatabaseSync,
  archives: ReadonlyArray<{ readonly name: string; readonly retentionDays: number }>,
  now = Date.now(),
): number => {
  let purged = 0
  for (const archive of archives) {
    if (archive.retentionDays <= 0) continue
    purged += Number(
      db
        .prepare('UPDATE events SET archive = NULL WHERE archive = ? AND time_ms < ?')
        .run(archive.name, now - archive.retentionDays * 86_400_000).changes,
    )
  }
  return purged
}

export interface ArchivedEventQuery {
  readonly archive?: string
  readonly fromMs?: number
  readonly toMs?: number
  /** Only events after this sequence number: the cursor `next` of the previous page. */
  readonly after?: number
  readonly matches?: (event: unknown) => boolean
  readonly limit: number
}

/** Archived events in archival order, filtered by time window and pattern, one page at a time. */
export const listArchivedEvents = (db: DatabaseSync, query: ArchivedEventQuery) => {
  const page: Array<{ seq: number; bus: string; archive: string; replayName?: string; event: unknown }> = []
  let cursor = query.after ?? 0
  // Scan in chunks so a selective pattern over a long archive still fills a page without loading it all.
  for (;;) {
    const rows = db
      .prepare(
        `SELECT seq, bus, archive, replay_name, event FROM events
      WHERE archive IS NOT NULL AND (? IS NULL OR archive = ?) AND time_ms >= ? AND time_ms < ? AND seq > ? ORDER BY seq LIMIT 500`,
      )
      .all(
        query.archive ?? null,
        query.archive ?? null,
        query.fromMs ?? 0,
        query.toMs ?? Number.MAX_SAFE_INTEGER,
        cursor,
      ) as Array<{ seq: number; bus: string; archive: string; replay_name: string | null; event: string }>
    for (const row of rows) {
      cursor = row.seq
      const event = JSON.parse(row.event) as unknown
      if (query.matches && !query.matches(event)) continue
      page.push({
        seq: row.seq,
        bus: row.bus,
        archive: row.archive,
        ...(row.replay_name ? { replayName: row.replay_name } : {}),
        event,
      })
      if (page.length === query.limit) return { events: page, next: row.seq }
    }
    if (rows.length < 500) return { events: page }
  }
}
