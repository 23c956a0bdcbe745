import { Schema } from 'effect'

/** What a search document is about: one index holds all three, told apart by this field. */
export const SearchKind = Schema.Literal('order', 'user', 'image')
export type SearchKind = typeof SearchKind.Type
export const SearchKinds: ReadonlyArray<SearchKind> = SearchKind.literals

/**
 * The version of the entity a document was built from. Orders and users count their writes (`version` on the record);
 * an image uses its record's `updatedAt` in epoch milliseconds. A write carrying a version not above the one indexed
 * changes nothing, so an older change never overwrites a newer one, whatever order they arrive in.
 */
export const SearchVersion = Schema.Int.pipe(Schema.between(0, Number.MAX_SAFE_INTEGER))

/**
 * One document of the search index, one per entity (`id` is `{kind}:{entity id}`).
 *
 * How a query `q` finds it (the same in SQLite FTS5 locally and in OpenSearch on AWS; `test/contracts/search-index.ts`
 * runs the same cases against both):
 * - **exact**: `q`, trimmed, equals one of `exact` ignoring case: ids, customer, username, email, SKUs, status,
 *   currency, an image's key, format and size (`800x600`);
 * - **text**: every word of `q` is the start of a word of `text` (words are runs of letters and digits, compared
 *   without case or accents): object keys and file names, so `cat` finds `uploads/pets/cat.jpg`.
 * Exact matches come first, then text matches; within each, by `id`.
 */
export const SearchDocument = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
  kind: SearchKind,
  title: Schema.String,
  exact: Schema.Array(Schema.String),
  text: Schema.String,
  data: Schema.Unknown,
})
export type SearchDocument = typeof SearchDocument.Type

/** One result of `GET /search`: the document without its match fields. */
export const SearchHit = Schema.Struct({
  id: Schema.String,
  kind: SearchKind,
  title: Schema.String,
  data: Schema.Unknown,
})
export type SearchHit = typeof SearchHit.Type

/** The answer of `GET /search?q=&kind=&limit=&cursor=`: a page of hits; `next`, when present, is the next page's `cursor`. */
export const SearchAnswer = Schema.Struct({
  results: Schema.Array(SearchHit),
  next: Schema.optional(Schema.String),
})
export type SearchAnswer = typeof SearchAnswer.Type
