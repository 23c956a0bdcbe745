import type { StateSummary } from '../../contracts/executions'
import type { StateAttempt, StateDetail, StateOutcome } from './port'

/*
 * What happened to each state of a definition in one execution, from its history in GetExecutionHistory's shape
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html), which both targets write:
 * Step Functions names a state only on its `*StateEntered`/`*StateExited` events; the others (TaskScheduled,
 * TaskFailed...) point at the event before them by `previousEventId`; a Catch shows as a failure followed by the
 * state's exit; Map iterations as MapIterationStarted/Succeeded/Failed carrying the Map's name.
 * Per state: one run per entry; per Map iteration (or loop) the latest run counts, and the state shows the worst of
 * them. A Task's attempts are its Scheduled events; more than one that ends well is `retried`.
 * This is the one fold of a history: the console's state view, and the per-state lines of `pipeline execution`
 * (`stateSummaries`) on either target.
 */

/** An event as GetExecutionHistory gives it: `id`, `type`, `timestamp`, its `...EventDetails`, maybe `previousEventId`. */
export type HistoryLike = Readonly<Record<string, unknown>> & {
  readonly id: number
  readonly type: string
  readonly timestamp: string
}

interface AslStateLike {
  readonly Type?: unknown
  readonly ItemProcessor?: unknown
  readonly Iterator?: unknown
  readonly Branches?: unknown
}

/** Every state of a definition, nested Map processors and Parallel branches included, in the order written. */
export const definitionStates = (
  definition: unknown,
): ReadonlyArray<{ readonly name: string; readonly type: string }> => {
  const states = (definition as { States?: unknown } | undefined)?.States
  if (typeof states !== 'object' || states === null) return []
  return Object.entries(states as Record<string, AslStateLike>).flatMap(([name, state]) => [
    { name, type: typeof state?.Type === 'string' ? state.Type : 'Unknown' },
    ...[
      state?.ItemProcessor,
      state?.Iterator,
      ...(Array.isArray(state?.Branches) ? (state.Branches as unknown[]) : []),
    ].flatMap((inner) => (inner ? definitionStates(inner) : [])),
  ])
}

type RunStatus = 'running' | 'succeeded' | 'failed' | 'caught'

interface Run {
  readonly name: string
  readonly type: string
  /** The Map iteration it runs in ('' outside any Map). */
  readonly scope: string
  readonly enteredAt: string
  readonly input: unknown
  exitedAt?: string
  output?: unknown
  status: RunStatus
  error?: string
  cause?: string
  readonly attempts: Array<{ startedAt: string; endedAt?: string; error?: string; cause?: string }>
  open: boolean
  /** A failure a redrive set aside: it counts only if the state did not run again. */
  superseded?: boolean
}

/** Worst last: a state shows the worst outcome of its runs. */
const severity: Record<StateOutcome, number> = {
  'not-reached': -1,
  succeeded: 0,
  retried: 1,
  running: 2,
  caught: 3,
  failed: 4,
}

const scheduledTypes = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled'])
const succeededTypes = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded', 'ActivitySucceeded'])
const failureType =
  /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$|^(Map|Parallel)StateFailed$|^MapRunFailed$|^EvaluationFailed$|StateFailed$/
const executionEnd = /^Execution(Succeeded|Failed|Aborted|TimedOut)$/

const detailsOf = (event: HistoryLike): Record<string, unknown> | undefined => {
  const own = event.type.endsWith('StateEntered')
    ? 'stateEntered'
    : event.type.endsWith('StateExited')
      ? 'stateExited'
      : `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}`
  const details = event[`${own}EventDetails`] ?? event.stateFailedEventDetails
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value === undefined || value === null ? undefined : JSON.stringify(value)

/** History carries input and output as JSON text: parsed, or the text itself when it is not JSON. */
const parsed = (value: unknown): unknown => {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value) as unknown
  } catch {
    return value
  }
}

const outcomeOf = (run: Run): StateOutcome =>
  run.status === 'succeeded' ? (run.attempts.length > 1 ? 'retried' : 'succeeded') : run.status

