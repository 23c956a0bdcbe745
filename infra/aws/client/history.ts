import type { HistoryEvent, StateSummary } from '../../../contracts/executions'

/*
 * Step Functions' own history (GetExecutionHistory, https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html)
 * names a state only on its `*StateEntered` and `*StateExited` events. Everything in between (TaskScheduled,
 * TaskFailed, LambdaFunctionFailed...) points at the event before it by `previousEventId`, retries show as another
 * TaskScheduled after a TaskFailed, a failure a Catch handled as TaskFailed then the state's exit (there is no
 * StateCaught event), and Map iterations as MapIterationStarted/Succeeded/Failed carrying the Map's name and an index.
 *
 * `infra/local/history.ts` cannot read that: its `summarizeStates` folds the local runtime's history, which names the
 * state on every event and adds `iteration`, `retryAttempt` and `StateCaught`. Importing it would also load the
 * runtime's ASL and SQLite modules. This fold gives the same summary, with the same rules:
 * - one line per state name, in the order first entered; `iterations` counts its entries;
 * - per Map iteration the state's status is RUNNING, SUCCEEDED, FAILED or CAUGHT, and the line shows the worst of them
 *   (outside a Map, a later entry replaces an earlier one); a Fail state is FAILED;
 * - `retries` counts the attempts after the first; error and cause are the last failure's;
 * - the duration runs from the first entry to the last exit.
 */

type Status = StateSummary['status']
type Summary = { -readonly [K in keyof StateSummary]: StateSummary[K] } & { iterations: number }

/** When Map iterations disagree, the summary shows the worst of them (as the local runtime does). */
const severity: Record<Status, number> = { SUCCEEDED: 0, RUNNING: 1, CAUGHT: 2, FAILED: 3 }

/** One entry into a state: what its unnamed events (task scheduled, failed...) belong to. */
interface Entry {
  readonly summary: Summary
  /** The Map iteration it runs in ('' outside any Map). */
  readonly scope: string
  attempts: number
  open: boolean
}

/** The events that start an attempt at the work of a Task (a second one in the same entry is a retry). */
const scheduled = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled'])

/** The events that say a state's work failed; their details carry `error` and `cause`. */
const failure =
  /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$|^(Map|Parallel)StateFailed$|^MapRunFailed$|^EvaluationFailed$|StateFailed$/

/** The details object of an event: `taskFailedEventDetails` for `TaskFailed`. */
const detailsOf = (event: HistoryEvent): Record<string, unknown> | undefined => {
  const details =
    event[`${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`] ?? event.stateFailedEventDetails
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value === undefined || value === null ? undefined : JSON.stringify(value)

/** Folds a Step Functions execution history into one line per state: status, timings, retries and the last error. */
export const summarizeHistory = (history: ReadonlyArray<HistoryEvent>): ReadonlyArray<StateSummary> => {
  const summaries = new Map<string, Summary>()
  /** Per state name, its status in each Map iteration. */
  const statuses = new Map<string, Map<string, Status>>()
  /** What each event belongs to: the state entry, and for a MapIterationStarted the iteration it opens. */
  const owners = new Map<number, { readonly entry?: Entry; readonly iteration?: string }>()
  const entries: Entry[] = []
  let lastFailure: { error?: string; cause?: string } | undefined

  const setStatus = (entry: Entry, status: Status) => statuses.get(entry.summary.name)?.set(entry.scope, status)
  const statusOf = (entry: Entry) => statuses.get(entry.summary.name)?.get(entry.scope)
  /** The most recent entry still open, of this name or (without one) of this state type. */
  const openEntry = (name: string | undefined, type?: string): Entry | undefined => {
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const entry = entries[index]!
      if (entry.open && (name === undefined ? entry.summary.type === type : entry.summary.name === name)) return entry
    }
    return undefined
  }

  for (const event of [...history].sort((a, b) => a.id - b.id)) {
    const details = detailsOf(event)
    const previous = event.previousEventId === undefined ? undefined : owners.get(event.previousEventId)

    if (event.type.endsWith('StateEntered')) {
      const name = text((event.stateEnteredEventDetails as { name?: unknown } | undefined)?.name)
      if (name === undefined) continue
      // The first state of an iteration follows its MapIterationStarted; any other follows a state of its own scope.
      const scope = previous?.iteration ?? previous?.entry?.scope ?? ''
      let summary = summaries.get(name)
      if (summary) summary.iterations += 1
      else {
        summary = {
          name,
          type: event.type.replace(/StateEntered$/, ''),
          status: 'RUNNING',
          enteredAt: event.timestamp,
          retries: 0,
          iterations: 1,
        }
        summaries.set(name, summary)
        statuses.set(name, new Map())
      }
      const entry: Entry = { summary, scope, attempts: 0, open: true }
      entries.push(entry)
      setStatus(entry, 'RUNNING')
      owners.set(event.id, { entry })
      continue
    }

    if (event.type.endsWith('StateExited')) {
      const name = text((event.stateExitedEventDetails as { name?: unknown } | undefined)?.name)
      const entry = previous?.entry?.summary.name === name && previous?.entry?.open ? previous.entry : openEntry(name)
      if (!entry) continue
      // Exiting after a failure means a Catch took it: Step Functions writes the state's exit, then the handler's entry.
      const status = statusOf(entry)
      if (status === 'RUNNING') setStatus(entry, 'SUCCEEDED')
      else if (status === 'FAILED') setStatus(entry, 'CAUGHT')
      entry.open = false
      entry.summary.exitedAt = event.timestamp
      entry.summary.durationMs = Date.parse(event.timestamp) - Date.parse(entry.summary.enteredAt)
      owners.set(event.id, { entry })
      continue
    }

    // Map and Parallel bookkeeping points back at the last event of an iteration or branch: own it by the open state.
    let entry: Entry | undefined
    if (/^Map(State|Iteration|Run)/.test(event.type))
      entry = openEntry(text(details?.name), text(details?.name) === undefined ? 'Map' : undefined)
    else if (event.type.startsWith('ParallelState')) entry = openEntry(undefined, 'Parallel')
    else entry = previous?.entry
    if (event.type === 'MapIterationStarted' && entry) {
      owners.set(event.id, { entry, iteration: `${entry.scope}/${entry.summary.name}#${event.id}` })
      continue
    }
    owners.set(event.id, entry ? { entry } : {})
    if (!entry) continue

    if (scheduled.has(event.type)) {
      entry.attempts += 1
      if (entry.attempts > 1) {
        entry.summary.retries += 1
        setStatus(entry, 'RUNNING')
      }
    } else if (failure.test(event.type)) {
      const error = text(details?.error)
      const cause = text(details?.cause)
      // A Map or Parallel failure says nothing of its own: it is the failure of the iteration or branch inside it.
      const reported = error === undefined && cause === undefined ? lastFailure : { error, cause }
      setStatus(entry, 'FAILED')
      if (reported?.error !== undefined) entry.summary.error = reported.error
      if (reported?.cause !== undefined) entry.summary.cause = reported.cause
      if (error !== undefined || cause !== undefined) lastFailure = { error, cause }
    } else if (event.type === 'StateCaught') {
      setStatus(entry, 'CAUGHT')
    }
  }

  for (const summary of summaries.values()) {
    const all = [...(statuses.get(summary.name)?.values() ?? [])]
    summary.status = all.reduce<Status>(
      (worst, status) => (severity[status] > severity[worst] ? status : worst),
      'SUCCEEDED',
    )
    // A Fail state has no exit event: reaching it is its whole job.
    if (summary.type === 'Fail') summary.status = 'FAILED'
  }
  return [...summaries.values()]
}
