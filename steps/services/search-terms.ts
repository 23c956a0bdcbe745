import { Option } from 'effect'

/**
 * The match rules of {@link SearchDocument} (`contracts/search.ts`) as functions, for the implementations that apply
 * them in code (SQLite, memory) and the one that hands them to its engine (OpenSearch), so every implementation
 * splits and compares the same way.
 */

/** Lowercased, accents removed (`Émile` → `emile`), as FTS5's unicode61 tokenizer and OpenSearch's asciifolding do. */
export const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()

/** The words of a text: runs of letters and digits, folded. `uploads/pets/Cat.jpg` → `uploads pets cat jpg`. */
export const words = (text: string): ReadonlyArray<string> => fold(text).split(WordSeparator).filter(Boolean)

/** What separates words, as a regular expression source OpenSearch's pattern tokenizer takes too. */
export const WordSeparatorPattern = '[^\\p{L}\\p{N}]+'
const WordSeparator = new RegExp(WordSeparatorPattern, 'u')

/** How an exact value is compared: trimmed, lowercased (OpenSearch: a keyword field with a lowercase normalizer). */
export const exactValue = (value: string): string => value.trim().toLowerCase()

/** The exact values a document is stored with: compared form, empty ones and repeats dropped. */
export const exactValues = (values: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...new Set(values.map(exactValue).filter((value) => value !== '')),
]

/** Where a page of results ends: exact matches (`exact: true`) come before text matches, each by id. */
export interface SearchPosition {
  readonly exact: boolean
  readonly id: string
}

/** The opaque `next` of a page of search results. */
export const encodeSearchCursor = (position: SearchPosition): string =>
  Buffer.from(JSON.stringify([position.exact ? 0 : 1, position.id]), 'utf8').toString('base64url')

/** The position a `cursor` stands for, or none when it is not one this index handed out. */
export const decodeSearchCursor = (cursor: string): Option.Option<SearchPosition> => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (value[0] === 0 || value[0] === 1) &&
      typeof value[1] === 'string'
    )
      return Option.some({ exact: value[0] === 0, id: value[1] })
  } catch {
    // Not base64url JSON: not a cursor of ours.
  }
  return Option.none()
}

/** True when `a` comes before `b` in result order. */
export const isBefore = (a: SearchPosition, b: SearchPosition): boolean => (a.exact !== b.exact ? a.exact : a.id < b.id)
