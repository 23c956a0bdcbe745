import type { DatabaseSync } from 'node:sqlite'
import { RowBatch } from '../kernel/row-batch'
import type { StepMetrics } from '../../console/port'

/** How long invocations are kept for metrics: a week, the longest window the console offers comfortably. */
export const InvocationRetentionMs = 7 * 86_400_000

type InvocationRow = [fn: string, startedMs: number, durationMs: number, error: string | null, cold: number]

/**
 * Records every function invocation the runtime makes, as Lambda's Invocations, Errors and Duration metrics
 * count them, plus cold starts (the first invocation of a function since the runtime started). It sits on the
 * path of every step, so rows are batched (`RowBatch`).
 */
export class InvocationRecorder {
  private readonly warm = new Set<string>()
  private readonly rows: RowBatch<InvocationRow>

  constructor(private readonly db: DatabaseSync) {
    this.rows = new RowBatch(
      db,
      'INSERT INTO invocations (function, started_ms, duration_ms, error, cold) VALUES (?, ?, ?, ?, ?)',
    )
  }

  /** Runs one invocation and records it; the error's name is its tag, as Lambda's `errorType`. */
  async measure<T>(fn: string, invoke: () => Promise<T>): Promise<T> {
    const cold = !this.warm.has(fn)
    this.warm.add(fn)
    const startedMs = Date.now()
    const start = performance.now()
    try {
      const result = await invoke()
      this.rows.push([fn, startedMs, performance.now() - start, null, cold ? 1 : 0])
      return result
    } catch (error) {
      this.rows.push([
        fn,
        startedMs,
        performance.now() - start,
        error instanceof Error ? error.name : 'Error',
        cold ? 1 : 0,
      ])
      throw error
    }
  }

  /** Forgets invocations older than the retention, so the table stays as small as the windows anyone reads. */
  purge(now = Date.now()): number {
    return Number(
      this.db.prepare('DELETE FROM invocations WHERE started_ms < ?').run(now - InvocationRetentionMs).changes,
    )
  }

  /** Writes what is pending now (and at shutdown, before the database closes). */
  flush(): void {
    this.rows.flush()
  }
}

/** One step's figures over a window, as the console shows them. */
export type StepStatistics = StepMetrics

const rounded = (value: number | null) => (value === null ? undefined : Math.round(value * 10) / 10)

/** The nearest rank of quantile `q` among `n` sorted values (CloudWatch's pNN): ceil(q × n), at least 1. */
const rank = (q: number) => `max(1, CAST(${q} * n AS INTEGER) + (${q} * n > CAST(${q} * n AS INTEGER)))`

/**
 * Per function: invocations, errors, cold starts and duration percentiles over invocations started in [fromMs, toMs).
 * Ranked and picked inside SQLite, so a day of invocations comes back as one row per function.
 */
export const stepStatistics = (db: DatabaseSync, fromMs: number, toMs: number): ReadonlyArray<StepStatistics> => {
  const rows = db
    .prepare(
      `WITH ranked AS (
      SELECT function, duration_ms, error, cold,
        ROW_NUMBER() OVER (PARTITION BY function ORDER BY duration_ms) AS position,
        COUNT(*) OVER (PARTITION BY function) AS n
      FROM invocations WHERE started_ms >= ? AND started_ms < ?)
    SELECT function, COUNT(*) AS invocations, SUM(error IS NOT NULL) AS errors, SUM(cold) AS cold_starts,
      MAX(CASE WHEN position = ${rank(0.5)} THEN duration_ms END) AS p50,
      MAX(CASE WHEN position = ${rank(0.95)} THEN duration_ms END) AS p95,
      MAX(CASE WHEN position = ${rank(0.99)} THEN duration_ms END) AS p99
    FROM ranked GROUP BY function ORDER BY function`,
    )
    .all(fromMs, toMs) as Array<{
    function: string
    invocations: number
    errors: number
    cold_starts: number
    p50: number | null
    p95: number | null
    p99: number | null
  }>
  return rows.map((row) => {
    const p50 = rounded(row.p50)
    const p95 = rounded(row.p95)
    const p99 = rounded(row.p99)
    return {
      step: row.function,
      invocations: row.invocations,
      errors: row.errors,
      coldStarts: row.cold_starts,
      ...(p50 === undefined ? {} : { p50Ms: p50 }),
      ...(p95 === undefined ? {} : { p95Ms: p95 }),
      ...(p99 === undefined ? {} : { p99Ms: p99 }),
    }
  })
}
