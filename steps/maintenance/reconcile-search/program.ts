import { Effect } from 'effect'
import type { TransientError } from '../../../contracts/errors'
import type { SearchDocument } from '../../../contracts/images'
import { orderDocument, userDocument } from '../../changes/documents'
import { OrderTable, type Page } from '../../services/order-table'
import { SearchIndex } from '../../services/search-index'
import { UserTable } from '../../services/user-table'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { ScheduledRun } from '../schedule'

/** Records read per table request. */
export const ReconcilePageSize = 100

type ReadPage<A, R> = (page: {
  readonly limit: number
  readonly cursor?: string
}) => Effect.Effect<Page<A>, TransientError, R>

/**
 * Makes the documents of one kind agree with one table: a record without its document gets one, a document
 * without its record goes. The indexed ids are read before the scan, so a record written during the scan and
 * indexed meanwhile is never taken for an orphan. Only ids are kept in memory, never the whole table.
 */
const reconcileKind = <A, R>(kind: string, readPage: ReadPage<A, R>, toDocument: (record: A) => SearchDocument) =>
  Effect.gen(function* () {
    const index = yield* SearchIndex
    const indexed = new Set(yield* index.listIds(kind))
    const existing = new Set<string>()
    let upserted = 0
    let cursor: string | undefined
    do {
      const page: Page<A> = yield* readPage(
        cursor === undefined ? { limit: ReconcilePageSize } : { limit: ReconcilePageSize, cursor },
      )
      for (const record of page.items) {
        const document = toDocument(record)
        existing.add(document.id)
        if (indexed.has(document.id)) continue
        yield* index.upsert(document)
        upserted += 1
      }
      cursor = page.next
    } while (cursor !== undefined)
    const orphans = [...indexed].filter((id) => !existing.has(id))
    yield* Effect.forEach(orphans, (id) => index.remove(id), { discard: true })
    return { upserted, removed: orphans.length }
  })

/**
 * Repairs what a lost or failed change left behind in the search index, for orders and users alike.
 * Documents that exist are left as they are: keeping them current is the change workflow's job.
 */
export const reconcileSearch = defineStep({
  name: StepNames.reconcileSearch,
  input: ScheduledRun,
  run: () =>
    Effect.gen(function* () {
      const orders = yield* OrderTable
      const users = yield* UserTable
      const ofOrders = yield* reconcileKind('order', orders.scan, orderDocument)
      const ofUsers = yield* reconcileKind('user', users.list, userDocument)
      return { upserted: ofOrders.upserted + ofUsers.upserted, removed: ofOrders.removed + ofUsers.removed }
    }),
})
