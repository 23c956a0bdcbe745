import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import { marshall } from '@aws-sdk/util-dynamodb'
import { transaction } from '../kernel/db'
import { LocalRegion, type LocalModel } from '../model/template'

type Item = Record<string, unknown>

/**
 * The template's DynamoDB tables as JSON items in SQLite, for the items the pipeline keeps by one partition key.
 * A table with a stream gets a DynamoDB Streams record for every change, in the transaction that makes it,
 * shaped as Lambda and Pipes receive it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.Lambda.html).
 */
export class LocalTables {
  private readonly streams: ReadonlyMap<string, string>
  private readonly listeners = new Set<(streamArn: string) => void>()
  private sequence = 0

  constructor(
    private readonly db: DatabaseSync,
    model: LocalModel,
  ) {
    this.streams = new Map(
      (model.tables ?? []).flatMap((table) => (table.streamArn ? [[table.name, table.streamArn] as const] : [])),
    )
  }

  /** Called after a change is committed to a streamed table, so the pipes reading it wake at once. */
  onChange(listener: (streamArn: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get<T extends Item>(table: string, key: string): T | undefined {
    const row = this.db.prepare('SELECT item FROM table_items WHERE table_name = ? AND pk = ?').get(table, key) as
      { item: string } | undefined
    return row ? (JSON.parse(row.item) as T) : undefined
  }

  /** Items whose JSON matches a WHERE clause over `item` (json_extract), after `cursor` by key, at most `limit`. */
  query<T extends Item>(
    table: string,
    where: string,
    values: ReadonlyArray<string | number>,
    page: { limit: number; cursor?: string },
  ): { items: T[]; next?: string } {
    const rows = this.db
      .prepare(
        `SELECT pk, item FROM table_items WHERE table_name = ? AND pk > ? ${where ? `AND ${where}` : ''} ORDER BY pk LIMIT ?`,
      )
      .all(table, page.cursor ?? '', ...values, page.limit + 1) as Array<{ pk: string; item: string }>
    const items = rows.slice(0, page.limit).map((row) => JSON.parse(row.item) as T)
    return rows.length > page.limit ? { items, next: rows[page.limit - 1]!.pk } : { items }
  }

  /** Writes `item` under `key` when `condition` holds for what stands (undefined when nothing does); answers whether it wrote. */
  put(
    table: string,
    key: string,
    keyName: string,
    item: Item,
    condition: (existing: Item | undefined) => boolean = () => true,
  ): boolean {
    return this.update(table, key, keyName, (existing) => (condition(existing) ? item : undefined)) !== undefined
  }

  /**
   * A conditional read-modify-write in one transaction: `change` sees what stands and answers the item to write,
   * or undefined to write nothing. Answers what was written.
   */
  update<T extends Item>(
    table: string,
    key: string,
    keyName: string,
    change: (existing: T | undefined) => T | undefined,
  ): T | undefined {
    return transaction(this.db, () => {
      const existing = this.get<T>(table, key)
      const item = change(existing)
      if (item === undefined) return undefined
      this.db
        .prepare(
          'INSERT INTO table_items (table_name, pk, item) VALUES (?, ?, ?) ON CONFLICT (table_name, pk) DO UPDATE SET item = excluded.item',
        )
        .run(table, key, JSON.stringify(item))
      this.record(table, existing ? 'MODIFY' : 'INSERT', { [keyName]: key }, existing, item)
      return item
    })
  }

  /** Deletes the item under `key`; answers whether there was one. */
  remove(table: string, key: string, keyName: string): boolean {
    return transaction(this.db, () => {
      const existing = this.get(table, key)
      if (!existing) return false
      this.db.prepare('DELETE FROM table_items WHERE table_name = ? AND pk = ?').run(table, key)
      this.record(table, 'REMOVE', { [keyName]: key }, existing, undefined)
      return true
    })
  }

  private record(
    table: string,
    eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
    keys: Item,
    oldImage: Item | undefined,
    newImage: Item | undefined,
  ): void {
    const streamArn = this.streams.get(table)
    if (!streamArn) return
    const options = { removeUndefinedValues: true, convertClassInstanceToMap: true }
    const record = {
      eventID: randomUUID().replace(/-/g, ''),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: LocalRegion,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: marshall(keys, options),
        ...(newImage ? { NewImage: marshall(newImage, options) } : {}),
        ...(oldImage ? { OldImage: marshall(oldImage, options) } : {}),
        SequenceNumber: `${Date.now()}${String(this.sequence++ % 1_000_000).padStart(6, '0')}`.padStart(21, '0'),
        SizeBytes: Buffer.byteLength(JSON.stringify({ keys, oldImage, newImage })),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: streamArn,
    }
    this.db
      .prepare('INSERT INTO stream_records (stream_arn, record) VALUES (?, ?)')
      .run(streamArn, JSON.stringify(record))
    for (const listener of this.listeners) queueMicrotask(() => listener(streamArn))
  }
}
