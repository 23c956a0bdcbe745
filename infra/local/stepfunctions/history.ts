import type { DatabaseSync } from 'node:sqlite'
import { allStates, type AslDefinition } from '../model/asl'
import { RowBatch } from '../kernel/row-batch'

/** The event logs aws-local-stepfunctions emits, as far as the recorder reads them. */
interface RunLog {
  readonly type: string
  readonly timestamp: number
  readonly input?: unknown
  readonly output?: unknown
  readonly Error?: string
  readonly Cause?: unknown
  readonly index?: number
  readonly state?: { readonly name: string; readonly type: string; readonly input?: unknown; readonly output?: unknown }
  readonly parentState?: { readonly name: string }
  readonly retry?: { readonly attempt: number }
}

/** One GetExecutionHistory event (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html). */
export interface HistoryEvent {
  readonly id: number
  readonly previousEventId: number
  readonly timestamp: string
  readonly type: string
  readonly [details: string]: unknown
}

const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null))

/** The Lambda-invoke resource of a task, shown the way Step Functions shows it (`resourceType: lambda`, `resource: invoke`). */
const resourceOf = (arn: string | undefined) => {
  const match = /^arn:aws:states:::([^:]+):(.+)$/.exec(arn ?? '')
  return match ? { resourceType: match[1], resource: match[2] } : { resourceType: 'lambda', resource: arn ?? '' }
}

type HistoryRow = [
  executionArn: string,
  id: number,
  previousId: number,
  timestamp: string,
  type: string,
  details: string,
]

/**
 * Writes history rows in batches (`RowBatch`): a running execution stays watchable (rows land within a tick) at a
 * fraction of the writes.
 */
export class HistoryWriter extends RowBatch<HistoryRow> {
  constructor(db: DatabaseSync) {
    super(
      db,
      'INSERT INTO history (execution_arn, id, previous_id, timestamp, type, details) VALUES (?, ?, ?, ?, ?, ?)',
    )
  }
}

/** The `Resource` of every Task state of a definition, by state name. */
export const taskResources = (definition: unknown): ReadonlyMap<string, string | undefined> =>
  new Map(allStates(definition as AslDefinition).map(([name, state]) => [name, state.Resource]))

/**
 * Translates the run's event logs into Step Functions history events and stores them as they happen, so a
 * running execution can be watched state by state. It also keeps the failure that ended the execution.
 */
export const historyRecorder = (
  writer: HistoryWriter,
  executionArn: string,
  resources: ReadonlyMap<string, string | undefined>,
  resumeAfter = 0,
) => {
  // A redriven run continues the history after its ExecutionRedriven event, which stands in for ExecutionStarted.
  let last = resumeAfter
  let failure: { error: string; cause: string } | undefined
  const add = (timestamp: number, type: string, details: Record<string, unknown>) => {
    const id = last + 1
    writer.push([executionArn, id, last, new Date(timestamp).toISOString(), type, JSON.stringify(details)])
    last = id
  }

  const record = (log: RunLog) => {
    const state = log.state
    const iteration = log.index === undefined ? {} : { iteration: log.index }
    switch (log.type) {
      case 'ExecutionStarted':
        if (resumeAfter > 0) return
        return add(log.timestamp, 'ExecutionStarted', { executionStartedEventDetails: { input: json(log.input) } })
      case 'ExecutionSucceeded':
        return add(log.timestamp, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output: json(log.output) },
        })
      case 'ExecutionFailed':
        failure = { error: log.Error ?? 'States.Runtime', cause: json(log.Cause ?? '') }
        return add(log.timestamp, 'ExecutionFailed', { executionFailedEventDetails: failure })
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        return add(log.timestamp, log.type === 'ExecutionAborted' ? 'ExecutionAborted' : 'ExecutionTimedOut', {})
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const details = {
          name: log.parentState?.name,
          index: log.index,
          ...(log.Error ? { error: log.Error, cause: json(log.Cause) } : {}),
        }
        return add(log.timestamp, log.type, {
          [`${log.type[0]!.toLowerCase()}${log.type.slice(1)}EventDetails`]: details,
        })
      }
      case 'StateEntered':
        add(log.timestamp, `${state!.type}StateEntered`, {
          stateEnteredEventDetails: { name: state!.name, input: json(state!.input) },
          ...iteration,
        })
        if (state!.type === 'Task')
          add(log.timestamp, 'TaskScheduled', {
            taskScheduledEventDetails: { ...resourceOf(resources.get(state!.name)), name: state!.name },
            ...iteration,
          })
        return
      case 'StateFailed':
        return add(log.timestamp, state!.type === 'Task' ? 'TaskFailed' : `${state!.type}StateFailed`, {
          [state!.type === 'Task' ? 'taskFailedEventDetails' : 'stateFailedEventDetails']: {
            ...(state!.type === 'Task' ? resourceOf(resources.get(state!.name)) : {}),
            name: state!.name,
            error: log.Error,
            cause: json(log.Cause),
          },
          ...iteration,
        })
      case 'StateRetried':
        return add(log.timestamp, 'TaskScheduled', {
          taskScheduledEventDetails: {
            ...resourceOf(resources.get(state!.name)),
            name: state!.name,
            retryAttempt: log.retry?.attempt,
          },
          ...iteration,
        })
      case 'StateCaught':
        return add(log.timestamp, 'StateCaught', { stateCaughtEventDetails: { name: state!.name }, ...iteration })
      case 'StateExited':
        return add(log.timestamp, `${state!.type}StateExited`, {
          stateExitedEventDetails: { name: state!.name, output: json(state!.output) },
          ...iteration,
        })
      default:
        return add(log.timestamp, log.type, {})
    }
  }

  return {
    record: (log: unknown) => record(log as RunLog),
    get failure() {
      return failure
    },
  }
}

