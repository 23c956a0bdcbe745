import { errors, type API, type Client } from '@opensearch-project/opensearch'
import { Effect, Layer, Option } from 'effect'
import { TransientError } from '../../../contracts/errors'
import type { SearchDocument, SearchHit, SearchKind } from '../../../contracts/search'
import type { Page } from '../../../steps/services/order-table'
import { InvalidCursor, SearchIndex, type IndexWrite } from '../../../steps/services/search-index'
import {
  decodeSearchCursor,
  encodeSearchCursor,
  exactValue,
  exactValues,
  words,
  WordSeparatorPattern,
  type SearchPosition,
} from '../../../steps/services/search-terms'

/** The value of `SEARCH_ENDPOINT` on a stack deployed without a search engine (`-c search=false`). */
export const SearchDisabledEndpoint = 'disabled'

/** Why `GET /search` answers 501 on such a stack. */
export const SearchDisabledReason =
  'This stack was deployed without a search engine (-c search=false): deploy it without that setting to search.'

/** The one index of search documents; `kind` tells orders, users and images apart. */
export const SearchIndexName = 'search-documents'

/**
 * The index as the stack declares it, created by a function's first write (`PUT /{index}`), never by dynamic mapping:
 * `dynamic: strict` refuses a field it does not name. `exact` is a keyword with a lowercase normalizer, which
 * OpenSearch also applies to a term query's value; `text` is split by a pattern tokenizer on what is not a letter or
 * digit, lowercased and accent-folded, with prefixes indexed so the text rule's prefix queries are term lookups
 * (https://docs.opensearch.org/latest/field-types/supported-field-types/text/). One shard; a replica once the
 * domain has a second data node (`auto_expand_replicas`), so a one-node domain stays green.
 */
export const SearchIndexDefinition: API.Indices_Create_RequestBody = {
  settings: {
    index: { number_of_shards: 1, auto_expand_replicas: '0-1' },
    analysis: {
      tokenizer: { words: { type: 'pattern', pattern: WordSeparatorPattern } },
      analyzer: { words: { type: 'custom', tokenizer: 'words', filter: ['lowercase', 'asciifolding'] } },
      normalizer: { exact: { type: 'custom', filter: ['lowercase'] } },
    },
  },
  mappings: {
    dynamic: 'strict',
    properties: {
      id: { type: 'keyword' },
      kind: { type: 'keyword' },
      title: { type: 'text', index: false },
      exact: { type: 'keyword', normalizer: 'exact', ignore_above: 512 },
      text: { type: 'text', analyzer: 'words', index_prefixes: { min_chars: 1, max_chars: 10 } },
      data: { type: 'object', enabled: false },
    },
  },
}

/** The scores that order results: a constant per rule, so exact matches (2) sort before text matches (1). */
const ExactScore = 2
const TextScore = 1

/** The body of the search for `q`: the exact and text rules as a `dis_max` of constant scores, sorted by score then id. */
export const searchBody = (
  q: string,
  kind: SearchKind | undefined,
  limit: number,
  from?: SearchPosition,
): API.Search_RequestBody => {
  const terms = words(q)
  const rules: NonNullable<NonNullable<API.Search_RequestBody['query']>['dis_max']>['queries'] = [
    { constant_score: { filter: { term: { exact: exactValue(q) } }, boost: ExactScore } },
  ]
  if (terms.length > 0)
    rules.push({
      constant_score: {
        filter: { bool: { filter: terms.map((term) => ({ prefix: { text: term } })) } },
        boost: TextScore,
      },
    })
  return {
    size: limit + 1,
    track_total_hits: false,
    _source: ['kind', 'title', 'data'],
    query: {
      bool: {
        must: [{ dis_max: { queries: rules } }],
        ...(kind === undefined ? {} : { filter: [{ term: { kind } }] }),
      },
    },
    sort: [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }],
    ...(from === undefined ? {} : { search_after: [from.exact ? ExactScore : TextScore, from.id] }),
  }
}

/** The document as stored: its id repeated as a sortable field, its exact values in their compared form. */
export const sourceOf = (doc: SearchDocument) => ({
  id: doc.id,
  kind: doc.kind,
  title: doc.title,
  exact: exactValues(doc.exact),
  text: doc.text,
  data: doc.data,
})

