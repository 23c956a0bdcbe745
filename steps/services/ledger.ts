import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'

/**
 * Remembers which side effects were done, by business key, so at-least-once delivery does them once.
 *
 * `claim(key, owner)` is a conditional write that answers `true` when the caller may do the effect: nobody
 * claimed the key yet, or the same owner claimed it and never completed (its run crashed and is running again).
 * `complete` marks the effect done for good; `release` gives an unfinished claim back so a retry can take it.
 */
export class Ledger extends Context.Tag('Ledger')<
  Ledger,
  {
    readonly claim: (key: string, owner: string) => Effect.Effect<boolean, TransientError>
    readonly complete: (key: string) => Effect.Effect<void, TransientError>
    readonly release: (key: string, owner: string) => Effect.Effect<void, TransientError>
  }
>() {}
