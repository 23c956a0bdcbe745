import { Effect, Layer } from 'effect'
import type { PutEventsEntry } from '../../contracts/envelope'
import type { TransientError } from '../../contracts/errors'
import { EventPublisher } from '../../steps/services/event-publisher'
import { Ledger } from '../../steps/services/ledger'

interface Claim {
  readonly owner: string
  readonly done: boolean
}

/** An in-memory Ledger with the port's semantics: free or same owner unfinished claims; complete is final; only the owner releases. */
export const memoryLedger = (initial: Record<string, Claim> = {}) => {
  const claims = new Map(Object.entries(initial))
  const layer = Layer.succeed(Ledger, {
    claim: (key, owner) =>
      Effect.sync(() => {
        const held = claims.get(key)
        if (held && (held.owner !== owner || held.done)) return false
        claims.set(key, { owner, done: false })
        return true
      }),
    complete: (key) => Effect.sync(() => void claims.set(key, { owner: claims.get(key)?.owner ?? '', done: true })),
    release: (key, owner) =>
      Effect.sync(() => {
        const held = claims.get(key)
        if (held && held.owner === owner && !held.done) claims.delete(key)
      }),
  })
  return { layer, claims }
}

/** An EventPublisher that records every PutEvents batch, or fails each call with `fail`. */
export const memoryPublisher = (fail?: TransientError) => {
  const batches: Array<ReadonlyArray<PutEventsEntry>> = []
  const layer = Layer.succeed(EventPublisher, {
    publish: (entries) => (fail ? Effect.fail(fail) : Effect.sync(() => void batches.push(entries))),
  })
  return { layer, batches }
}
