import { allStates, type AslDefinition } from '../model/asl'

interface Retrier {
  readonly IntervalSeconds?: number
  readonly BackoffRate?: number
  readonly MaxAttempts?: number
  readonly MaxDelaySeconds?: number
}

/** The longest wait a retrier can reach, in ms, with the ASL defaults (1 s, rate 2, 3 attempts). */
const longestWaitMs = (retrier: Retrier): number => {
  const grown =
    (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** Math.max(0, (retrier.MaxAttempts ?? 3) - 1)
  return Math.min(grown, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000
}

/** Reads `PIPELINE_RETRY_SCALE`: a factor in (0, 1] applied to every retry wait; undefined keeps real time. */
export const parseRetryScale = (text: string | undefined): number | undefined => {
  if (text === undefined || text === '') return undefined
  const scale = Number(text)
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1)
    throw new Error(`PIPELINE_RETRY_SCALE must be a number above 0 and at most 1, got "${text}"`)
  return scale === 1 ? undefined : scale
}

/**
 * aws-local-stepfunctions' `retryIntervalOverrides` for a definition whose retry waits are scaled down (tests and
 * soaks that inject faults would otherwise sleep for real, up to 20 s per retry). The library takes a fixed wait per
 * retrier, so each read draws a fresh one: full jitter is kept, the growth between attempts is not, and every wait
 * is drawn in [0, scale x the longest wait the retrier can reach].
 */
export const scaledRetryIntervals = (
  definition: AslDefinition,
  scale: number,
  random: () => number = Math.random,
): Record<string, number[]> => {
  const overrides: Record<string, number[]> = {}
  for (const [name, state] of allStates(definition)) {
    const retriers = (state.Retry ?? []) as ReadonlyArray<Retrier>
    if (retriers.length === 0) continue
    const ceilings = retriers.map((retrier) => longestWaitMs(retrier) * scale)
    Object.defineProperty(overrides, name, {
      enumerable: true,
      get: () => ceilings.map((ceiling) => random() * ceiling),
    })
  }
  return overrides
}
