import { Effect, Layer } from 'effect'
import type { PutEventsEntry } from '../../contracts/envelope'
import { TransientError } from '../../contracts/errors'
import type { ImageRecord } from '../../contracts/images'
import type { Order } from '../../contracts/orders'
import type { User } from '../../contracts/users'
import { Clock, ClockFixed } from '../../steps/services/clock'
import { PipelineConfig } from '../../steps/services/config'
import { EventPublisher } from '../../steps/services/event-publisher'
import { IdempotencyStore, type IdempotencyBegin, type StoredResponse } from '../../steps/services/idempotency'
import { ImageTable, type ConditionalWrite } from '../../steps/services/image-table'
import { Ledger } from '../../steps/services/ledger'
import { OrderTable, type Page } from '../../steps/services/order-table'
import { QueueDepths } from '../../steps/services/queue-depths'
import { UserTable } from '../../steps/services/user-table'
import { memoryCheckpoints } from './memory-checkpoints'
import { memorySearchIndex } from './memory-search-index'

/*
 * In-memory implementations of the ports, with the semantics the SQLite and DynamoDB layers promise: each passes the
 * port's contract (test/contracts/, run in test/contracts-run/memory-services.test.ts). Each builder takes an optional
 * `fail`: then every call fails with it, as a backend that is down would, before touching the state.
 */

/** Every call of the port runs `work`, or fails with `fail` when one is given. */
const guarded =
  (fail: TransientError | undefined) =>
  <A>(work: () => A): Effect.Effect<A, TransientError> =>
    fail === undefined ? Effect.sync(work) : Effect.fail(fail)

/** A page of `items` sorted by `key`, after `cursor`: the shape every list port answers with. */
const page = <A>(items: ReadonlyArray<A>, key: (item: A) => string, limit: number, cursor?: string): Page<A> => {
  const sorted = [...items]
    .sort((a, b) => key(a).localeCompare(key(b)))
    .filter((item) => cursor === undefined || key(item) > cursor)
  const slice = sorted.slice(0, limit)
  return slice.length < sorted.length ? { items: slice, next: key(slice.at(-1)!) } : { items: slice }
}

export const memoryOrderTable = (options: { readonly fail?: TransientError } = {}) => {
  const orders = new Map<string, Order>()
  const call = guarded(options.fail)
  const layer = Layer.succeed(OrderTable, {
    get: (orderId) => call(() => orders.get(orderId)),
    create: (order) =>
      call(() => {
        const existing = orders.get(order.orderId)
        if (existing) return { created: false, order: existing }
        orders.set(order.orderId, order)
        return { created: true, order }
      }),
    // The decision is written whole over an absent or PENDING order, as DynamoDB's conditional PutItem does.
    decide: (order) =>
      call(() => {
        const existing = orders.get(order.orderId)
        if (existing && existing.status !== 'PENDING') return { changed: false, order: existing }
        orders.set(order.orderId, order)
        return { changed: true, order }
      }),
    listByCustomer: (customerId, { limit, cursor }) =>
      call(() =>
        page(
          [...orders.values()].filter((order) => order.customerId === customerId),
          (order) => order.orderId,
          limit,
          cursor,
        ),
      ),
    scan: ({ limit, cursor }) => call(() => page([...orders.values()], (order) => order.orderId, limit, cursor)),
    // Oldest first, as the sparse index sorted by createdAt answers on DynamoDB; a stuck order has left the index.
    pendingBefore: (before, limit) =>
      call(() =>
        [...orders.values()]
          .filter((order) => order.status === 'PENDING' && order.stuck === undefined && order.createdAt < before)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
          .slice(0, limit),
      ),
    // Conditional updates, as DynamoDB's UpdateItem with a ConditionExpression: false when the condition fails.
    countRepublish: (orderId, seen) =>
      call(() => {
        const order = orders.get(orderId)
        if (order?.status !== 'PENDING' || order.stuck !== undefined || (order.republishes ?? 0) !== seen) return false
        orders.set(orderId, { ...order, republishes: seen + 1 })
        return true
      }),
    markStuck: (orderId, stuck) =>
      call(() => {
        const order = orders.get(orderId)
        if (order?.status !== 'PENDING' || order.stuck !== undefined) return false
        orders.set(orderId, { ...order, stuck })
        return true
      }),
  })
  return { layer, orders }
}

