import type { DatabaseSync } from 'node:sqlite'
import { Layer } from 'effect'
import type { Order } from '../../../contracts/orders'
import type { User } from '../../../contracts/users'
import { IdempotencyStore, type StoredResponse } from '../../../steps/services/idempotency'
import { OrderTable } from '../../../steps/services/order-table'
import { QueueDepths } from '../../../steps/services/queue-depths'
import { UserTable } from '../../../steps/services/user-table'
import { attempt } from './layers'
import type { LocalQueues } from '../sqs/queues'
import type { LocalTables } from '../dynamodb/tables'

/** The orders table over the local tables: its writes reach the table's stream like DynamoDB's do. */
export const OrderTableLocal = (tables: LocalTables, table: string) =>
  Layer.succeed(OrderTable, {
    get: (orderId) => attempt('dynamodb:GetItem', () => tables.get<Order>(table, orderId)),
    create: (order) =>
      attempt('dynamodb:PutItem', () => {
        const created = tables.put(table, order.orderId, 'orderId', order, (existing) => existing === undefined)
        return { created, order: created ? order : tables.get<Order>(table, order.orderId)! }
      }),
    decide: (order) =>
      attempt('dynamodb:PutItem', () => {
        // A new order is written decided; a PENDING one keeps its placement and gains the decision; a decided one stays.
        const decided = tables.update<Order>(table, order.orderId, 'orderId', (existing) => {
          if (existing === undefined) return order
          if (existing.status !== 'PENDING') return undefined
          return { ...existing, status: order.status, reasons: order.reasons ?? [], updatedAt: order.updatedAt }
        })
        return decided
          ? { changed: true, order: decided }
          : { changed: false, order: tables.get<Order>(table, order.orderId)! }
      }),
    listByCustomer: (customerId, page) =>
      attempt('dynamodb:Query', () => {
        const { items, next } = tables.query<Order>(table, "json_extract(item, '$.customerId') = ?", [customerId], page)
        return next === undefined ? { items } : { items, next }
      }),
    scan: (page) =>
      attempt('dynamodb:Scan', () => {
        const { items, next } = tables.query<Order>(table, '', [], page)
        return next === undefined ? { items } : { items, next }
      }),
    pendingBefore: (before, limit) =>
      attempt(
        'dynamodb:Query',
        () =>
          tables.query<Order>(
            table,
            "json_extract(item, '$.status') = 'PENDING' AND json_extract(item, '$.createdAt') < ?",
            [before],
            { limit },
          ).items,
      ),
  })

/** The users table over the local tables; a username is unique, checked in the transaction that writes the user. */
export const UserTableLocal = (tables: LocalTables, table: string) =>
  Layer.succeed(UserTable, {
    get: (userId) => attempt('dynamodb:GetItem', () => tables.get<User>(table, userId)),
    create: (user) =>
      attempt('dynamodb:TransactWriteItems', () => {
        const created = tables.put(
          table,
          user.userId,
          'userId',
          user,
          (existing) =>
            existing === undefined &&
            tables.query(table, "json_extract(item, '$.username') = ?", [user.username], { limit: 1 }).items.length ===
              0,
        )
        return created ? { created: true as const } : { created: false as const, reason: 'UsernameTaken' as const }
      }),
    list: (page) =>
      attempt('dynamodb:Scan', () => {
        const { items, next } = tables.query<User>(table, '', [], page)
        return next === undefined ? { items } : { items, next }
      }),
    setStatus: (userId, status, at) =>
      attempt('dynamodb:UpdateItem', () =>
        tables.update<User>(table, userId, 'userId', (existing) =>
          existing ? { ...existing, status, updatedAt: at } : undefined,
        ),
      ),
    remove: (userId) => attempt('dynamodb:DeleteItem', () => tables.remove(table, userId, 'userId')),
  })

/** Idempotency records in SQLite: `begin` is one conditional insert, so two racing requests cannot both run. */
export const IdempotencyLocal = (db: DatabaseSync) => {
  const read = db.prepare('SELECT fingerprint, expires_at, response FROM idempotency WHERE key = ?')
  const insert = db.prepare(`INSERT INTO idempotency (key, fingerprint, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, expires_at = excluded.expires_at, response = NULL WHERE idempotency.expires_at < ?`)
  return Layer.succeed(IdempotencyStore, {
    begin: (key, fingerprint, expiresAt) =>
      attempt('idempotency:begin', () => {
        if (Number(insert.run(key, fingerprint, expiresAt, new Date().toISOString()).changes) > 0)
          return { kind: 'new' as const }
        const row = read.get(key) as { fingerprint: string; response: string | null }
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' as const }
        return row.response
          ? { kind: 'completed' as const, response: JSON.parse(row.response) as StoredResponse }
          : { kind: 'in-progress' as const }
      }),
    complete: (key, response) =>
      attempt(
        'idempotency:complete',
        () => void db.prepare('UPDATE idempotency SET response = ? WHERE key = ?').run(JSON.stringify(response), key),
      ),
    release: (key) =>
      attempt(
        'idempotency:release',
        () => void db.prepare('DELETE FROM idempotency WHERE key = ? AND response IS NULL').run(key),
      ),
    expire: (now) =>
      attempt('idempotency:expire', () =>
        Number(db.prepare('DELETE FROM idempotency WHERE expires_at < ?').run(now).changes),
      ),
  })
}

/** The depth of every dead-letter queue of the local runtime. */
export const QueueDepthsLocal = (queues: LocalQueues) =>
  Layer.succeed(QueueDepths, {
    deadLetterDepths: () =>
      attempt('sqs:GetQueueAttributes', () =>
        queues.names
          .filter((name) => queues.isDeadLetterQueue(name))
          .map((name) => ({ name, depth: queues.count(name) })),
      ),
  })
