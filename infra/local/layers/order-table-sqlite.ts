import { Layer } from 'effect'
import type { Order } from '../../../contracts/orders'
import { OrderTable } from '../../../steps/services/order-table'
import type { LocalTables } from '../dynamodb/tables'
import { attempt } from './attempt'

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
            "json_extract(item, '$.status') = 'PENDING' AND json_extract(item, '$.stuck') IS NULL AND json_extract(item, '$.createdAt') < ?",
            [before],
            { limit },
          ).items,
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
