import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { InvocationRecorder, stepStatistics } from '../../../../../infra/local/lambda/invocation-metrics'

describe('InvocationRecorder and stepStatistics', () => {
  let dir: string
  let db: DatabaseSync
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'invocations-'))
    db = openDatabase(dir)
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("records each invocation with its error tag, marks only a function's first one cold, and passes results and errors through", async () => {
    const recorder = new InvocationRecorder(db)
    const failure = Object.assign(new Error('no'), { name: 'UnsupportedImage' })

    await expect(recorder.measure('ValidateImageStep', async () => 'ok')).resolves.toBe('ok')
    await expect(
      recorder.measure('ValidateImageStep', async () => {
        throw failure
      }),
    ).rejects.toBe(failure)
    await recorder.measure('ResizeImageStep', async () => 1)
    recorder.flush()

    const rows = db.prepare('SELECT function, error, cold FROM invocations ORDER BY rowid').all()
    expect(rows).toEqual([
      { function: 'ValidateImageStep', error: null, cold: 1 },
      { function: 'ValidateImageStep', error: 'UnsupportedImage', cold: 0 },
      { function: 'ResizeImageStep', error: null, cold: 1 },
    ])
  })

  it('writes the invocations of one turn of the event loop in one batch', async () => {
    const recorder = new InvocationRecorder(db)
    await Promise.all(Array.from({ length: 50 }, () => recorder.measure('IndexStep', async () => undefined)))
    expect((db.prepare('SELECT COUNT(*) AS n FROM invocations').get() as { n: number }).n).toBe(0)

    await new Promise((resolve) => setImmediate(resolve))

    expect((db.prepare('SELECT COUNT(*) AS n FROM invocations').get() as { n: number }).n).toBe(50)
  })

  it('sums invocations, errors and cold starts per function inside the window, with duration percentiles', () => {
    const insert = db.prepare(
      'INSERT INTO invocations (function, started_ms, duration_ms, error, cold) VALUES (?, ?, ?, ?, ?)',
    )
    for (let i = 1; i <= 100; i += 1)
      insert.run('PersistImageStep', 1000 + i, i, i % 10 === 0 ? 'TransientError' : null, i === 1 ? 1 : 0)
    insert.run('PersistImageStep', 5000, 999, null, 0)
    insert.run('NotifyStep', 1500, 3, null, 1)

    const stats = stepStatistics(db, 1000, 2000)

    expect(stats).toEqual([
      { step: 'NotifyStep', invocations: 1, errors: 0, coldStarts: 1, p50Ms: 3, p95Ms: 3, p99Ms: 3 },
      { step: 'PersistImageStep', invocations: 100, errors: 10, coldStarts: 1, p50Ms: 50, p95Ms: 95, p99Ms: 99 },
    ])
  })

  it('forgets invocations older than a week', () => {
    const now = Date.parse('2026-03-10T00:00:00Z')
    const insert = db.prepare(
      "INSERT INTO invocations (function, started_ms, duration_ms, error, cold) VALUES ('IndexStep', ?, 1, NULL, 0)",
    )
    for (const daysAgo of [8, 7.5, 6.9, 0]) insert.run(now - daysAgo * 86_400_000)

    expect(new InvocationRecorder(db).purge(now)).toBe(2)
    expect((db.prepare('SELECT COUNT(*) AS n FROM invocations').get() as { n: number }).n).toBe(2)
  })

  it.each([
    ['one invocation', [7], { p50Ms: 7, p95Ms: 7, p99Ms: 7 }],
    ['four', [4, 1, 3, 2], { p50Ms: 2, p95Ms: 4, p99Ms: 4 }],
    ['ten', [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], { p50Ms: 5, p95Ms: 10, p99Ms: 10 }],
    ['twenty, by tenths', Array.from({ length: 20 }, (_, i) => (i + 1) / 10), { p50Ms: 1, p95Ms: 1.9, p99Ms: 2 }],
  ])('picks percentiles by nearest rank (ceil(q × n)) of %s', (_name, durations, expected) => {
    const insert = db.prepare(
      "INSERT INTO invocations (function, started_ms, duration_ms, error, cold) VALUES ('IndexStep', 1, ?, NULL, 0)",
    )
    for (const duration of durations) insert.run(duration)

    expect(stepStatistics(db, 0, 10)[0]).toMatchObject(expected)
  })
})
