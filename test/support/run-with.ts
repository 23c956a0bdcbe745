import { Effect, type Context, type Exit, type Layer } from 'effect'

/** Runs an Effect over the layer and resolves to its Exit, so a test asserts failures as values. */
export interface RunWith<ROut, LE> {
  <A, E>(effect: Effect.Effect<A, E, ROut>): Promise<Exit.Exit<A, E | LE>>
}

/** Runs an Effect, or a function of the service, over the layer and resolves to its Exit. */
export interface RunWithService<S, ROut, LE> extends RunWith<ROut, LE> {
  <A, E>(use: (service: S) => Effect.Effect<A, E, ROut>): Promise<Exit.Exit<A, E | LE>>
}

/**
 * One way for every test to run a program over a layer: `runWith(layer)(program)`, or with a port's tag,
 * `runWith(layer, OrderTable)((orders) => orders.get('o-1'))`. Each call builds the layer afresh, the way each
 * Lambda invocation of a new sandbox would; state shared between calls lives in what the layer closes over (a
 * database, a Map, an emulator), never in the layer itself.
 */
export function runWith<ROut, LE>(layer: Layer.Layer<ROut, LE>): RunWith<ROut, LE>
export function runWith<ROut, LE, I extends ROut, S>(
  layer: Layer.Layer<ROut, LE>,
  tag: Context.Tag<I, S>,
): RunWithService<S, ROut, LE>
export function runWith<ROut, LE, I extends ROut, S>(layer: Layer.Layer<ROut, LE>, tag?: Context.Tag<I, S>) {
  return <A, E>(program: Effect.Effect<A, E, ROut> | ((service: S) => Effect.Effect<A, E, ROut>)) => {
    // A tag is itself an Effect (and a class, so a function): test for an Effect first.
    const effect =
      Effect.isEffect(program) || tag === undefined
        ? (program as Effect.Effect<A, E, ROut>)
        : Effect.flatMap(tag, program as (service: S) => Effect.Effect<A, E, ROut>)
    return Effect.runPromiseExit(Effect.provide(effect, layer))
  }
}