/**
 * Every state of `definition`, each with how it fared in the execution `history` tells: the worst of its runs, its
 * first entry and last exit, and the input, output, attempts and error of the run it shows. States never entered are
 * `not-reached`. A state still open when the execution ended was cut short: `failed`, with the execution's error. After
 * a redrive, a state's rerun replaces its earlier failure.
 */
export const stateDetails = (history: ReadonlyArray<HistoryLike>, definition: unknown): ReadonlyArray<StateDetail> => {
  const runs: Run[] = []
  const owners = new Map<number, { readonly run?: Run; readonly iteration?: string }>()
  let lastFailure: { error?: string; cause?: string } | undefined

  const openRun = (match: (run: Run) => boolean): Run | undefined => {
    for (let index = runs.length - 1; index >= 0; index -= 1) {
      const run = runs[index]!
      if (run.open && match(run)) return run
    }
    return undefined
  }

  for (const event of [...history].sort((a, b) => a.id - b.id)) {
    const details = detailsOf(event)
    const previousId = typeof event.previousEventId === 'number' ? event.previousEventId : undefined
    const previous = previousId === undefined ? undefined : owners.get(previousId)
    const named = text(details?.name)

    if (event.type.endsWith('StateEntered')) {
      if (named === undefined) continue
      // The first state of an iteration follows its MapIterationStarted; any other follows a state of its own scope.
      const scope = previous?.iteration ?? previous?.run?.scope ?? ''
      const run: Run = {
        name: named,
        type: event.type.replace(/StateEntered$/, ''),
        scope,
        enteredAt: event.timestamp,
        input: parsed(details?.input),
        status: 'running',
        attempts: [],
        open: true,
      }
      runs.push(run)
      owners.set(event.id, { run })
      continue
    }

    if (event.type.endsWith('StateExited')) {
      const run =
        previous?.run && previous.run.open && previous.run.name === named
          ? previous.run
          : openRun((candidate) => candidate.name === named)
      if (!run) continue
      // Exiting after a failure means a Catch took it: Step Functions writes the state's exit, then the handler's entry.
      if (run.status === 'running') run.status = 'succeeded'
      else if (run.status === 'failed') run.status = 'caught'
      run.open = false
      run.exitedAt = event.timestamp
      run.output = parsed(details?.output)
      owners.set(event.id, { run })
      continue
    }

    if (executionEnd.test(event.type)) {
      const type = event.type.replace(/^Execution/, '')
      const ended: { error?: string | undefined; cause?: string | undefined } =
        type === 'Succeeded'
          ? {}
          : type === 'Failed'
            ? { error: text(details?.error), cause: text(details?.cause) }
            : { error: type === 'Aborted' ? 'ExecutionAborted' : 'States.Timeout' }
      // A run still open was cut short; a Fail state has no exit, reaching it is its whole job.
      for (const run of runs) {
        if (!run.open) continue
        run.open = false
        run.status = 'failed'
        run.error ??= ended.error
        run.cause ??= ended.cause
      }
      continue
    }

    if (event.type === 'ExecutionRedriven') {
      // RedriveExecution reruns what failed; a rerun replaces the failure, a state not rerun keeps it.
      for (const run of runs) if (run.status === 'failed') run.superseded = true
      continue
    }

    // Map and Parallel bookkeeping points back at the last event of an iteration or branch: own it by the open state.
    let run: Run | undefined
    if (/^Map(State|Iteration|Run)/.test(event.type))
      run = openRun((candidate) => (named === undefined ? candidate.type === 'Map' : candidate.name === named))
    else if (event.type.startsWith('ParallelState')) run = openRun((candidate) => candidate.type === 'Parallel')
    else run = previous?.run
    if (event.type === 'MapIterationStarted' && run) {
      owners.set(event.id, { run, iteration: `${run.scope}/${run.name}#${event.id}` })
      continue
    }
    owners.set(event.id, run ? { run } : {})
    if (!run) continue

    if (scheduledTypes.has(event.type)) {
      run.attempts.push({ startedAt: event.timestamp })
      if (run.status === 'failed') run.status = 'running'
    } else if (succeededTypes.has(event.type)) {
      const attempt = run.attempts[run.attempts.length - 1]
      if (attempt && attempt.endedAt === undefined) attempt.endedAt = event.timestamp
    } else if (failureType.test(event.type)) {
      const error = text(details?.error)
      const cause = text(details?.cause)
      // A Map or Parallel failure says nothing of its own: it is the failure of the iteration or branch inside it.
      const reported = error === undefined && cause === undefined ? lastFailure : { error, cause }
      run.status = 'failed'
      if (reported?.error !== undefined) run.error = reported.error
      if (reported?.cause !== undefined) run.cause = reported.cause
      if (error !== undefined || cause !== undefined) lastFailure = { error, cause }
      const attempt = run.attempts[run.attempts.length - 1]
      if (attempt && attempt.endedAt === undefined)
        Object.assign(attempt, {
          endedAt: event.timestamp,
          ...(error === undefined ? {} : { error }),
          ...(cause === undefined ? {} : { cause }),
        })
    }
  }

  const byName = new Map<string, Run[]>()
  for (const run of runs) byName.set(run.name, [...(byName.get(run.name) ?? []), run])
  const declared = definitionStates(definition)
  const names = [
    ...declared.map((state) => state.name),
    ...[...byName.keys()].filter((name) => !declared.some((state) => state.name === name)),
  ]
  const typeOf = new Map(declared.map((state) => [state.name, state.type]))

  return names.map((name): StateDetail => {
    const all = byName.get(name) ?? []
    const type = typeOf.get(name) ?? all[0]?.type ?? 'Unknown'
    if (all.length === 0) return { name, type, outcome: 'not-reached', attempts: [], retries: 0, runs: 0 }
    // Per scope (Map iteration), a later run replaces an earlier one; the state shows the worst scope's run.
    const latest = new Map<string, Run>()
    const current = all.filter((run) => !run.superseded)
    for (const run of current.length > 0 ? current : all) latest.set(run.scope, run)
    const shown = [...latest.values()].reduce((worst, run) =>
      severity[outcomeOf(run)] >= severity[outcomeOf(worst)] ? run : worst,
    )
    const enteredAt = all[0]!.enteredAt
    const exits = all.flatMap((run) => (run.exitedAt === undefined ? [] : [run.exitedAt])).sort()
    const exitedAt = all.some((run) => run.open && run.status === 'running') ? undefined : exits[exits.length - 1]
    const attempts: StateAttempt[] = shown.attempts.map((attempt) => ({ ...attempt }))
    return {
      name,
      type,
      outcome: outcomeOf(shown),
      enteredAt,
      ...(exitedAt === undefined ? {} : { exitedAt, durationMs: Date.parse(exitedAt) - Date.parse(enteredAt) }),
      ...(shown.input === undefined ? {} : { input: shown.input }),
      ...(shown.output === undefined ? {} : { output: shown.output }),
      ...(shown.error === undefined ? {} : { error: shown.error }),
      ...(shown.cause === undefined ? {} : { cause: shown.cause }),
      attempts,
      retries: all.reduce((sum, run) => sum + Math.max(0, run.attempts.length - 1), 0),
      runs: all.length,
    }
  })
}

