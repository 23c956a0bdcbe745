import type { AnyEvent } from '../../../contracts/envelope'
import { UploadsPrefix } from '../../../contracts/sources'
import {
  type ConsoleData,
  type EventQuery,
  type EventSummary,
  type ExecutionDetail,
  type ExecutionQuery,
  type ExecutionStatus,
  type ExecutionSummary,
  type ImageView,
  type MetricsView,
  type Page,
  type ReplayProgress,
  type WorkflowMetrics,
} from '../../console/port'
import { stateDetails } from '../../console/state-outcomes'
import { decodeCursor, encodeCursor } from './cursor'
import { UnknownDeadLetterQueue } from '../sqs/dead-letters'
import { transaction } from '../kernel/db'
import { indexPendingExecutions } from '../stepfunctions/execution-search'
import type { ExecutionRow } from '../stepfunctions/executor'
import { ExecutionDoesNotExist, ExecutionNotRedrivable } from '../stepfunctions/errors'
import { stepStatistics } from '../lambda/invocation-metrics'
import { checkObjectKey, InvalidObjectKey } from '../s3/object-store'
import { compilePattern, InvalidEventPattern } from '../eventbridge/pattern'
import { ReplayRequestError, type ReplayView } from '../eventbridge/replays'
import type { LocalRuntime } from '../runtime'
import { HttpError } from '../../http/errors'

/** Rows the console reads: the runtime's execution row plus its sort key. */
type ExecutionListRow = ExecutionRow & { readonly rowid: number }

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

/** An FTS5 phrase: the text matched as it is, quotes doubled, never read as query syntax. */
const phrase = (text: string) => `"${text.replace(/"/g, '""')}"`

