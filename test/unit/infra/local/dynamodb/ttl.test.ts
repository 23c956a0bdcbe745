import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Effect, Layer } from 'effect'
import { deleteExpiredItems } from '../../../../../infra/local/dynamodb/ttl'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { IdempotencySqlite } from '../../../../../infra/local/layers/idempotency-sqlite'
import { ClockLive } from '../../../../../steps/services/clock'
import { IdempotencyStore } from '../../../../../steps/services/idempotency'

// DynamoDB TTL deletes expired items in the background (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html):
// the local runtime does the same for its idempotency records, now that no chore does.
describe('the local TTL of idempotency records', () => {
  it('deletes the records that expired, and only those', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ttl-test-'))
    const db = openDatabase(dataDir)
    try {
      const begin = (key: string, expiresAt: string) =>
        Effect.runPromise(
          Effect.flatMap(IdempotencyStore, (store) => store.begin(key, 'fp', expiresAt)).pipe(
            Effect.provide(Layer.provide(IdempotencySqlite(db), ClockLive)),
          ),
        )
      await begin('gone', '2026-01-01T00:00:00.000Z')
      await begin('stays', '2999-01-01T00:00:00.000Z')

      const deleted = deleteExpiredItems(db, '2026-06-01T00:00:00.000Z')

      expect(deleted).toBe(1)
      expect(db.prepare('SELECT key FROM idempotency').all()).toEqual([{ key: 'stays' }])
    } finally {
      db.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
