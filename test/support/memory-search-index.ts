import { Effect, Layer, Option } from 'effect'
import type { SearchDocument, SearchHit } from '../../contracts/search'
import { InvalidCursor, SearchIndex, type IndexWrite } from '../../steps/services/search-index'
import {
  decodeSearchCursor,
  encodeSearchCursor,
  exactValue,
  exactValues,
  isBefore,
  words,
  type SearchPosition,
} from '../../steps/services/search-terms'

/**
 * The search index in memory, with the versioned writes and match rules every implementation promises
 * (`test/contracts/search-index.ts`). `documents` and `versions` are exposed for assertions; a removed document
 * keeps its version in `versions` with `removed: true`.
 */
export const memorySearchIndex = () => {
  const documents = new Map<string, SearchDocument>()
  const versions = new Map<string, { version: number; removed: boolean }>()

  const versioned = (id: string, version: number, write: () => void): IndexWrite => {
    const current = versions.get(id)
    if (current !== undefined && current.version >= version) return 'stale'
    write()
    return 'written'
  }
  const matchesText = (doc: SearchDocument, q: string) => {
    const wanted = words(q)
    const have = words(doc.text)
    return wanted.length > 0 && wanted.every((word) => have.some((candidate) => candidate.startsWith(word)))
  }
  const hit = (doc: SearchDocument): SearchHit => ({ id: doc.id, kind: doc.kind, title: doc.title, data: doc.data })

  const layer = Layer.succeed(SearchIndex, {
    upsert: (doc, version) =>
      Effect.sync(() =>
        versioned(doc.id, version, () => {
          documents.set(doc.id, doc)
          versions.set(doc.id, { version, removed: false })
        }),
      ),
    remove: (id, version) =>
      Effect.sync(() =>
        versioned(id, version, () => {
          documents.delete(id)
          versions.set(id, { version, removed: true })
        }),
      ),
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
        const value = exactValue(q)
        const matches = [...documents.values()]
          .filter((doc) => kind === undefined || doc.kind === kind)
          .flatMap((doc): Array<{ position: SearchPosition; doc: SearchDocument }> => {
            if (exactValues(doc.exact).includes(value)) return [{ position: { exact: true, id: doc.id }, doc }]
            return matchesText(doc, q) ? [{ position: { exact: false, id: doc.id }, doc }] : []
          })
          .filter((match) => from === undefined || isBefore(from, match.position))
          .sort((a, b) => (isBefore(a.position, b.position) ? -1 : 1))
        const page = matches.slice(0, limit)
        return matches.length > limit
          ? { items: page.map((match) => hit(match.doc)), next: encodeSearchCursor(page.at(-1)!.position) }
          : { items: page.map((match) => hit(match.doc)) }
      }),
    versions: (ids) =>
      Effect.sync(
        () =>
          new Map(
            ids.flatMap((id) => {
              const current = versions.get(id)
              return current && !current.removed ? [[id, current.version] as const] : []
            }),
          ),
      ),
    list: (kind, { limit, cursor }) =>
      Effect.sync(() => {
        const ids = [...documents.values()]
          .filter((doc) => doc.kind === kind && (cursor === undefined || doc.id > cursor))
          .map((doc) => doc.id)
          .sort()
        const items = ids.slice(0, limit).map((id) => ({ id, version: versions.get(id)!.version }))
        return ids.length > limit ? { items, next: items.at(-1)!.id } : { items }
      }),
  })
  return { layer, documents, versions }
}
