import type { AnyEvent } from '../../../contracts/envelope'
import { UploadsPrefix } from '../../../contracts/sources'
import type { ExpressExecution, PipelineExtras, ReplayCounts } from '../../console/extras'
import type {
  EventQuery,
  EventSummary,
  ExecutionStatus,
  ExecutionSummary,
  ImageView,
  MetricsView,
  Page,
  WorkflowMetrics,
} from '../../console/port'
import { HttpError } from '../../http/errors'
import { compilePattern, InvalidEventPattern } from '../eventbridge/pattern'
import { stepStatistics } from '../lambda/invocation-metrics'
import type { LocalRuntime } from '../runtime'
import type { ExecutionRow } from '../stepfunctions/executor'
import { decodeCursor, encodeCursor } from './cursor'

const MaxLimit = 200
const DefaultLimit = 50
const HourMs = 3_600_000
/** The most points a metrics series has: buckets widen past a minute for windows over three hours. */
const MaxSeriesPoints = 180
const FailedStatuses = ['FAILED', 'ABORTED', 'TIMED_OUT']

const limitOf = (limit: number | undefined): number => {
  if (limit === undefined) return DefaultLimit
  if (!Number.isInteger(limit) || limit < 1 || limit > MaxLimit)
    throw new HttpError(400, 'InvalidParameter', `limit: must be an integer from 1 to ${MaxLimit}`)
  return limit
}

const timeOf = (value: string | undefined, field: string): number | undefined => {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new HttpError(400, 'InvalidParameter', `${field}: must be an ISO 8601 time`)
  return ms
}