export const memoryUserTable = (options: { readonly fail?: TransientError } = {}) => {
  const users = new Map<string, User>()
  const call = guarded(options.fail)
  const layer = Layer.succeed(UserTable, {
    get: (userId) => call(() => users.get(userId)),
    create: (user) =>
      Effect.flatMap(
        call(() => {
          const standing = users.get(user.userId)
          // The same user again is a retry of a create that committed; another under its id is a bug.
          if (standing) return standing.username === user.username ? 'created' : 'id-taken'
          if ([...users.values()].some((existing) => existing.username === user.username)) return 'taken'
          users.set(user.userId, user)
          return 'created'
        }),
        (outcome) =>
          outcome === 'id-taken'
            ? Effect.dieMessage(`UserTable.create: user id ${user.userId} already exists with another username`)
            : Effect.succeed(
                outcome === 'created'
                  ? ({ created: true } as const)
                  : ({ created: false, reason: 'UsernameTaken' } as const),
              ),
      ),
    list: ({ limit, cursor }) => call(() => page([...users.values()], (user) => user.userId, limit, cursor)),
    setStatus: (userId, status, at) =>
      call(() => {
        const user = users.get(userId)
        if (!user) return undefined
        const updated = { ...user, status, updatedAt: at, version: (user.version ?? 0) + 1 }
        users.set(userId, updated)
        return updated
      }),
    remove: (userId) => call(() => users.delete(userId)),
  })
  return { layer, users }
}

/** A ledger entry: who claimed the key, and whether its effect is done. */
export interface Claim {
  readonly owner: string
  readonly done: boolean
}

export const memoryLedger = (
  options: { readonly claims?: Record<string, Claim>; readonly fail?: TransientError } = {},
) => {
  const claims = new Map(Object.entries(options.claims ?? {}))
  const call = guarded(options.fail)
  const layer = Layer.succeed(Ledger, {
    claim: (key, owner) =>
      call(() => {
        const held = claims.get(key)
        if (held && (held.done || held.owner !== owner)) return false
        claims.set(key, { owner, done: false })
        return true
      }),
    complete: (key) => call(() => void claims.set(key, { owner: claims.get(key)?.owner ?? '', done: true })),
    release: (key, owner) =>
      call(() => {
        const held = claims.get(key)
        if (held && held.owner === owner && !held.done) claims.delete(key)
      }),
  })
  return { layer, claims }
}

/** An idempotency record as the memory store keeps it. */
export interface IdempotencyRecord {
  readonly fingerprint: string
  readonly expiresAt: string
  readonly response?: StoredResponse
}

/** Reads "now" from the Clock, as the DynamoDB store does: a record expired before it is free for the next request. */
export const memoryIdempotency = (options: { readonly fail?: TransientError } = {}) => {
  const records = new Map<string, IdempotencyRecord>()
  const call = guarded(options.fail)
  const layer = Layer.effect(
    IdempotencyStore,
    Effect.map(Clock, (clock) => ({
      begin: (key: string, fingerprint: string, expiresAt: string) =>
        call((): IdempotencyBegin => {
          const record = records.get(key)
          if (!record || record.expiresAt < clock.now()) {
            records.set(key, { fingerprint, expiresAt })
            return { kind: 'new' }
          }
          if (record.fingerprint !== fingerprint) return { kind: 'mismatch' }
          return record.response ? { kind: 'completed', response: record.response } : { kind: 'in-progress' }
        }),
      complete: (key: string, response: StoredResponse) =>
        call(() => {
          const record = records.get(key)
          if (record) records.set(key, { ...record, response })
        }),
      release: (key: string) =>
        call(() => {
          if (!records.get(key)?.response) records.delete(key)
        }),
    })),
  )
  return { layer, records }
}

