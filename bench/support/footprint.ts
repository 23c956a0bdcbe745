import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { median, round } from './stats'

/**
 * What a batch of work left in the runtime's durable state, per unit of work (an order, an image): the executions,
 * states and step durations, events, archive and log bytes the cost model prices. Read after the batch has drained,
 * for the executions created in [from, to).
 */
export interface TaskFootprint {
  readonly workflow: string
  readonly state: string
  /** Times the state ran per unit (a Map's iterations each count). */
  readonly perUnit: number
  readonly medianMs: number
}

export interface WorkflowFootprint {
  readonly workflow: string
  readonly executionsPerUnit: number
  readonly medianDurationMs: number
  /** Every state entered, as Standard workflows bill them. */
  readonly transitionsPerUnit: number
  /** The execution history with its data, as `LogLevel.ALL` with `includeExecutionData` sends it to CloudWatch Logs. */
  readonly logBytesPerUnit: number
  /** History events per unit: the log events level ALL sends, with or without their data. */
  readonly historyEventsPerUnit: number
}

/** Events of one kind on one bus, per unit: what EventBridge bills differently by source and bus. */
export interface EventKindFootprint {
  readonly bus: string
  readonly source: string
  readonly detailType: string
  readonly perUnit: number
  readonly meanBytes: number
}

export interface Footprint {
  readonly units: number
  readonly workflows: ReadonlyArray<WorkflowFootprint>
  readonly tasks: ReadonlyArray<TaskFootprint>
  readonly eventsPerUnit: number
  readonly meanEventBytes: number
  readonly eventsByKind: ReadonlyArray<EventKindFootprint>
  readonly archivedPerUnit: number
  readonly archivedBytesPerUnit: number
  readonly streamRecordsPerUnit: number
}

/**
 * `units` is the number of orders or images the batch was, or the name of a workflow that runs once per unit: then
 * its executions in the window are counted (this includes work the server accepted but the client gave up waiting for).
 */