const parsed = (text: string | null): unknown => {
  if (text === null) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Step Functions' status of an execution: one accepted and not started yet is RUNNING, as ListExecutions answers. */
const awsStatus = (status: string): Exclude<ExecutionStatus, 'PENDING'> =>
  (status === 'PENDING' ? 'RUNNING' : status) as Exclude<ExecutionStatus, 'PENDING'>

/**
 * The local runtime's extras, read in process (the console the local server mounts): the archive and the image
 * records from its tables, its invocation metrics, its Express executions (which it keeps as it keeps every
 * execution) and the events each replay counted.
 */
export const localExtras = (runtime: LocalRuntime): PipelineExtras => {
  const { db, executor } = runtime
  const machines = () => executor.stateMachines
  const machineByArn = (arn: string) => machines().find((machine) => machine.arn === arn)

  const summaryOf = (row: ExecutionRow): ExecutionSummary => {
    const startDate = row.start_date ?? row.created_at
    return {
      executionArn: row.arn,
      name: row.name,
      workflow: machineByArn(row.state_machine)?.name ?? row.workflow,
      status: awsStatus(row.status),
      startDate,
      ...(row.stop_date
        ? { stopDate: row.stop_date, durationMs: Date.parse(row.stop_date) - Date.parse(startDate) }
        : {}),
      ...(row.subject ? { subject: row.subject } : {}),
      redriveCount: row.redrive_count ?? 0,
    }
  }

  return {
    target: 'local',

    async events(query: EventQuery): Promise<Page<EventSummary>> {
      const limit = limitOf(query.limit)
      const fromMs = timeOf(query.from, 'from') ?? 0
      const toMs = timeOf(query.to, 'to') ?? Number.MAX_SAFE_INTEGER
      let matches: ((event: unknown) => boolean) | undefined
      if (query.pattern !== undefined) {
        try {
          matches = compilePattern(query.pattern)
        } catch (error) {
          if (error instanceof InvalidEventPattern)
            throw new HttpError(400, 'InvalidEventPattern', `pattern: ${error.message}`)
          throw error
        }
      }
      let before =
        query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(query.cursor, ['number'] as const)[0]
      const items: EventSummary[] = []
      const chunk = db.prepare(`SELECT seq, id, time, source, detail_type, replay_name, event FROM events
        WHERE seq < ? AND time_ms >= ? AND time_ms <= ? AND (? IS NULL OR source = ?) AND (? IS NULL OR detail_type = ?) ORDER BY seq DESC LIMIT 500`)
      // Newest first, scanned in chunks so a selective pattern still fills a page without reading the whole log.
      for (;;) {
        const rows = chunk.all(
          before,
          fromMs,
          toMs,
          query.source ?? null,
          query.source ?? null,
          query.detailType ?? null,
          query.detailType ?? null,
        ) as Array<{
          seq: number
          id: string
          time: string
          source: string
          detail_type: string
          replay_name: string | null
          event: string
        }>
        for (const row of rows) {
          before = row.seq
          if (matches && !matches(JSON.parse(row.event))) continue
          items.push({
            id: row.id,
            time: row.time,
            source: row.source,
            detailType: row.detail_type,
            ...(row.replay_name ? { replayName: row.replay_name } : {}),
          })
          if (items.length === limit) return { items, next: encodeCursor([row.seq]) }
        }
        if (rows.length < 500) return { items }
      }
    },

    async event(id) {
      const row = db.prepare('SELECT event FROM events WHERE id = ? ORDER BY seq DESC LIMIT 1').get(id) as
        { event: string } | undefined
      if (!row) throw new HttpError(404, 'EventDoesNotExist', `No event ${id}`)
      return JSON.parse(row.event) as AnyEvent
    },

    async metrics(window): Promise<MetricsView> {
      const toMs = timeOf(window.to, 'to') ?? Date.now()
      const fromMs = timeOf(window.from, 'from') ?? toMs - HourMs
      if (fromMs >= toMs) throw new HttpError(400, 'InvalidParameter', 'from: must be before to')
      runtime.invocations.flush()
      const bucketMs = Math.max(60_000, Math.ceil((toMs - fromMs) / MaxSeriesPoints / 60_000) * 60_000)
      const firstBucket = Math.floor(fromMs / bucketMs) * bucketMs
      const bucketCount = Math.ceil((toMs - firstBucket) / bucketMs)
      // Grouped by minute in SQL, so the rows read stay few whatever the number of executions; `+status` keeps the
      // planner on the stop-date index (the status index would read every finished execution ever).
      const rows = db
        .prepare(
          `SELECT state_machine, status, substr(stop_date, 1, 16) AS minute, COUNT(*) AS n FROM executions
        WHERE stop_date >= ? AND stop_date < ? AND +status IN ('SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT') GROUP BY state_machine, status, minute`,
        )
        .all(new Date(fromMs).toISOString(), new Date(toMs).toISOString()) as Array<{
        state_machine: string
        status: string
        minute: string
        n: number
      }>
      const workflows: WorkflowMetrics[] = machines().map((machine) => {
        const series = Array.from({ length: bucketCount }, (_, index) => ({
          start: new Date(firstBucket + index * bucketMs).toISOString(),
          succeeded: 0,
          failed: 0,
        }))
        for (const row of rows) {
          if (row.state_machine !== machine.arn) continue
          const point = series[Math.floor((Date.parse(`${row.minute}:00.000Z`) - firstBucket) / bucketMs)]
          if (!point) continue
          if (row.status === 'SUCCEEDED') point.succeeded += row.n
          else if (FailedStatuses.includes(row.status)) point.failed += row.n
        }
        const succeeded = series.reduce((sum, point) => sum + point.succeeded, 0)
        const failed = series.reduce((sum, point) => sum + point.failed, 0)
        return {
          workflow: machine.name,
          succeeded,
          failed,
          ...(succeeded + failed > 0 ? { successRate: succeeded / (succeeded + failed) } : {}),
          series,
        }
      })
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        steps: stepStatistics(db, fromMs, toMs),
        workflows,
      }
    },

    async images(query): Promise<Page<ImageView>> {
      const limit = limitOf(query.limit)
      const before =
        query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(query.cursor, ['number'] as const)[0]
      // Every upload, newest first; one whose current version has no record yet is PENDING.
      const rows = db
        .prepare(
          `SELECT o.rowid AS rowid, o.key AS key, o.etag AS etag, o.last_modified AS last_modified, i.etag AS record_etag, i.record AS record
        FROM objects o LEFT JOIN images i ON i.key = o.key
        WHERE o.rowid < ? AND o.bucket = ? AND substr(o.key, 1, ?) = ? ORDER BY o.rowid DESC LIMIT ?`,
        )
        .all(before, runtime.uploadBucket, UploadsPrefix.length, UploadsPrefix, limit + 1) as Array<{
        rowid: number
        key: string
        etag: string
        last_modified: string
        record_etag: string | null
        record: string | null
      }>
      const latestExecution = db.prepare(
        'SELECT name FROM executions WHERE subject = ? ORDER BY created_at DESC LIMIT 1',
      )
      const page = rows.slice(0, limit)
      const items = page.map((row): ImageView => {
        const current = row.record !== null && row.record_etag === row.etag
        const record = current
          ? (JSON.parse(row.record!) as {
              status?: string
              renditions?: Array<{ name: string; key: string }>
              updatedAt?: string
            })
          : undefined
        const execution = latestExecution.get(row.key) as { name: string } | undefined
        return {
          key: row.key,
          status: record === undefined ? 'PENDING' : record.status === 'PROCESSED' ? 'PROCESSED' : 'FAILED',
          thumbnails: (record?.renditions ?? []).map((rendition) => ({
            rendition: rendition.name,
            url: `/objects/${rendition.key.split('/').map(encodeURIComponent).join('/')}`,
          })),
          ...(execution ? { executionName: execution.name } : {}),
          updatedAt: record?.updatedAt ?? row.last_modified,
        }
      })
      const last = page[page.length - 1]
      return { items, ...(rows.length > limit && last ? { next: encodeCursor([last.rowid]) } : {}) }
    },

    async expressExecutions(query): Promise<Page<ExecutionSummary>> {
      const machine = machineByArn(query.stateMachineArn)
      if (!machine || machine.type !== 'EXPRESS')
        throw new HttpError(400, 'InvalidParameter', `workflow: ${query.stateMachineArn} is no Express workflow here`)
      const where = ['state_machine = ?']
      const values: Array<string | number> = [machine.arn]
      if (query.status === 'RUNNING') where.push("status IN ('PENDING', 'RUNNING')")
      else if (query.status !== undefined) {
        where.push('status = ?')
        values.push(query.status)
      }
      if (query.token !== undefined) {
        const [createdAt, rowid] = decodeCursor(query.token, ['string', 'number'] as const)
        where.push('(created_at, rowid) < (?, ?)')
        values.push(createdAt, rowid)
      }
      const rows = db
        .prepare(
          `SELECT rowid, * FROM executions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
        )
        .all(...values, query.limit + 1) as unknown as Array<ExecutionRow & { readonly rowid: number }>
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page.map(summaryOf),
        ...(rows.length > query.limit && last ? { next: encodeCursor([last.created_at, last.rowid]) } : {}),
      }
    },

    async expressExecution(nameOrArn): Promise<ExpressExecution | undefined> {
      const row = executor.find(nameOrArn)
      if (!row || machineByArn(row.state_machine)?.type !== 'EXPRESS') return undefined
      return {
        summary: summaryOf(row),
        stateMachineArn: row.state_machine,
        input: parsed(row.input),
        ...(row.output === null ? {} : { output: parsed(row.output) }),
        ...(row.error === null ? {} : { error: row.error }),
        ...(row.cause === null ? {} : { cause: row.cause }),
        history: executor.history(row.arn),
      }
    },

    async replayCounts(): Promise<ReadonlyMap<string, ReplayCounts>> {
      return new Map(
        runtime.replayer.list().map((replay) => [replay.name, { total: replay.total, replayed: replay.replayed }]),
      )
    },
  }
}
