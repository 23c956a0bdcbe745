/**
 * The longest a state machine can run before it ends on its own terms (succeeded, or failed through its catch-all
 * and dead-letter tail), from its ASL: every task taking its whole `TimeoutSeconds` on every try, every retrier
 * spending every attempt, each wait at its full backoff (`IntervalSeconds` × `BackoffRate`^n, capped by
 * `MaxDelaySeconds`; full jitter only shortens it), and, after a task, the longer of where it goes next and where its
 * Catch goes (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). A Map's iterations
 * and a Parallel's branches run at once, so they count as their longest one.
 */

interface Retrier {
  readonly ErrorEquals: ReadonlyArray<string>
  readonly IntervalSeconds?: number
  readonly MaxAttempts?: number
  readonly BackoffRate?: number
  readonly MaxDelaySeconds?: number
}

interface State {
  readonly Type: string
  readonly Next?: string
  readonly End?: boolean
  readonly Default?: string
  readonly Choices?: ReadonlyArray<{ readonly Next: string }>
  readonly Catch?: ReadonlyArray<{ readonly Next: string }>
  readonly Retry?: ReadonlyArray<Retrier>
  readonly TimeoutSeconds?: number
  readonly Seconds?: number
  readonly MaxConcurrency?: number
  readonly ItemProcessor?: Definition
  readonly Iterator?: Definition
  readonly Branches?: ReadonlyArray<Definition>
}

export interface Definition {
  readonly StartAt: string
  readonly States: Readonly<Record<string, State>>
  readonly TimeoutSeconds?: number
}

/** One retrier's waits, ASL's defaults applied (IntervalSeconds 1, MaxAttempts 3, BackoffRate 2). */
const waits = (retrier: Retrier): number => {
  const attempts = retrier.MaxAttempts ?? 3
  let total = 0
  for (let n = 0; n < attempts; n++) {
    const wait = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** n
    total += Math.min(wait, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY)
  }
  return total
}

/** A task's longest: one try plus every retrier's attempts, each try its whole timeout, plus every wait. */
export const taskWorstSeconds = (state: State, name: string): number => {
  if (state.TimeoutSeconds === undefined)
    throw new Error(`${name} has no TimeoutSeconds: it would wait as long as the execution itself`)
  const retriers = state.Retry ?? []
  const tries = 1 + retriers.reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0)
  return tries * state.TimeoutSeconds + retriers.reduce((sum, retrier) => sum + waits(retrier), 0)
}

/** The longest path from `StartAt` to an end, in seconds. */
export const worstCaseSeconds = (definition: Definition): number => {
  const memo = new Map<string, number>()
  const visiting = new Set<string>()
  const from = (name: string): number => {
    const known = memo.get(name)
    if (known !== undefined) return known
    if (visiting.has(name)) throw new Error(`${name} is on a loop: its worst case has no bound`)
    visiting.add(name)
    const state = definition.States[name]
    if (!state) throw new Error(`no state ${name}`)
    const own = (() => {
      switch (state.Type) {
        case 'Task':
          return taskWorstSeconds(state, name)
        case 'Wait':
          return state.Seconds ?? 0
        case 'Map': {
          const processor = state.ItemProcessor ?? state.Iterator
          if (!processor) throw new Error(`${name} has no item processor`)
          if ((state.MaxConcurrency ?? 0) !== 0)
            throw new Error(`${name} runs its items in turns: its worst case needs their count`)
          return worstCaseSeconds(processor)
        }
        case 'Parallel':
          return Math.max(0, ...(state.Branches ?? []).map(worstCaseSeconds))
        default:
          return 0
      }
    })()
    const next = [
      ...(state.Next ? [state.Next] : []),
      ...(state.Default ? [state.Default] : []),
      ...(state.Choices ?? []).map((choice) => choice.Next),
      ...(state.Catch ?? []).map((handler) => handler.Next),
    ]
    const total = own + Math.max(0, ...next.map(from))
    visiting.delete(name)
    memo.set(name, total)
    return total
  }
  return from(definition.StartAt)
}
