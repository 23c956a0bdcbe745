import { Effect, Exit, Layer } from 'effect'
import type { Order } from '../../../../contracts/orders'
import type { User } from '../../../../contracts/users'
import { orderDocument, userDocument } from '../../../../steps/changes/documents'
import {
  ReconcileCheckpoint,
  reconcileSearch,
  type ReconcileSearchRun,
} from '../../../../steps/maintenance/reconcile-search/program'
import { ClockFixed } from '../../../../steps/services/clock'
import { SearchIndex, SearchIndexDisabled } from '../../../../steps/services/search-index'
import { memoryServices } from '../../../support/memory-services'
import { Now, order, user } from './fixtures'

const pace: ReconcileSearchRun = { everyMinutes: 60, recordsPerRun: 1000 }
const minutesAfter = (minutes: number) => new Date(Date.parse(Now) + minutes * 60_000).toISOString()

const run = (services: ReturnType<typeof memoryServices>, options: { at?: string; input?: ReconcileSearchRun } = {}) =>
  Effect.runPromiseExit(
    reconcileSearch
      .run(options.input ?? pace)
      .pipe(Effect.provide(ClockFixed(options.at ?? Now)), Effect.provide(services.layer)),
  )

const seed = (
  services: ReturnType<typeof memoryServices>,
  {
    orders = [],
    users = [],
    documents = [],
  }: { orders?: Order[]; users?: User[]; documents?: Array<[ReturnType<typeof orderDocument>, number]> },
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      for (const record of orders) services.orders.set(record.orderId, record)
      for (const record of users) services.users.set(record.userId, record)
      const index = yield* SearchIndex
      for (const [document, version] of documents) yield* index.upsert(document, version)
    }).pipe(Effect.provide(services.layer)),
  )

const indexed = (services: ReturnType<typeof memoryServices>) =>
  Object.fromEntries([...services.documents.keys()].sort().map((id) => [id, services.versions.get(id)!.version]))

describe('reconcileSearch', () => {
  it.each<[string, Parameters<typeof seed>[1], { upserted: number; removed: number }, Record<string, number>]>([
    [
      'an empty index gets every order and user, at their versions',
      {
        orders: [order('ord-1', { version: 2 }), order('ord-2', { version: 1 })],
        users: [user('usr-1', { version: 3 })],
      },
      { upserted: 3, removed: 0 },
      { 'order:ord-1': 2, 'order:ord-2': 1, 'user:usr-1': 3 },
    ],
    [
      'an index in agreement stays as it is',
      {
        orders: [order('ord-1', { version: 2 })],
        users: [user('usr-1', { version: 1 })],
        documents: [
          [orderDocument(order('ord-1', { version: 2 })), 2],
          [userDocument(user('usr-1', { version: 1 })), 1],
        ],
      },
      { upserted: 0, removed: 0 },
      { 'order:ord-1': 2, 'user:usr-1': 1 },
    ],
    [
      'documents whose record is gone are removed',
      {
        orders: [order('ord-1')],
        documents: [
          [orderDocument(order('ord-1')), 0],
          [orderDocument(order('ord-gone')), 2],
          [userDocument(user('usr-gone')), 4],
        ],
      },
      { upserted: 0, removed: 2 },
      { 'order:ord-1': 0 },
    ],
    [
      'a document older than its record is rewritten; one newer than the record read is left alone',
      {
        orders: [
          order('ord-old', { version: 2, status: 'ACCEPTED' }),
          order('ord-new', { version: 1, status: 'PENDING' }),
        ],
        documents: [
          [orderDocument(order('ord-old', { version: 1, status: 'PENDING' })), 1],
          [orderDocument(order('ord-new', { version: 2, status: 'ACCEPTED' })), 2],
        ],
      },
      { upserted: 1, removed: 0 },
      { 'order:ord-new': 2, 'order:ord-old': 2 },
    ],
  ])('%s', async (_name, seeded, counts, versions) => {
    // Prepare
    const services = memoryServices({ now: Now })
    await seed(services, seeded)

    // Act
    const exit = await run(services)

    // Assess
    expect(exit).toEqual(Exit.succeed(expect.objectContaining(counts)))
    expect(indexed(services)).toEqual(versions)
  })

  it('keeps a removed document out: a later run does not bring it back from an older version', async () => {
    const services = memoryServices({ now: Now })
    await seed(services, { documents: [[userDocument(user('usr-gone')), 4]] })

    await run(services)
    const late = await Effect.runPromise(
      Effect.flatMap(SearchIndex, (index) => index.upsert(userDocument(user('usr-gone')), 4)).pipe(
        Effect.provide(services.layer),
      ),
    )

    expect(late).toBe('stale')
    expect(services.versions.get('user:usr-gone')).toEqual({ version: 5, removed: true })
  })

  it('works at most once per interval: a run before it is due reads its checkpoint and stops', async () => {
    const services = memoryServices({ now: Now })
    await seed(services, { orders: [order('ord-1')] })

    await run(services)
    services.orders.set('ord-2', order('ord-2'))
    const early = await run(services, { at: minutesAfter(30) })
    const due = await run(services, { at: minutesAfter(60) })

    expect(early).toEqual(Exit.succeed({ skipped: 'not due', nextRunAt: minutesAfter(60) }))
    expect(due).toEqual(Exit.succeed(expect.objectContaining({ upserted: 1, nextRunAt: minutesAfter(120) })))
    expect(Object.keys(indexed(services))).toEqual(['order:ord-1', 'order:ord-2'])
  })

  it('reads a bounded part of each table per run, resuming from its checkpoint until the pass is done', async () => {
    // Prepare: 250 orders, none indexed; 100 records per run
    const services = memoryServices({ now: Now })
    const orders = Array.from({ length: 250 }, (_, index) => order(`ord-${String(index).padStart(4, '0')}`))
    await seed(services, { orders })
    const input = { everyMinutes: 60, recordsPerRun: 100 }

    // Act: three due runs
    const runs = []
    for (const hour of [0, 1, 2]) runs.push(await run(services, { at: minutesAfter(hour * 60), input }))

    // Assess
    expect(
      runs.map((exit) => (Exit.isSuccess(exit) ? (exit.value as { read: { orders: number } }).read.orders : -1)),
    ).toEqual([100, 100, 50])
    expect(Object.keys(indexed(services))).toHaveLength(250)
    // The pass is over: the checkpoint holds no cursor for the orders, so the next run starts from the beginning.
    expect(JSON.parse(services.checkpoints.get(ReconcileCheckpoint)!)).toEqual({
      nextRunAt: minutesAfter(180),
      walks: { orderDocuments: expect.any(String) },
    })
  })

  it('skips cleanly when the stack has no search engine', async () => {
    const services = memoryServices({ now: Now })

    const exit = await Effect.runPromiseExit(
      reconcileSearch
        .run(pace)
        .pipe(
          Effect.provide(Layer.merge(SearchIndexDisabled('no search'), ClockFixed(Now))),
          Effect.provide(services.layer),
        ),
    )

    expect(exit).toEqual(Exit.succeed({ skipped: 'search is not deployed' }))
  })
})
