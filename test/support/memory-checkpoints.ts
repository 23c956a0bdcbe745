import { Effect, Layer } from 'effect'
import { Checkpoints } from '../../steps/services/checkpoints'

/** Checkpoints in memory; `values` is exposed for assertions. */
export const memoryCheckpoints = () => {
  const values = new Map<string, string>()
  const layer = Layer.succeed(Checkpoints, {
    read: (name) => Effect.sync(() => values.get(name)),
    write: (name, value) => Effect.sync(() => void values.set(name, value)),
  })
  return { layer, values }
}
