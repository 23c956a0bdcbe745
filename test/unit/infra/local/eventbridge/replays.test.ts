import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import type { AnyEvent } from '../../../../../contracts/envelope'
import { listArchivedEvents, purgeExpiredArchive } from '../../../../../infra/local/eventbridge/archive'
import { LocalBus } from '../../../../../infra/local/eventbridge/bus'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { Replayer } from '../../../../../infra/local/eventbridge/replays'
import { LocalAccount, LocalRegion, type LocalModel } from '../../../../../infra/local/model/template'

const busArn = `arn:aws:events:${LocalRegion}:${LocalAccount}:event-bus/pipeline`
const stateMachineArn = `arn:aws:states:${LocalRegion}:${LocalAccount}:stateMachine:Orders`
const model: LocalModel = {
  buses: [{ name: 'pipeline', arn: busArn }],
  archives: [{ name: 'archive', busArn, pattern: null, retentionDays: 30 }],
  rules: [
    {
      name: 'StartOrders',
      bus: 'pipeline',
      pattern: { source: ['orders'] },
      targets: [{ id: 'Orders', arn: stateMachineArn, maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 }],
    },
    {
      name: 'AuditAll',
      bus: 'pipeline',
      pattern: { source: [{ prefix: '' }] },
      targets: [
        {
          id: 'Audit',
          arn: stateMachineArn.replace('Orders', 'Audit'),
          maximumRetryAttempts: 0,
          maximumEventAgeSeconds: 60,
        },
      ],
    },
  ],
  stateMachines: [],
  functions: [],
  queues: [],
  buckets: [],
}

let dataDir: string
let db: DatabaseSync
let started: Array<{ arn: string; event: AnyEvent }>
let bus: LocalBus

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'replays-test-'))
  db = openDatabase(dataDir)
  started = []
  bus = new LocalBus(db, model, {
    startExecution: (arn, event) => void started.push({ arn, event }),
    sendToQueue: () => undefined,
  })
})
afterEach(() => {
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** Puts one order event per time given, and forgets the deliveries they caused. */
const putOrders = (...times: string[]) => {
  for (const [n, time] of times.entries())
    bus.putEvents([
      {
        EventBusName: 'pipeline',
        Source: 'orders',
        DetailType: 'OrderPlaced',
        Detail: JSON.stringify({ n }),
        Time: time,
      },
    ])
  started.length = 0
}

describe('Replayer', () => {
  it('re-delivers the window [from, to) to every rule, each event once and marked with the replay name', async () => {
    putOrders('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z')
    const replayer = new Replayer(db, bus)

    replayer.start({ name: 'r1', from: '2026-01-01T00:30:00Z', to: '2026-01-01T02:00:00Z' })
    await replayer.settled('r1')

    expect(replayer.get('r1')).toMatchObject({ state: 'COMPLETED', total: 1, replayed: 1, rules: null })
    expect(
      started.map(({ arn, event }) => [arn.split(':').pop(), (event.detail as { n: number }).n, event['replay-name']]),
    ).toEqual([
      ['Orders', 1, 'r1'],
      ['Audit', 1, 'r1'],
    ])
    expect((db.prepare('SELECT COUNT(*) AS n FROM events WHERE archive IS NOT NULL').get() as { n: number }).n).toBe(3)
  })

  it('delivers to the named rules only', async () => {
    putOrders('2026-01-01T00:00:00Z')
    const replayer = new Replayer(db, bus)

    replayer.start({ name: 'r2', from: '2025-12-31T00:00:00Z', to: '2026-01-02T00:00:00Z', rules: ['AuditAll'] })
    await replayer.settled('r2')

    expect(started.map(({ arn }) => arn.split(':').pop())).toEqual(['Audit'])
  })

  it('resumes after a crash from the last event it delivered, neither skipping nor repeating one', async () => {
    // Prepare: a replay a crash left RUNNING after its first event.
    putOrders('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z')
    const firstSeq = (db.prepare('SELECT MIN(seq) AS seq FROM events').get() as { seq: number }).seq
    db.prepare(
      `INSERT INTO replays (name, archive, bus, from_ms, to_ms, rules, state, total, replayed, position, started_at)
      VALUES ('crashed', 'archive', 'pipeline', ?, ?, '["StartOrders"]', 'RUNNING', 3, 1, ?, '2026-01-01T03:00:00Z')`,
    ).run(Date.parse('2025-12-31T00:00:00Z'), Date.parse('2026-01-02T00:00:00Z'), firstSeq)

    // Act
    const replayer = new Replayer(db, bus)
    replayer.resume()
    await replayer.settled('crashed')

    // Assess
    expect(started.map(({ event }) => (event.detail as { n: number }).n)).toEqual([1, 2])
    expect(replayer.get('crashed')).toMatchObject({ state: 'COMPLETED', replayed: 3 })
  })

  it('stops before its next event once cancelled, and pauses (to resume later) when the runtime stops', async () => {
    putOrders('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z')
    const replayer = new Replayer(db, bus)

    replayer.start({ name: 'cancelled', from: '2025-12-31T00:00:00Z', to: '2026-01-02T00:00:00Z' })
    replayer.cancel('cancelled')
    replayer.start({ name: 'paused', from: '2025-12-31T00:00:00Z', to: '2026-01-02T00:00:00Z' })
    await replayer.stop()

    expect(started).toEqual([])
    expect(replayer.get('cancelled')).toMatchObject({ state: 'CANCELLED', replayed: 0 })
    expect(replayer.get('paused')).toMatchObject({ state: 'RUNNING', replayed: 0 })
  })
})

describe('archive retention and listing', () => {
  it('drops events older than the retention from the archive, and lists the rest by window, pattern and page', () => {
    const now = Date.parse('2026-03-01T00:00:00Z')
    putOrders('2026-01-01T00:00:00Z', '2026-02-20T00:00:00Z', '2026-02-21T00:00:00Z', '2026-02-22T00:00:00Z')

    const purged = purgeExpiredArchive(db, [{ name: 'archive', retentionDays: 30 }], now)
    const firstPage = listArchivedEvents(db, { limit: 2, matches: (event) => (event as AnyEvent).source === 'orders' })
    const secondPage = listArchivedEvents(db, { limit: 2, after: firstPage.next! })
    const window = listArchivedEvents(db, {
      limit: 10,
      fromMs: Date.parse('2026-02-21T00:00:00Z'),
      toMs: Date.parse('2026-02-22T00:00:00Z'),
    })

    expect(purged).toBe(1)
    expect(firstPage.events.map(({ event }) => (event as AnyEvent).time)).toEqual([
      '2026-02-20T00:00:00Z',
      '2026-02-21T00:00:00Z',
    ])
    expect(secondPage).toEqual({ events: [expect.objectContaining({ archive: 'archive' })] })
    expect(window.events.map(({ event }) => (event as AnyEvent).time)).toEqual(['2026-02-21T00:00:00Z'])
  })
})