/** `ConsoleData` over the local runtime: its SQLite tables, executor, bus, replayer, dead letters and object store. */
export const localConsoleData = (runtime: LocalRuntime): ConsoleData => {
  const { db, executor } = runtime
  const machines = () => executor.stateMachines
  const machineByArn = (arn: string) => machines().find((machine) => machine.arn === arn)

  const summaryOf = (row: ExecutionRow): ExecutionSummary => {
    const startDate = row.start_date ?? row.created_at
    return {
      executionArn: row.arn,
      name: row.name,
      workflow: machineByArn(row.state_machine)?.name ?? row.workflow,
      status: row.status as ExecutionStatus,
      startDate,
      ...(row.stop_date
        ? { stopDate: row.stop_date, durationMs: Date.parse(row.stop_date) - Date.parse(startDate) }
        : {}),
      ...(row.subject ? { subject: row.subject } : {}),
      redriveCount: row.redrive_count ?? 0,
    }
  }

  const findExecution = (nameOrArn: string): ExecutionRow => {
    const row = db
      .prepare('SELECT * FROM executions WHERE arn = ? UNION ALL SELECT * FROM executions WHERE name = ? LIMIT 1')
      .get(nameOrArn, nameOrArn) as unknown as ExecutionRow | undefined
    if (!row) throw new HttpError(404, 'ExecutionDoesNotExist', `No execution ${nameOrArn}`)
    return row
  }

  const reread = (arn: string) =>
    summaryOf(db.prepare('SELECT * FROM executions WHERE arn = ?').get(arn) as unknown as ExecutionRow)

  /** The workflow column holds the workflow's tag (`image`); people and the page name it by state machine (`ImageWorkflow`). */
  const workflowTag = (workflow: string) =>
    machines().find((machine) => machine.name === workflow || machine.workflow === workflow || machine.arn === workflow)
      ?.workflow

  const replayProgress = (view: ReplayView): ReplayProgress => ({
    name: view.name,
    state: view.state,
    from: view.from,
    to: view.to,
    eventsTotal: view.total,
    eventsReplayed: view.replayed,
    ...(view.reason ? { reason: view.reason } : {}),
  })

  const replayCall = <T>(work: () => T): T => {
    try {
      return work()
    } catch (error) {
      if (error instanceof ReplayRequestError) throw new HttpError(error.status, error.code, error.message)
      throw error
    }
  }

  return {
    target: 'local',

    async workflows() {
      return machines().map((machine) => ({ name: machine.name, arn: machine.arn, type: machine.type }))
    },

    async workflow(name) {
      const machine = machines().find(
        (candidate) => candidate.name === name || candidate.arn === name || candidate.workflow === name,
      )
      if (!machine)
        throw new HttpError(
          404,
          'StateMachineDoesNotExist',
          `No workflow ${name} (workflows: ${machines()
            .map((candidate) => candidate.name)
            .join(', ')})`,
        )
      return { name: machine.name, arn: machine.arn, type: machine.type, definition: machine.definition }
    },

    async executions(query: ExecutionQuery): Promise<Page<ExecutionSummary>> {
      const limit = limitOf(query.limit)
      const where: string[] = []
      const values: Array<string | number> = []
      if (query.workflow !== undefined) {
        const tag = workflowTag(query.workflow)
        if (tag === undefined)
          throw new HttpError(
            400,
            'InvalidParameter',
            `workflow: no workflow ${query.workflow} (workflows: ${machines()
              .map((machine) => machine.name)
              .join(', ')})`,
          )
        where.push('workflow = ?')
        values.push(tag)
      }
      if (query.status !== undefined) {
        where.push('status = ?')
        values.push(query.status)
      }
      const fromMs = timeOf(query.from, 'from')
      const toMs = timeOf(query.to, 'to')
      // created_at is ISO 8601 in UTC to the millisecond, so its text order is its time order.
      if (fromMs !== undefined) {
        where.push('created_at >= ?')
        values.push(new Date(fromMs).toISOString())
      }
      if (toMs !== undefined) {
        where.push('created_at <= ?')
        values.push(new Date(toMs).toISOString())
      }
      const text = query.text?.trim()
      if (text) {
        // Trigrams find a text anywhere in the name, ARN or subject through an index; shorter texts are scanned.
        if ([...text].length >= 3) {
          indexPendingExecutions(db)
          where.push('rowid IN (SELECT rowid FROM executions_text WHERE executions_text MATCH ?)')
          values.push(phrase(text))
        } else {
          where.push("(instr(name, ?) > 0 OR instr(arn, ?) > 0 OR instr(COALESCE(subject, ''), ?) > 0)")
          values.push(text, text, text)
        }
      }
      if (query.cursor !== undefined) {
        const [createdAt, rowid] = decodeCursor(query.cursor, ['string', 'number'] as const)
        where.push('(created_at, rowid) < (?, ?)')
        values.push(createdAt, rowid)
      }
      const rows = db
        .prepare(
          `SELECT rowid, * FROM executions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
        )
        .all(...values, limit + 1) as unknown as ExecutionListRow[]
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      return {
        items: page.map(summaryOf),
        ...(rows.length > limit && last ? { next: encodeCursor([last.created_at, last.rowid]) } : {}),
      }
    },

    async execution(nameOrArn): Promise<ExecutionDetail> {
      const row = findExecution(nameOrArn)
      const definition = machineByArn(row.state_machine)?.definition ?? { StartAt: '', States: {} }
      const history = executor.history(row.arn)
      return {
        ...summaryOf(row),
        input: parsed(row.input),
        ...(row.output === null ? {} : { output: parsed(row.output) }),
        ...(row.error === null ? {} : { error: row.error }),
        ...(row.cause === null ? {} : { cause: row.cause }),
        workflowDefinition: definition,
        states: stateDetails(history, definition),
        history,
      }
    },

    async redriveExecution(nameOrArn) {
      const row = findExecution(nameOrArn)
      try {
        executor.redriveExecution(row.arn)
      } catch (error) {
        if (error instanceof ExecutionNotRedrivable) throw new HttpError(409, 'ExecutionNotRedrivable', error.message)
        if (error instanceof ExecutionDoesNotExist) throw new HttpError(404, 'ExecutionDoesNotExist', error.message)
        throw error
      }
      return reread(row.arn)
    },

    async startAgain(nameOrArn) {
      const row = findExecution(nameOrArn)
      if (!machineByArn(row.state_machine))
        throw new HttpError(409, 'StateMachineDoesNotExist', `The state machine of ${row.name} no longer exists`)
      const arn = transaction(db, () =>
        executor.enqueue(row.state_machine, JSON.parse(row.input), row.event_id ?? undefined),
      )
      executor.wake()
      return reread(arn)
    },

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

    async startReplay(request) {
      return replayProgress(
        replayCall(() =>
          runtime.replayer.start({
            from: request.from,
            to: request.to,
            ...(request.name === undefined ? {} : { name: request.name }),
          }),
        ),
      )
    },

    async replay(name) {
      const view = runtime.replayer.get(name)
      if (!view) throw new HttpError(404, 'ResourceNotFoundException', `No replay named ${name}`)
      return replayProgress(view)
    },

    async deadLetters() {
      return runtime.deadLetters.list()
    },

    async redriveDeadLetters(queue, ids) {
      try {
        return runtime.deadLetters.redrive(queue, ids)
      } catch (error) {
        if (error instanceof UnknownDeadLetterQueue) throw new HttpError(404, 'QueueDoesNotExist', error.message)
        throw error
      }
    },

    async deleteDeadLetter(queue, id) {
      let deleted: boolean
      try {
        deleted = runtime.deadLetters.delete(queue, id)
      } catch (error) {
        if (error instanceof UnknownDeadLetterQueue) throw new HttpError(404, 'QueueDoesNotExist', error.message)
        throw error
      }
      if (!deleted) throw new HttpError(404, 'MessageDoesNotExist', `No message ${id} in ${queue}`)
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

    async upload(key, body, contentType) {
      const fullKey = key.startsWith(UploadsPrefix) ? key : `${UploadsPrefix}${key}`
      try {
        checkObjectKey(fullKey)
      } catch (error) {
        if (error instanceof InvalidObjectKey) throw new HttpError(400, 'InvalidObjectKey', `key: ${error.message}`)
        throw error
      }
      const stored = runtime.store.put(runtime.uploadBucket, fullKey, body, contentType ?? 'application/octet-stream')
      return { bucket: stored.bucket, key: stored.key, etag: stored.etag, size: stored.size }
    },
  }
}
