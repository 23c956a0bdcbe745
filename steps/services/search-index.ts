import { Context, Data, Effect, Layer } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { SearchDocument, SearchHit, SearchKind } from '../../contracts/search'
import type { Page } from './order-table'

/**
 * What a versioned write did: `written`, `stale` (the index holds this version or a newer one: an older change
 * arriving late, or a duplicate run, changed nothing), or `disabled` (the stack runs without a search engine).
 */
export type IndexWrite = 'written' | 'stale' | 'disabled'

/** A query as `GET /search` takes it; `cursor` is the `next` of the previous page, handed back as it was. */
export interface SearchQuery {
  readonly q: string
  readonly kind?: SearchKind
  readonly limit: number
  readonly cursor?: string
}

/** One indexed document as the reconciliation lists it. */
export interface IndexedVersion {
  readonly id: string
  readonly version: number
}

/** The stack was deployed without a search engine (`-c search=false`): there is nothing to query. */
export class SearchDisabled extends Data.TaggedError('SearchDisabled')<{ readonly reason: string }> {}

/** A `cursor` this index did not hand out. */
export class InvalidCursor extends Data.TaggedError('InvalidCursor')<{ readonly message: string }> {}

/**
 * The search index: SQLite FTS5 locally, an Amazon OpenSearch Service domain on AWS, and an in-memory one in tests.
 * How a query matches is written down once, on {@link SearchDocument}, and checked against every implementation by
 * `test/contracts/search-index.ts`.
 *
 * Writes are idempotent and ordered by the entity's version, as OpenSearch's external versioning orders them
 * (https://docs.opensearch.org/latest/api-reference/document-apis/index-document/): `upsert` writes only when
 * `version` is above the one indexed, `remove` deletes only then, and keeps the version it deleted at, so a late
 * upsert of an older version cannot bring a removed document back.
 */
export class SearchIndex extends Context.Tag('SearchIndex')<
  SearchIndex,
  {
    readonly upsert: (doc: SearchDocument, version: number) => Effect.Effect<IndexWrite, TransientError>
    readonly remove: (id: string, version: number) => Effect.Effect<IndexWrite, TransientError>
    readonly search: (
      query: SearchQuery,
    ) => Effect.Effect<Page<SearchHit>, TransientError | SearchDisabled | InvalidCursor>
    /** The indexed version of each of `ids` that has a document; ids without one are left out. */
    readonly versions: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, number>, TransientError>
    /** The documents of a kind, by id, a page at a time (the reconciliation's walk over the index). */
    readonly list: (
      kind: SearchKind,
      page: { readonly limit: number; readonly cursor?: string },
    ) => Effect.Effect<Page<IndexedVersion>, TransientError>
    /** Why there is no search engine, when there is none: the steps then skip, and `GET /search` answers 501. */
    readonly disabled?: string
  }
>() {}

/** The index of a stack without a search engine: writes are skipped (`disabled`), searches fail with the reason. */
export const SearchIndexDisabled = (reason: string): Layer.Layer<SearchIndex> =>
  Layer.succeed(SearchIndex, {
    upsert: () => Effect.succeed('disabled' as const),
    remove: () => Effect.succeed('disabled' as const),
    search: () => Effect.fail(new SearchDisabled({ reason })),
    versions: () => Effect.succeed(new Map()),
    list: () => Effect.succeed({ items: [] }),
    disabled: reason,
  })
