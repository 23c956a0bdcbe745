import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { SearchDocument } from '../../contracts/images'

/** Full-text search over documents: SQLite FTS5 locally. Upserting the same id twice leaves one document. */
export class SearchIndex extends Context.Tag('SearchIndex')<
  SearchIndex,
  {
    readonly upsert: (doc: SearchDocument) => Effect.Effect<void, TransientError>
    readonly remove: (id: string) => Effect.Effect<void, TransientError>
    /** The ids of every document of a kind (`order`, `user`, `image`): reconciliation compares them with the tables. */
    readonly listIds: (kind: string) => Effect.Effect<ReadonlyArray<string>, TransientError>
  }
>() {}
