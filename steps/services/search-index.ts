import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { SearchDocument } from '../../contracts/images'

/** Full-text search over documents: SQLite FTS5 locally. Upserting the same id twice leaves one document. */
export class SearchIndex extends Context.Tag('SearchIndex')<SearchIndex, {
  readonly upsert: (doc: SearchDocument) => Effect.Effect<void, TransientError>
  readonly remove: (id: string) => Effect.Effect<void, TransientError>
}>() {}
