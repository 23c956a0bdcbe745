import { Effect, Option, Schema } from 'effect'
import type { TransientError } from '../../../contracts/errors'
import type { SearchDocument, SearchKind } from '../../../contracts/search'
import { orderDocument, recordVersion, userDocument } from '../../changes/documents'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { Checkpoints } from '../../services/checkpoints'
import { now } from '../../services/clock'
import { OrderTable, type Page } from '../../services/order-table'
import { SearchIndex } from '../../services/search-index'
import { UserTable } from '../../services/user-table'

/** Records read per request, from a table or from the index. */
export const ReconcilePageSize = 100

/** The checkpoint item's name. */
export const ReconcileCheckpoint = 'reconcile-search'

/**
 * What the maintenance workflow passes: how often the reconciliation does work (the workflow runs every five
 * minutes; a run before `everyMinutes` have passed since the last one reads its checkpoint and stops), and how many
 * records of each table, and documents of each kind, one run goes through.
 */
export const ReconcileSearchRun = Schema.Struct({
  everyMinutes: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 7 * 24 * 60)), { default: () => 60 }),
  recordsPerRun: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100_000)), { default: () => 1000 }),
})
export type ReconcileSearchRun = typeof ReconcileSearchRun.Type

/** Where each walk stands between runs: absent at the start of a pass. */
const Walks = Schema.Struct({
  orderRecords: Schema.optional(Schema.String),
  orderDocuments: Schema.optional(Schema.String),
  userRecords: Schema.optional(Schema.String),
  userDocuments: Schema.optional(Schema.String),
})
type Walks = typeof Walks.Type
const Checkpoint = Schema.parseJson(Schema.Struct({ nextRunAt: Schema.String, walks: Walks }))

type ReadPage<A, R> = (page: {
  readonly limit: number
  readonly cursor?: string
}) => Effect.Effect<Page<A>, TransientError, R>

/** Pages through a walk from `cursor` until `budget` items or its end; answers where the next run resumes. */
const walk = <A, R, R2>(
  cursor: string | undefined,
  budget: number,
  readPage: ReadPage<A, R>,
  handle: (items: ReadonlyArray<A>) => Effect.Effect<number, TransientError, R2>,
) =>
  Effect.gen(function* () {
    let next = cursor
    let seen = 0
    let changed = 0
    do {
      const limit = Math.min(ReconcilePageSize, budget - seen)
      const page: Page<A> = yield* readPage(next === undefined ? { limit } : { limit, cursor: next })
      changed += yield* handle(page.items)
      seen += page.items.length
      next = page.next
    } while (next !== undefined && seen < budget)
    return { next, seen, changed }
  })

/** Records whose document is missing or older than the record get it (a write that loses to a newer one is `stale`). */
const repairDocuments =
  <A>(toDocument: (record: A) => SearchDocument, version: (record: A) => number) =>
  (records: ReadonlyArray<A>) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      const documents = records.map((record) => ({ doc: toDocument(record), version: version(record) }))
      const indexed = yield* index.versions(documents.map(({ doc }) => doc.id))
      const behind = documents.filter(({ doc, version }) => (indexed.get(doc.id) ?? -1) < version)
      const writes = yield* Effect.forEach(behind, ({ doc, version }) => index.upsert(doc, version), {
        concurrency: 8,
      })
      return writes.filter((write) => write === 'written').length
    })

/** Documents whose record is gone are removed, at the version after theirs. Records are read strongly consistent. */
const removeOrphans =
  <R>(kind: SearchKind, exists: (entityId: string) => Effect.Effect<boolean, TransientError, R>) =>
  (documents: ReadonlyArray<{ readonly id: string; readonly version: number }>) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      const removed = yield* Effect.forEach(
        documents,
        (document) =>
          Effect.flatMap(exists(document.id.slice(kind.length + 1)), (found) =>
            found
              ? Effect.succeed(false)
              : Effect.map(index.remove(document.id, document.version + 1), (write) => write === 'written'),
          ),
        { concurrency: 8 },
      )
      return removed.filter(Boolean).length
    })

/**
 * Repairs what a lost or failed change left behind in the search index, for orders and users, a bounded part at a
 * time: each run walks at most `recordsPerRun` records of each table (documents missing or older than their record are
 * written) and as many documents of each kind (documents whose record is gone are removed), from where the previous
 * run stopped, and saves where it stopped in a checkpoint item. A whole pass over a million orders thus takes a
 * thousand runs; each run's cost and time stay the same whatever the size of the tables. Writes are conditional on
 * the record's version, so a run racing the change workflow never puts an older document back.
 */
export const reconcileSearch = defineStep({
  name: StepNames.reconcileSearch,
  input: ReconcileSearchRun,
  run: ({ everyMinutes, recordsPerRun }) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      if (index.disabled !== undefined) return { skipped: 'search is not deployed' }
      const checkpoints = yield* Checkpoints
      const at = yield* now
      const saved = Option.getOrUndefined(
        Schema.decodeUnknownOption(Checkpoint)((yield* checkpoints.read(ReconcileCheckpoint)) ?? ''),
      )
      if (saved !== undefined && at < saved.nextRunAt) return { skipped: 'not due', nextRunAt: saved.nextRunAt }
      const walks: Walks = saved?.walks ?? {}
      const orders = yield* OrderTable
      const users = yield* UserTable

      const orderRecords = yield* walk(
        walks.orderRecords,
        recordsPerRun,
        orders.scan,
        repairDocuments(orderDocument, recordVersion),
      )
      const orderDocuments = yield* walk(
        walks.orderDocuments,
        recordsPerRun,
        (page) => index.list('order', page),
        removeOrphans('order', (orderId) => Effect.map(orders.get(orderId), (order) => order !== undefined)),
      )
      const userRecords = yield* walk(
        walks.userRecords,
        recordsPerRun,
        users.list,
        repairDocuments(userDocument, recordVersion),
      )
      const userDocuments = yield* walk(
        walks.userDocuments,
        recordsPerRun,
        (page) => index.list('user', page),
        removeOrphans('user', (userId) => Effect.map(users.get(userId), (user) => user !== undefined)),
      )

      const nextRunAt = new Date(Date.parse(at) + everyMinutes * 60_000).toISOString()
      const resume: Walks = {
        ...(orderRecords.next === undefined ? {} : { orderRecords: orderRecords.next }),
        ...(orderDocuments.next === undefined ? {} : { orderDocuments: orderDocuments.next }),
        ...(userRecords.next === undefined ? {} : { userRecords: userRecords.next }),
        ...(userDocuments.next === undefined ? {} : { userDocuments: userDocuments.next }),
      }
      yield* checkpoints.write(ReconcileCheckpoint, Schema.encodeSync(Checkpoint)({ nextRunAt, walks: resume }))
      return {
        upserted: orderRecords.changed + userRecords.changed,
        removed: orderDocuments.changed + userDocuments.changed,
        read: {
          orders: orderRecords.seen,
          users: userRecords.seen,
          documents: orderDocuments.seen + userDocuments.seen,
        },
        // Which walks finished their pass in this run (their next run starts over).
        passed: Object.keys({ orderRecords, orderDocuments, userRecords, userDocuments }).filter(
          (name) => !(name in resume),
        ),
        nextRunAt,
      }
    }),
})