export const readFootprint = (
  dataDir: string,
  fromIso: string,
  toIso: string,
  unitsOrWorkflow: number | string,
): Footprint => {
  const db = new DatabaseSync(path.join(dataDir, 'pipeline.db'), { readOnly: true })
  try {
    const executions = db
      .prepare('SELECT arn, workflow, start_date, stop_date FROM executions WHERE created_at >= ? AND created_at < ?')
      .all(fromIso, toIso) as Array<{
      arn: string
      workflow: string
      start_date: string | null
      stop_date: string | null
    }>
    const workflowOf = new Map(executions.map((row) => [row.arn, row.workflow]))
    const units = Math.max(
      1,
      typeof unitsOrWorkflow === 'number'
        ? unitsOrWorkflow
        : executions.filter((row) => row.workflow === unitsOrWorkflow).length,
    )
    const history = db
      .prepare(
        `SELECT h.execution_arn AS arn, h.type AS type, h.timestamp AS timestamp, LENGTH(h.details) AS bytes,
        COALESCE(json_extract(h.details, '$.stateEnteredEventDetails.name'), json_extract(h.details, '$.stateExitedEventDetails.name')) AS name
      FROM history h JOIN executions e ON e.arn = h.execution_arn WHERE e.created_at >= ? AND e.created_at < ? ORDER BY h.execution_arn, h.id`,
      )
      .all(fromIso, toIso) as Array<{
      arn: string
      type: string
      timestamp: string
      bytes: number
      name: string | null
    }>

    const transitions = new Map<string, number>()
    const logBytes = new Map<string, number>()
    const historyEvents = new Map<string, number>()
    const entered = new Map<string, number[]>()
    const taskDurations = new Map<string, number[]>()
    // A CloudWatch log event carries the history event's JSON plus its envelope (ids, timestamp, execution ARN): ~250 bytes.
    const envelopeBytes = 250
    for (const row of history) {
      const workflow = workflowOf.get(row.arn)!
      logBytes.set(workflow, (logBytes.get(workflow) ?? 0) + row.bytes + envelopeBytes)
      historyEvents.set(workflow, (historyEvents.get(workflow) ?? 0) + 1)
      if (row.type.endsWith('StateEntered')) transitions.set(workflow, (transitions.get(workflow) ?? 0) + 1)
      if (row.type === 'TaskStateEntered') {
        const key = `${row.arn}|${row.name}`
        entered.set(key, [...(entered.get(key) ?? []), Date.parse(row.timestamp)])
      } else if (row.type === 'TaskStateExited') {
        const started = entered.get(`${row.arn}|${row.name}`)?.shift()
        if (started === undefined) continue
        const key = `${workflow}\n${row.name}`
        taskDurations.set(key, [...(taskDurations.get(key) ?? []), Date.parse(row.timestamp) - started])
      }
    }
    const byWorkflow = new Map<string, number[]>()
    for (const row of executions) {
      const duration =
        row.start_date && row.stop_date ? Date.parse(row.stop_date) - Date.parse(row.start_date) : Number.NaN
      byWorkflow.set(row.workflow, [...(byWorkflow.get(row.workflow) ?? []), duration])
    }
    const secondsFrom = fromIso.replace(/\.\d{3}Z$/, 'Z')
    const secondsTo = toIso.replace(/\.\d{3}Z$/, 'Z')
    const events = db
      .prepare(
        `SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(event)), 0) AS bytes, COALESCE(SUM(archive IS NOT NULL), 0) AS archived,
      COALESCE(SUM(CASE WHEN archive IS NOT NULL THEN LENGTH(event) ELSE 0 END), 0) AS archivedBytes FROM events WHERE time >= ? AND time <= ?`,
      )
      .get(secondsFrom, secondsTo) as { n: number; bytes: number; archived: number; archivedBytes: number }
    const kinds = db
      .prepare(
        `SELECT bus, source, detail_type AS detailType, COUNT(*) AS n, SUM(LENGTH(event)) AS bytes FROM events
      WHERE time >= ? AND time <= ? GROUP BY bus, source, detail_type ORDER BY bus, source, detail_type`,
      )
      .all(secondsFrom, secondsTo) as Array<{
      bus: string
      source: string
      detailType: string
      n: number
      bytes: number
    }>
    // Stream records carry no time: the share of all of them that this batch's table writes make is not separable, so
    // the rate over the whole run is used (every unit of a run does the same writes).
    const streams = db.prepare('SELECT COUNT(*) AS n FROM stream_records').get() as { n: number }
    const allOrders = db
      .prepare("SELECT COUNT(*) AS n FROM table_items WHERE json_extract(item, '$.orderId') IS NOT NULL")
      .get() as { n: number }
    return {
      units,
      workflows: [...byWorkflow].map(([workflow, durations]) => ({
        workflow,
        executionsPerUnit: round(durations.length / units, 3),
        medianDurationMs: round(median(durations.filter((value) => !Number.isNaN(value)))),
        transitionsPerUnit: round((transitions.get(workflow) ?? 0) / units, 3),
        logBytesPerUnit: Math.round((logBytes.get(workflow) ?? 0) / units),
        historyEventsPerUnit: round((historyEvents.get(workflow) ?? 0) / units, 3),
      })),
      tasks: [...taskDurations].map(([key, values]) => {
        const [workflow, state] = key.split('\n') as [string, string]
        return { workflow, state, perUnit: round(values.length / units, 3), medianMs: round(median(values)) }
      }),
      eventsPerUnit: round(events.n / units, 3),
      meanEventBytes: Math.round(events.bytes / Math.max(1, events.n)),
      eventsByKind: kinds.map((kind) => ({
        bus: kind.bus,
        source: kind.source,
        detailType: kind.detailType,
        perUnit: round(kind.n / units, 3),
        meanBytes: Math.round(kind.bytes / kind.n),
      })),
      archivedPerUnit: round(events.archived / units, 3),
      archivedBytesPerUnit: Math.round(events.archivedBytes / units),
      streamRecordsPerUnit: round(streams.n / Math.max(1, allOrders.n), 3),
    }
  } finally {
    db.close()
  }
}
