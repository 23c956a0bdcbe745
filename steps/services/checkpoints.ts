import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'

/**
 * Small state items a chore keeps between runs, by name (the reconciliation's cursors): a DynamoDB table on AWS,
 * the local tables locally. The value is the chore's own JSON; the last write wins.
 */
export class Checkpoints extends Context.Tag('Checkpoints')<
  Checkpoints,
  {
    readonly read: (name: string) => Effect.Effect<string | undefined, TransientError>
    readonly write: (name: string, value: string) => Effect.Effect<void, TransientError>
  }
>() {}