/** What an OpenSearch error answer says, for messages. */
const reasonOf = (error: errors.ResponseError): string => {
  const body = error.meta?.body as { error?: { type?: string; reason?: string } | string } | undefined
  const detail = body?.error
  return typeof detail === 'string' ? detail : `${detail?.type ?? 'error'}: ${detail?.reason ?? error.message}`
}

const errorType = (error: unknown): string | undefined =>
  error instanceof errors.ResponseError
    ? ((error.meta?.body as { error?: { type?: string } } | undefined)?.error?.type ?? undefined)
    : undefined

const statusOf = (error: unknown): number | undefined =>
  error instanceof errors.ResponseError ? (error.meta?.statusCode ?? undefined) : undefined

/**
 * An OpenSearch failure in the pipeline's error model: 429 (throttled, or a full write queue) and 5xx, time-outs and
 * dropped connections are a `TransientError` the workflow retries; 401 and 403 are a defect saying what to fix (the
 * domain's access policy does not name the function's role, or the signature is wrong); any other answer is a defect
 * naming OpenSearch's reason, since the adapter built a request the domain refuses.
 */
export const classifyOpenSearch =
  (operation: string) =>
  (error: unknown): Effect.Effect<never, TransientError> => {
    const status = statusOf(error)
    if (error instanceof errors.ResponseError && status !== undefined) {
      if (status === 429 || status >= 500)
        return Effect.fail(
          new TransientError({ operation, message: `OpenSearch answered ${status} ${reasonOf(error)}` }),
        )
      if (status === 401 || status === 403)
        return Effect.dieMessage(
          `${operation}: OpenSearch refused the request (${status} ${reasonOf(error)}). The domain's access policy must name this function's role, and SEARCH_ENDPOINT must be the domain's endpoint.`,
        )
      return Effect.dieMessage(`${operation}: OpenSearch answered ${status} ${reasonOf(error)}`)
    }
    if (
      error instanceof errors.ConnectionError ||
      error instanceof errors.TimeoutError ||
      error instanceof errors.NoLivingConnectionsError ||
      error instanceof errors.RequestAbortedError
    )
      return Effect.fail(new TransientError({ operation, message: `${error.name}: ${error.message}` }))
    return Effect.die(error)
  }

/** One request; interrupting the fiber aborts it. Rejections are handed back as they are, for the caller to sort. */
const request = <A>(send: () => Promise<A> & { abort?: () => void }) =>
  Effect.async<A, unknown>((resume) => {
    const pending = send()
    pending.then(
      (value) => resume(Effect.succeed(value)),
      (error: unknown) => resume(Effect.fail(error)),
    )
    return Effect.sync(() => pending.abort?.())
  })

interface Hit {
  readonly _id: string
  readonly _version?: number
  readonly _source?: { kind: SearchKind; title: string; data: unknown }
  readonly sort?: ReadonlyArray<unknown>
}

/**
 * The {@link SearchIndex} port over an Amazon OpenSearch Service domain, through the official client (signed with
 * SigV4 by its `AwsSigv4Signer`, see `services-opensearch.ts`). One index, {@link SearchIndexName}, made by the first
 * write of each instance with {@link SearchIndexDefinition} (an index that exists already is fine).
 * - `upsert` is `PUT /{index}/_doc/{id}?version=N&version_type=external`: OpenSearch writes only when N is above the
 *   stored version and answers 409 otherwise, which is the expected "stale" answer
 *   (https://docs.opensearch.org/latest/api-reference/document-apis/index-document/).
 * - `remove` is `DELETE /{index}/_doc/{id}` with the same versioning; the deletion keeps its version for
 *   `index.gc_deletes` (60 s by default), during which an older upsert is refused; 404 (nothing to delete) is a removal
 *   (https://docs.opensearch.org/latest/api-reference/document-apis/delete-document/).
 * - `search` is one `POST /{index}/_search` ({@link searchBody}); a missing index answers no hits.
 * - `versions` is `_mget` without sources (real-time, not waiting for a refresh); `list` a search on `kind` sorted by
 *   `id` with `search_after`.
 */