const summaryStatus: Record<Exclude<StateOutcome, 'not-reached'>, StateSummary['status']> = {
  succeeded: 'SUCCEEDED',
  retried: 'SUCCEEDED',
  running: 'RUNNING',
  caught: 'CAUGHT',
  failed: 'FAILED',
}

/**
 * One line per state entered, in the order first entered (`pipeline execution`'s view): the status of the run shown
 * (CAUGHT is a failure a Catch took), its error, every run's retries, the entries counted as iterations, and the time
 * from the first entry to the last exit.
 */
export const stateSummaries = (history: ReadonlyArray<HistoryLike>): ReadonlyArray<StateSummary> =>
  stateDetails(history, undefined).flatMap((state) =>
    state.outcome === 'not-reached' || state.enteredAt === undefined
      ? []
      : [
          {
            name: state.name,
            type: state.type,
            status: summaryStatus[state.outcome],
            enteredAt: state.enteredAt,
            ...(state.exitedAt === undefined ? {} : { exitedAt: state.exitedAt }),
            ...(state.durationMs === undefined ? {} : { durationMs: state.durationMs }),
            retries: state.retries,
            iterations: state.runs,
            ...(state.error === undefined ? {} : { error: state.error }),
            ...(state.cause === undefined ? {} : { cause: state.cause }),
          },
        ],
  )
