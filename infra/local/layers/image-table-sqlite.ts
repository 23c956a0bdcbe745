import type { DatabaseSync } from 'node:sqlite'
import { Layer } from 'effect'
import { ImageRecord } from '../../../contracts/images'
import { ImageTable } from '../../../steps/services/image-table'
import { attempt } from './attempt'

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
