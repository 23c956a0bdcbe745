import { Effect, Layer } from 'effect'
import type { PutEventsEntry } from '../../contracts/envelope'
import type { SearchDocument } from '../../contracts/images'
import type { Order } from '../../contracts/orders'
import type { User } from '../../contracts/users'
import { ClockFixed } from '../../steps/services/clock'
import { PipelineConfig } from '../../steps/services/config'
import { EventPublisher } from '../../steps/services/event-publisher'
import { IdempotencyStore, type StoredResponse } from '../../steps/services/idempotency'
import { Ledger } from '../../steps/services/ledger'
import { OrderTable, type Page } from '../../steps/services/order-table'
import { QueueDepths } from '../../steps/services/queue-depths'
import { SearchIndex } from '../../steps/services/search-index'
import { UserTable } from '../../steps/services/user-table'

/** A page of `items` sorted by `key`, after `cursor`: the shape every list port answers with. */
const page = <A>(items: ReadonlyArray<A>, key: (item: A) => string, limit: number, cursor?: string): Page<A> => {
  const sorted = [...items]
    .sort((a, b) => key(a).localeCompare(key(b)))
    .filter((item) => cursor === undefined || key(item) > cursor)
  const slice = sorted.slice(0, limit)
  return slice.length < sorted.length ? { items: slice, next: key(slice.at(-1)!) } : { items: slice }
}

/**
 * In-memory versions of every port the order, user, change, import and maintenance steps use, with the same
 * conditional semantics the SQLite and DynamoDB layers promise. Each exposes its state for assertions.
 */
export const memoryServices = (
  options: { now?: string; busName?: string; deadLetterDepths?: Array<{ name: string; depth: number }> } = {},
) => {
  const orders = new Map<string, Order>()
  const users = new Map<string, User>()
  const documents = new Map<string, SearchDocument>()
  const published: PutEventsEntry[] = []
  const ledger = new Map<string, { owner: string; done: boolean }>()
  const idempotency = new Map<string, { fingerprint: string; expiresAt: string; response?: StoredResponse }>()
  const now = options.now ?? '2026-06-01T12:00:00.000Z'

  const layer = Layer.mergeAll(
    Layer.succeed(OrderTable, {
      get: (orderId) => Effect.sync(() => orders.get(orderId)),
      create: (order) =>
        Effect.sync(() => {
          const existing = orders.get(order.orderId)
          if (existing) return { created: false, order: existing }
          orders.set(order.orderId, order)
          return { created: true, order }
        }),
      decide: (order) =>
        Effect.sync(() => {
          const existing = orders.get(order.orderId)
          if (existing && existing.status !== 'PENDING') return { changed: false, order: existing }
          const decided = existing
            ? { ...existing, status: order.status, reasons: order.reasons ?? [], updatedAt: order.updatedAt }
            : order
          orders.set(order.orderId, decided)
          return { changed: true, order: decided }
        }),
      listByCustomer: (customerId, { limit, cursor }) =>
        Effect.sync(() =>
          page(
            [...orders.values()].filter((order) => order.customerId === customerId),
            (order) => order.orderId,
            limit,
            cursor,
          ),
        ),
      scan: ({ limit, cursor }) =>
        Effect.sync(() => page([...orders.values()], (order) => order.orderId, limit, cursor)),
      pendingBefore: (before, limit) =>
        Effect.sync(() =>
          [...orders.values()]
            .filter((order) => order.status === 'PENDING' && order.stuck === undefined && order.createdAt < before)
            .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
            .slice(0, limit),
        ),
      countRepublish: (orderId, seen) =>
        Effect.sync(() => {
          const order = orders.get(orderId)
          if (order?.status !== 'PENDING' || order.stuck !== undefined || (order.republishes ?? 0) !== seen)
            return false
          orders.set(orderId, { ...order, republishes: seen + 1 })
          return true
        }),
      markStuck: (orderId, stuck) =>
        Effect.sync(() => {
          const order = orders.get(orderId)
          if (order?.status !== 'PENDING' || order.stuck !== undefined) return false
          orders.set(orderId, { ...order, stuck })
          return true
        }),
    }),
    Layer.succeed(UserTable, {
      get: (userId) => Effect.sync(() => users.get(userId)),
      create: (user) =>
        Effect.sync(() => {
          if ([...users.values()].some((existing) => existing.username === user.username))
            return { created: false as const, reason: 'UsernameTaken' as const }
          users.set(user.userId, user)
          return { created: true as const }
        }),
      list: ({ limit, cursor }) => Effect.sync(() => page([...users.values()], (user) => user.userId, limit, cursor)),
      setStatus: (userId, status, at) =>
        Effect.sync(() => {
          const user = users.get(userId)
          if (!user) return undefined
          const updated = { ...user, status, updatedAt: at }
          users.set(userId, updated)
          return updated
        }),
      remove: (userId) => Effect.sync(() => users.delete(userId)),
    }),
    Layer.succeed(SearchIndex, {
      upsert: (doc) => Effect.sync(() => void documents.set(doc.id, doc)),
      remove: (id) => Effect.sync(() => void documents.delete(id)),
      listIds: (kind) =>
        Effect.sync(() =>
          [...documents.values()]
            .filter((doc) => doc.kind === kind)
            .map((doc) => doc.id)
            .sort(),
        ),
    }),
    Layer.succeed(EventPublisher, { publish: (entries) => Effect.sync(() => void published.push(...entries)) }),
    Layer.succeed(Ledger, {
      claim: (key, owner) =>
        Effect.sync(() => {
          const claim = ledger.get(key)
          if (claim && (claim.done || claim.owner !== owner)) return false
          ledger.set(key, { owner, done: false })
          return true
        }),
      complete: (key) => Effect.sync(() => void ledger.set(key, { owner: ledger.get(key)?.owner ?? '', done: true })),
      release: (key, owner) =>
        Effect.sync(() => {
          const claim = ledger.get(key)
          if (claim && claim.owner === owner && !claim.done) ledger.delete(key)
        }),
    }),
    Layer.succeed(IdempotencyStore, {
      begin: (key, fingerprint, expiresAt) =>
        Effect.sync(() => {
          const record = idempotency.get(key)
          if (!record) {
            idempotency.set(key, { fingerprint, expiresAt })
            return { kind: 'new' as const }
          }
          if (record.fingerprint !== fingerprint) return { kind: 'mismatch' as const }
          return record.response
            ? { kind: 'completed' as const, response: record.response }
            : { kind: 'in-progress' as const }
        }),
      complete: (key, response) =>
        Effect.sync(() => {
          const record = idempotency.get(key)
          if (record) idempotency.set(key, { ...record, response })
        }),
      release: (key) =>
        Effect.sync(() => {
          if (!idempotency.get(key)?.response) idempotency.delete(key)
        }),
    }),
    Layer.succeed(QueueDepths, { deadLetterDepths: () => Effect.succeed(options.deadLetterDepths ?? []) }),
    Layer.succeed(PipelineConfig, {
      maxImageBytes: 25 * 1024 * 1024,
      maxImagePixels: 50_000_000,
      busName: options.busName ?? 'pipeline',
    }),
    ClockFixed(now),
  )
  return { layer, orders, users, documents, published, ledger, idempotency }
}
