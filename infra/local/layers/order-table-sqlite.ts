import { Layer } from 'effect'
import type { Order } from '../../../contracts/orders'
import { OrderTable } from '../../../steps/services/order-table'
import type { LocalTables } from '../dynamodb/tables'
import { attempt } from './attempt'

// More than the local runtime ever holds pending at once.
const allPending = 1_000_000

/** The orders table over the local tables: its writes reach the table's stream like DynamoDB's do. */
export const OrderTableSqlite = (tables: LocalTables, table: string) =>
  Layer.succeed(OrderTable, {
    get: (orderId) => attempt('dynamodb:GetItem', () => tables.get<Order>(table, orderId)),
    create: (order) =>
      attempt('dynamodb:PutItem', () => {
        const created = tables.put(table, order.orderId, 'orderId', order, (existing) => existing === undefined)
        return { created, order: created ? order : tables.get<Order>(table, order.orderId)! }
      }),
    decide: (order) =>
      attempt('dynamodb:PutItem', () => {
        // The decision is written whole over an absent or PENDING order, as DynamoDB's PutItem does; a decided one stays.
        const changed = tables.put(
          table,
          order.orderId,
          'orderId',
          order,
          (existing) => existing === undefined || existing.status === 'PENDING',
        )
        return { changed, order: changed ? order : tables.get<Order>(table, order.orderId)! }
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
    // Oldest first, as the sparse index sorted by createdAt answers on DynamoDB; pending orders are few, so all are read.
    pendingBefore: (before, limit) =>
      attempt('dynamodb:Query', () =>
        tables
          .query<Order>(
            table,
            "json_extract(item, '$.status') = 'PENDING' AND json_extract(item, '$.stuck') IS NULL AND json_extract(item, '$.createdAt') < ?",
            [before],
            { limit: allPending },
          )
          .items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
          .slice(0, limit),
      ),
    countRepublish: (orderId, seen) =>
      attempt(
        'dynamodb:UpdateItem',
        () =>
          tables.update<Order>(table, orderId, 'orderId', (existing) =>
            existing?.status === 'PENDING' && existing.stuck === undefined && (existing.republishes ?? 0) === seen
              ? { ...existing, republishes: seen + 1 }
              : undefined,
          ) !== undefined,
      ),
    markStuck: (orderId, stuck) =>
      attempt(
        'dynamodb:UpdateItem',
        () =>
          tables.update<Order>(table, orderId, 'orderId', (existing) =>
            existing?.status === 'PENDING' && existing.stuck === undefined ? { ...existing, stuck } : undefined,
          ) !== undefined,
      ),
  })