/**
 * Records every batch it is given. Like PutEvents, it takes an entry for a bus in `buses` (the pipeline bus
 * `busName` by default, where an entry that names none goes) and refuses the others, failing the call with a
 * TransientError once the accepted entries are published.
 */
export const memoryPublisher = (
  options: { readonly busName?: string; readonly buses?: ReadonlyArray<string>; readonly fail?: TransientError } = {},
) => {
  const busName = options.busName ?? 'pipeline'
  const buses = new Set(options.buses ?? [busName])
  const published: PutEventsEntry[] = []
  const batches: Array<ReadonlyArray<PutEventsEntry>> = []
  const call = guarded(options.fail)
  const layer = Layer.succeed(EventPublisher, {
    publish: (entries) =>
      Effect.flatMap(
        call(() => {
          const accepted = entries.filter((entry) => buses.has(entry.EventBusName ?? busName))
          if (accepted.length > 0) batches.push(accepted)
          published.push(...accepted)
          return entries.filter((entry) => !accepted.includes(entry))
        }),
        (refused) =>
          refused.length === 0
            ? Effect.void
            : Effect.fail(
                new TransientError({
                  operation: 'EventPublisher.publish',
                  message: refused.map((entry) => `Event bus ${entry.EventBusName} does not exist.`).join('; '),
                }),
              ),
      ),
  })
  return { layer, published, batches, busName }
}

/**
 * Image records by key, with the port's condition: write when no record stands, when it is another version (another
 * etag), or to upgrade a FAILED record of this version to PROCESSED. `writes` lists what was written, in order.
 */
export const memoryImageTable = (
  options: { readonly records?: ReadonlyArray<ImageRecord>; readonly fail?: TransientError } = {},
) => {
  const records = new Map((options.records ?? []).map((record) => [record.key, record]))
  const writes: ImageRecord[] = []
  const call = guarded(options.fail)
  const layer = Layer.succeed(ImageTable, {
    get: (key) => call(() => records.get(key)),
    putVersion: (record) =>
      call((): ConditionalWrite => {
        const existing = records.get(record.key)
        const write =
          !existing || existing.etag !== record.etag || (existing.status === 'FAILED' && record.status === 'PROCESSED')
        if (!write) return { written: false, existing }
        records.set(record.key, record)
        writes.push(record)
        return { written: true }
      }),
  })
  return { layer, records, writes }
}

/**
 * In-memory versions of every port the order, user, change, import and maintenance steps use, with a fixed Clock
 * (`now`) and PipelineConfig. Each exposes its state for assertions.
 */
export const memoryServices = (
  options: { now?: string; busName?: string; deadLetterDepths?: Array<{ name: string; depth: number }> } = {},
) => {
  const search = memorySearchIndex()
  const checkpoints = memoryCheckpoints()
  const now = options.now ?? '2026-06-01T12:00:00.000Z'
  const orders = memoryOrderTable()
  const users = memoryUserTable()
  const publisher = memoryPublisher(options.busName === undefined ? {} : { busName: options.busName })
  const ledger = memoryLedger()
  const idempotency = memoryIdempotency()
  const images = memoryImageTable()
  const clock = ClockFixed(now)

  const layer = Layer.mergeAll(
    orders.layer,
    users.layer,
    search.layer,
    checkpoints.layer,
    publisher.layer,
    ledger.layer,
    Layer.provide(idempotency.layer, clock),
    images.layer,
    Layer.succeed(QueueDepths, { deadLetterDepths: () => Effect.succeed(options.deadLetterDepths ?? []) }),
    Layer.succeed(PipelineConfig, {
      maxImageBytes: 25 * 1024 * 1024,
      maxImagePixels: 50_000_000,
      busName: publisher.busName,
    }),
    clock,
  )
  return {
    layer,
    orders: orders.orders,
    users: users.users,
    documents: search.documents,
    versions: search.versions,
    checkpoints: checkpoints.values,
    published: publisher.published,
    ledger: ledger.claims,
    idempotency: idempotency.records,
    images: images.records,
  }
}