export const SearchIndexOpenSearch = (client: Client, index: string = SearchIndexName): Layer.Layer<SearchIndex> => {
  let created = false
  // Concurrent first writes both PUT the index; the second one's "already exists" is the same success.
  const ensureIndex = Effect.suspend(() =>
    created
      ? Effect.void
      : request(() => client.indices.create({ index, body: SearchIndexDefinition })).pipe(
          Effect.asVoid,
          Effect.catchAll((error) =>
            errorType(error) === 'resource_already_exists_exception'
              ? Effect.void
              : classifyOpenSearch('SearchIndex.createIndex')(error),
          ),
          Effect.tap(() => {
            created = true
          }),
        ),
  )

  const versionedWrite = (operation: string, send: () => Promise<unknown>): Effect.Effect<IndexWrite, TransientError> =>
    Effect.zipRight(
      ensureIndex,
      request(send).pipe(
        Effect.as<IndexWrite>('written'),
        Effect.catchAll((error) => {
          const status = statusOf(error)
          if (status === 409) return Effect.succeed<IndexWrite>('stale')
          if (status === 404 && errorType(error) !== 'index_not_found_exception')
            return Effect.succeed<IndexWrite>('written')
          return classifyOpenSearch(operation)(error)
        }),
      ),
    )

  /** A read of an index that does not exist yet answers `empty`. */
  const read = <A>(operation: string, send: () => Promise<{ body: unknown }>, empty: A, decode: (body: unknown) => A) =>
    request(send).pipe(
      Effect.map((response) => decode(response.body)),
      Effect.catchAll((error) =>
        errorType(error) === 'index_not_found_exception' ? Effect.succeed(empty) : classifyOpenSearch(operation)(error),
      ),
    )

  const hitsOf = (body: unknown): ReadonlyArray<Hit> => (body as { hits?: { hits?: Hit[] } }).hits?.hits ?? []

  return Layer.succeed(SearchIndex, {
    upsert: (doc, version) =>
      versionedWrite('SearchIndex.upsert', () =>
        client.index({ index, id: doc.id, version, version_type: 'external', body: sourceOf(doc) }),
      ),
    remove: (id, version) =>
      versionedWrite('SearchIndex.remove', () => client.delete({ index, id, version, version_type: 'external' })),
    search: ({ q, kind, limit, cursor }) =>
      Effect.gen(function* () {
        const from =
          cursor === undefined
            ? undefined
            : yield* Option.match(decodeSearchCursor(cursor), {
                onNone: () =>
                  Effect.fail(new InvalidCursor({ message: 'cursor: must be the next of a previous page' })),
                onSome: (position) => Effect.succeed(position),
              })
        const hits = yield* read<ReadonlyArray<Hit>>(
          'SearchIndex.search',
          () => client.search({ index, body: searchBody(q, kind, limit, from) }),
          [],
          hitsOf,
        )
        const page = hits.slice(0, limit)
        const items: SearchHit[] = page.map((hit) => ({
          id: hit._id,
          kind: hit._source!.kind,
          title: hit._source!.title,
          data: hit._source!.data,
        }))
        const last = page.at(-1)
        return hits.length > limit && last !== undefined
          ? { items, next: encodeSearchCursor({ exact: Number(last.sort?.[0]) >= ExactScore, id: last._id }) }
          : { items }
      }),
    versions: (ids) =>
      ids.length === 0
        ? Effect.succeed(new Map<string, number>())
        : read(
            'SearchIndex.versions',
            () => client.mget({ index, _source: false, body: { ids: [...ids] } }),
            new Map(),
            (body) => {
              const docs = (body as { docs?: Array<{ _id: string; found?: boolean; _version?: number }> }).docs ?? []
              return new Map(
                docs.flatMap((doc) =>
                  doc.found === true && doc._version !== undefined ? [[doc._id, doc._version] as const] : [],
                ),
              )
            },
          ),
    list: (kind, { limit, cursor }) =>
      read<Page<{ id: string; version: number }>>(
        'SearchIndex.list',
        () =>
          client.search({
            index,
            body: {
              size: limit + 1,
              track_total_hits: false,
              _source: false,
              version: true,
              query: { term: { kind } },
              sort: [{ id: { order: 'asc' } }],
              ...(cursor === undefined ? {} : { search_after: [cursor] }),
            },
          }),
        { items: [] },
        (body) => {
          const hits = hitsOf(body)
          const items = hits.slice(0, limit).map((hit) => ({ id: hit._id, version: hit._version ?? 0 }))
          return hits.length > limit ? { items, next: items.at(-1)!.id } : { items }
        },
      ),
  })
}