/** Reads an execution's history back, oldest first. */
export const readHistory = (db: DatabaseSync, executionArn: string): ReadonlyArray<HistoryEvent> =>
  (
    db
      .prepare('SELECT id, previous_id, timestamp, type, details FROM history WHERE execution_arn = ? ORDER BY id')
      .all(executionArn) as Array<{ id: number; previous_id: number; timestamp: string; type: string; details: string }>
  ).map((row) => ({
    id: row.id,
    previousEventId: row.previous_id,
    timestamp: row.timestamp,
    type: row.type,
    ...JSON.parse(row.details),
  }))

export type StateStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CAUGHT'

/** One state as the console shows it: what happened to it in this execution, all Map iterations together. */
export interface StateSummary {
  name: string
  type: string
  status: StateStatus
  enteredAt: string
  exitedAt?: string
  durationMs?: number
  retries: number
  iterations: number
  error?: string
  cause?: string
}

const stateNameOf = (event: HistoryEvent): string | undefined => {
  for (const key of [
    'stateEnteredEventDetails',
    'stateExitedEventDetails',
    'taskFailedEventDetails',
    'stateFailedEventDetails',
    'stateCaughtEventDetails',
    'taskScheduledEventDetails',
  ]) {
    const details = event[key] as { name?: string } | undefined
    if (details?.name) return details.name
  }
  return undefined
}

/** When Map iterations disagree, the summary shows the worst of them. */
const severity: Record<StateStatus, number> = { SUCCEEDED: 0, RUNNING: 1, CAUGHT: 2, FAILED: 3 }

/** Folds a history into one line per state: status, timings, retries and the last error, Map iterations together. */
export const summarizeStates = (history: ReadonlyArray<HistoryEvent>): ReadonlyArray<StateSummary> => {
  const states = new Map<string, StateSummary>()
  const iterationStatus = new Map<string, Map<number | undefined, StateStatus>>()
  for (const event of history) {
    const name = stateNameOf(event)
    if (!name) continue
    const iteration = event.iteration as number | undefined
    const statuses = iterationStatus.get(name) ?? new Map<number | undefined, StateStatus>()
    iterationStatus.set(name, statuses)
    if (event.type.endsWith('StateEntered')) {
      const existing = states.get(name)
      if (existing) existing.iterations += 1
      else
        states.set(name, {
          name,
          type: event.type.replace(/StateEntered$/, ''),
          status: 'RUNNING',
          enteredAt: event.timestamp,
          retries: 0,
          iterations: 1,
        })
      statuses.set(iteration, 'RUNNING')
      continue
    }
    const state = states.get(name)
    if (!state) continue
    if (
      event.type === 'TaskScheduled' &&
      (event.taskScheduledEventDetails as { retryAttempt?: number }).retryAttempt !== undefined
    ) {
      state.retries += 1
      statuses.set(iteration, 'RUNNING')
    } else if (event.type === 'TaskFailed' || event.type.endsWith('StateFailed')) {
      const details = (event.taskFailedEventDetails ?? event.stateFailedEventDetails) as {
        error?: string
        cause?: string
      }
      statuses.set(iteration, 'FAILED')
      if (details.error !== undefined) state.error = details.error
      if (details.cause !== undefined) state.cause = details.cause
    } else if (event.type === 'StateCaught') {
      statuses.set(iteration, 'CAUGHT')
    } else if (event.type.endsWith('StateExited')) {
      if (statuses.get(iteration) === 'RUNNING') statuses.set(iteration, 'SUCCEEDED')
      state.exitedAt = event.timestamp
      state.durationMs = Date.parse(event.timestamp) - Date.parse(state.enteredAt)
    }
  }
  for (const state of states.values()) {
    const statuses = [...(iterationStatus.get(state.name)?.values() ?? [])]
    state.status = statuses.reduce<StateStatus>(
      (worst, status) => (severity[status] > severity[worst] ? status : worst),
      'SUCCEEDED',
    )
    // A Fail state has no exit event: reaching it is its whole job.
    if (state.type === 'Fail') state.status = 'FAILED'
  }
  return [...states.values()]
}
