import type { DatabaseSync } from 'node:sqlite'
import { Effect, Layer } from 'effect'
import { Clock } from '../../../steps/services/clock'
import { IdempotencyStore, type StoredResponse } from '../../../steps/services/idempotency'
import { attempt } from './attempt'

/**
 * Idempotency records in SQLite: `begin` is one conditional insert, so two racing requests cannot both run. A record
 * whose expiry is before the Clock's now is free for the next request, as `#expiresAt < :now` makes it on DynamoDB.
 */
export const IdempotencySqlite = (db: DatabaseSync) => {
  const read = db.prepare('SELECT fingerprint, expires_at, response FROM idempotency WHERE key = ?')
  const insert = db.prepare(`INSERT INTO idempotency (key, fingerprint, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, expires_at = excluded.expires_at, response = NULL WHERE idempotency.expires_at < ?`)
  return Layer.effect(
    IdempotencyStore,
    Effect.map(Clock, (clock) => ({
      // The clock is read when the effect runs, so a retried begin compares with its own time.
      begin: (key: string, fingerprint: string, expiresAt: string) =>
        attempt('idempotency:begin', () => {
          if (Number(insert.run(key, fingerprint, expiresAt, clock.now()).changes) > 0) return { kind: 'new' as const }
          const row = read.get(key) as { fingerprint: string; response: string | null }
          if (row.fingerprint !== fingerprint) return { kind: 'mismatch' as const }
          return row.response
            ? { kind: 'completed' as const, response: JSON.parse(row.response) as StoredResponse }
            : { kind: 'in-progress' as const }
        }),
      complete: (key: string, response: StoredResponse) =>
        attempt(
          'idempotency:complete',
          () => void db.prepare('UPDATE idempotency SET response = ? WHERE key = ?').run(JSON.stringify(response), key),
        ),
      release: (key: string) =>
        attempt(
          'idempotency:release',
          () => void db.prepare('DELETE FROM idempotency WHERE key = ? AND response IS NULL').run(key),
        ),
    })),
  )
}
