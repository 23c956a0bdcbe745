import { Context, Effect, Layer } from 'effect'

/** Wall-clock time as ISO strings, so tests can pin it. */
export class Clock extends Context.Tag('PipelineClock')<Clock, { readonly now: () => string }>() {}

export const ClockLive = Layer.succeed(Clock, { now: () => new Date().toISOString() })
export const ClockFixed = (iso: string) => Layer.succeed(Clock, { now: () => iso })
export const now = Effect.flatMap(Clock, (clock) => Effect.sync(clock.now))
