import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'

/** A stored answer to replay for a retried request. */
export interface StoredResponse {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export type IdempotencyBegin =
  | { readonly kind: 'new' }
  | { readonly kind: 'completed'; readonly response: StoredResponse }
  | { readonly kind: 'in-progress' }
  | { readonly kind: 'mismatch' }

/**
 * Idempotency records for client retries (the `Idempotency-Key` header), as Powertools' idempotency utility
 * keeps them: the first request with a key runs and stores its answer; a retry with the same key and the same
 * body gets that answer again; the same key with another body is a mismatch. Records expire: a record past its
 * `expiresAt` no longer holds its key, and the table's TTL deletes it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html).
 */
export class IdempotencyStore extends Context.Tag('IdempotencyStore')<
  IdempotencyStore,
  {
    readonly begin: (
      key: string,
      fingerprint: string,
      expiresAt: string,
    ) => Effect.Effect<IdempotencyBegin, TransientError>
    readonly complete: (key: string, response: StoredResponse) => Effect.Effect<void, TransientError>
    /** Forgets an unfinished record, so a retry after a failure runs again. */
    readonly release: (key: string) => Effect.Effect<void, TransientError>
  }
>() {}
