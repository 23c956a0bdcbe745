import { StepNames } from '../../../steps/kit/catalog'
import { StepError } from '../../../steps/kit/step'
import { TransientError } from '../../../contracts/errors'

/**
 * Fault injection for the local runtime: `PIPELINE_FAULTS=render-image=0.3,persist-image=0.2,bus=0.05` makes a step's
 * invocation, or the bus's delivery to a rule target, fail transiently at that rate; `PIPELINE_FAULTS_SEED` fixes
 * the random sequence so a failing run can be replayed.
 *
 * Faults are injected at the boundaries AWS itself fails at, so what runs next is the real recovery path:
 * - a step fails as Lambda would surface it, a `TransientError`, which the workflow's Retry backs off on and its
 *   Catch sends to the DLQ once retries run out. Half of the faults strike before the step runs (a throttle), half
 *   after it ran and its writes stand (a timeout that lost the answer), so every step's idempotency is exercised;
 * - `bus`: a rule target refuses the event, so the bus's target retry policy and its DLQ take over.
 */

/** The point a fault can strike: each step by the name the CDK app gives it, and the bus's target delivery. */
export const FaultPoints = [...Object.values(StepNames).filter((name) => name !== StepNames.httpApi), 'bus'] as const

/** The step's key in the catalog is accepted for its name (`persistImage` for `persist-image`). */
const aliases: ReadonlyMap<string, string> = new Map(
  Object.entries(StepNames)
    .filter(([, name]) => name !== StepNames.httpApi)
    .map(([alias, name]) => [alias, name]),
)

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError'
}

export interface FaultPlan {
  /** Failure rate per point (step name or `bus`), each in (0, 1]. */
  readonly rates: ReadonlyMap<string, number>
  readonly seed: number
}

/** Parses `PIPELINE_FAULTS` (and `PIPELINE_FAULTS_SEED`); undefined when no faults are asked for. A bad entry is named. */
export const parseFaultPlan = (spec: string | undefined, seedText?: string): FaultPlan | undefined => {
  if (spec === undefined || spec.trim() === '') return undefined
  const rates = new Map<string, number>()
  for (const entry of spec.split(',').map((part) => part.trim())) {
    const match = /^([A-Za-z-]+)=([0-9.]+)$/.exec(entry)
    if (!match) throw new FaultSpecError(`PIPELINE_FAULTS: "${entry}" is not NAME=RATE (for example render-image=0.3)`)
    const [, rawName, rawRate] = match as unknown as [string, string, string]
    const point = aliases.get(rawName) ?? rawName
    if (!(FaultPoints as ReadonlyArray<string>).includes(point)) {
      throw new FaultSpecError(
        `PIPELINE_FAULTS: "${rawName}" in "${entry}" is not a step or "bus" (one of ${[...aliases.keys()].join(', ')}, bus, or a step's full name)`,
      )
    }
    const rate = Number(rawRate)
    if (!Number.isFinite(rate) || rate <= 0 || rate > 1)
      throw new FaultSpecError(`PIPELINE_FAULTS: the rate in "${entry}" must be a number above 0 and at most 1`)
    if (rates.has(point)) throw new FaultSpecError(`PIPELINE_FAULTS: "${entry}" names ${point} a second time`)
    rates.set(point, rate)
  }
  return { rates, seed: parseSeed(seedText) }
}

const parseSeed = (text: string | undefined): number => {
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 32)
  const seed = Number(text)
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new FaultSpecError(`PIPELINE_FAULTS_SEED: must be an integer from 0 to ${2 ** 32 - 1}, got "${text}"`)
  return seed
}

/** mulberry32: a tiny seedable generator, uniform in [0, 1). */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type FaultTiming = 'before' | 'after'

/** Decides, per call, whether a point fails now; one random stream per point, so one point's traffic does not shift another's draws. */
export class FaultInjector {
  private readonly streams = new Map<string, () => number>()
  private readonly counts = new Map<string, number>()

  constructor(readonly plan: FaultPlan) {
    let offset = 0
    for (const point of plan.rates.keys()) this.streams.set(point, seededRandom(plan.seed + 0x9e3779b9 * ++offset))
  }

  /** Undefined when the call goes through; otherwise whether it fails before or after the work is done. */
  draw(point: string): FaultTiming | undefined {
    const rate = this.plan.rates.get(point)
    const random = this.streams.get(point)
    if (rate === undefined || !random) return undefined
    if (random() >= rate) return undefined
    this.counts.set(point, (this.counts.get(point) ?? 0) + 1)
    return random() < 0.5 ? 'before' : 'after'
  }

  /** How many faults each point has had: the soak and the tests report it. */
  get injected(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.counts)
  }
}

/** The error a faulted step invocation surfaces, shaped as a step's own `TransientError`. */
export const injectedStepFault = (step: string, timing: FaultTiming): StepError =>
  new StepError(
    TransientError._tag,
    `Injected fault (PIPELINE_FAULTS): ${step} failed ${timing === 'before' ? 'before it ran' : 'after it ran, its answer lost'}`,
  )

/** The error a faulted rule-target delivery throws; the bus records it as the delivery's last error. */
export const injectedBusFault = (target: string): Error =>
  new Error(`Injected fault (PIPELINE_FAULTS): delivery to ${target} failed`)
