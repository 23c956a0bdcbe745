import type { DatabaseSync } from 'node:sqlite'

/**
 * DynamoDB's TTL for the local idempotency records: items past their `expiresAt` are deleted in the background, as
 * TTL deletes them on AWS, some time after they expire (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html).
 * Readers never depend on it: an expired record no longer holds its key whether or not it is still stored.
 */
export const deleteExpiredItems = (db: DatabaseSync, now = new Date().toISOString()): number =>
  Number(db.prepare('DELETE FROM idempotency WHERE expires_at < ?').run(now).changes)
