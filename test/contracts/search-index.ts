import { Effect, Exit, type Layer } from 'effect'
import type { SearchDocument, SearchKind } from '../../contracts/search'
import { InvalidCursor, SearchIndex, type SearchQuery } from '../../steps/services/search-index'

const doc = (
  kind: SearchKind,
  entity: string,
  match: { readonly exact?: ReadonlyArray<string>; readonly text?: string } = {},
): SearchDocument => ({
  id: `${kind}:${entity}`,
  kind,
  title: `${kind} ${entity}`,
  exact: match.exact ?? [entity],
  text: match.text ?? '',
  data: { entity },
})

const ada = doc('user', 'usr_ada', { exact: ['usr_ada', 'ada', 'Ada@Example.com', 'active'] })
const order = doc('order', 'ord_1', { exact: ['ord_1', 'usr_ada', 'ACCEPTED', 'EUR', 'BOOK-1'] })
const cat = doc('image', 'uploads/pets/cat.jpg', {
  exact: ['uploads/pets/cat.jpg', 'jpeg', '640x480'],
  text: 'uploads/pets/cat.jpg',
})
const catalog = doc('image', 'uploads/docs/Catalogue-Émile.png', {
  exact: ['uploads/docs/Catalogue-Émile.png', 'png'],
  text: 'uploads/docs/Catalogue-Émile.png',
})

const idsOf = (query: Partial<SearchQuery> & { q: string }) =>
  Effect.flatMap(SearchIndex, (index) => index.search({ limit: 20, ...query })).pipe(
    Effect.map((page) => page.items.map((hit) => hit.id)),
  )

const seed = (...docs: ReadonlyArray<SearchDocument>) =>
  Effect.flatMap(SearchIndex, (index) => Effect.forEach(docs, (document) => index.upsert(document, 1)))

/** Every page of a query, following `next` until there is none. */
const allPages = (query: SearchQuery) =>
  Effect.gen(function* () {
    const index = yield* SearchIndex
    const pages: string[][] = []
    let cursor: string | undefined
    do {
      const page = yield* index.search(cursor === undefined ? query : { ...query, cursor })
      pages.push(page.items.map((hit) => hit.id))
      cursor = page.next
    } while (cursor !== undefined && pages.length < 20)
    return pages
  })

/**
 * The behaviour of the {@link SearchIndex} port, run against each implementation: the match rules written on
 * `SearchDocument` (`contracts/search.ts`), paging, and writes ordered by version as OpenSearch's external versioning
 * orders them (https://docs.opensearch.org/latest/api-reference/document-apis/index-document/). `layer` builds a
 * fresh, empty index for each case.
 */
export const searchIndexContract = (name: string, layer: () => Promise<Layer.Layer<SearchIndex>>) =>
  describe(`SearchIndex: ${name}`, () => {
    const run = async <A, E>(program: Effect.Effect<A, E, SearchIndex>) =>
      Effect.runPromise(program.pipe(Effect.provide(await layer())))

    describe('matching', () => {
      it.each([
        ['a user by id', 'usr_ada', ['order:ord_1', 'user:usr_ada']],
        ['a user by username', 'ada', ['user:usr_ada']],
        ['a user by email, in any case', 'ada@EXAMPLE.com', ['user:usr_ada']],
        ['an exact value with surrounding spaces', '  ord_1 ', ['order:ord_1']],
        ['an order by SKU', 'book-1', ['order:ord_1']],
        ['an image by a word of its key', 'pets', ['image:uploads/pets/cat.jpg']],
        [
          'images by the start of a word',
          'cat',
          ['image:uploads/docs/Catalogue-Émile.png', 'image:uploads/pets/cat.jpg'],
        ],
        ['an image by the start of a word, in any case', 'CATA', ['image:uploads/docs/Catalogue-Émile.png']],
        ['an image by every word given', 'pets cat', ['image:uploads/pets/cat.jpg']],
        ['an image by a word without its accent', 'emile', ['image:uploads/docs/Catalogue-Émile.png']],
        ['an image by its whole key, exactly', 'uploads/pets/cat.jpg', ['image:uploads/pets/cat.jpg']],
        ['nothing for a part of an email', 'ada@example', []],
        ['nothing for the middle of a word', 'atalog', []],
        ['nothing when one word matches nothing', 'cat dog', []],
        ['nothing for punctuation alone', '@@', []],
      ])('finds %s', async (_name, q, expected) => {
        // Prepare, Act
        const ids = await run(Effect.zipRight(seed(ada, order, cat, catalog), idsOf({ q })))

        // Assess
        expect(ids).toEqual(expected)
      })

      it('answers exact matches before text matches, each by id', async () => {
        const exactly = doc('user', 'usr_cat', { exact: ['usr_cat', 'cat'] })

        const ids = await run(Effect.zipRight(seed(catalog, cat, exactly), idsOf({ q: 'cat' })))

        expect(ids).toEqual(['user:usr_cat', 'image:uploads/docs/Catalogue-Émile.png', 'image:uploads/pets/cat.jpg'])
      })

      it('keeps to one kind when asked', async () => {
        const ids = await run(Effect.zipRight(seed(ada, order), idsOf({ q: 'usr_ada', kind: 'order' })))

        expect(ids).toEqual(['order:ord_1'])
      })

      it("answers a hit's kind, title and data", async () => {
        const page = await run(
          Effect.zipRight(
            seed(ada),
            Effect.flatMap(SearchIndex, (index) => index.search({ q: 'ada', limit: 5 })),
          ),
        )

        expect(page).toEqual({
          items: [{ id: 'user:usr_ada', kind: 'user', title: 'user usr_ada', data: { entity: 'usr_ada' } }],
        })
      })
    })

    describe('paging', () => {
      it('pages through exact and then text matches, each once, in order, the last page without next', async () => {
        // Prepare: three exact matches of `shoe`, three text matches
        const exact = ['a', 'b', 'c'].map((entity) => doc('user', entity, { exact: [entity, 'shoe'] }))
        const text = ['x', 'y', 'z'].map((entity) =>
          doc('image', entity, { exact: [entity], text: `shoes/${entity}.jpg` }),
        )

        // Act
        const pages = await run(Effect.zipRight(seed(...text, ...exact), allPages({ q: 'shoe', limit: 2 })))

        // Assess
        expect(pages).toEqual([
          ['user:a', 'user:b'],
          ['user:c', 'image:x'],
          ['image:y', 'image:z'],
        ])
      })

      it('refuses a cursor it did not hand out', async () => {
        const exit = await run(
          Effect.flatMap(SearchIndex, (index) => index.search({ q: 'cat', limit: 5, cursor: 'not-a-cursor' })).pipe(
            Effect.exit,
          ),
        )

        expect(exit).toEqual(Exit.fail(new InvalidCursor({ message: 'cursor: must be the next of a previous page' })))
      })
    })

    describe('versioned writes', () => {
      it('ignores an older or equal version, keeping what the newer one wrote', async () => {
        const v2 = doc('user', 'usr_1', { exact: ['usr_1', 'suspended'] })
        const v1 = doc('user', 'usr_1', { exact: ['usr_1', 'active'] })

        const outcome = await run(
          Effect.gen(function* () {
            const index = yield* SearchIndex
            const writes = [yield* index.upsert(v2, 2), yield* index.upsert(v1, 1), yield* index.upsert(v2, 2)]
            return { writes, active: yield* idsOf({ q: 'active' }), suspended: yield* idsOf({ q: 'suspended' }) }
          }),
        )

        expect(outcome).toEqual({ writes: ['written', 'stale', 'stale'], active: [], suspended: ['user:usr_1'] })
      })

      it('replaces a document with a newer version, leaving one document', async () => {
        const outcome = await run(
          Effect.gen(function* () {
            const index = yield* SearchIndex
            yield* index.upsert(doc('user', 'usr_1', { exact: ['usr_1', 'active'] }), 1)
            const write = yield* index.upsert(doc('user', 'usr_1', { exact: ['usr_1', 'suspended'] }), 2)
            return { write, active: yield* idsOf({ q: 'active' }), byId: yield* idsOf({ q: 'usr_1' }) }
          }),
        )

        expect(outcome).toEqual({ write: 'written', active: [], byId: ['user:usr_1'] })
      })

      it('removes with a newer version, and a late upsert of an older one does not bring the document back', async () => {
        const outcome = await run(
          Effect.gen(function* () {
            const index = yield* SearchIndex
            yield* index.upsert(ada, 2)
            const removed = yield* index.remove(ada.id, 3)
            const late = yield* index.upsert(ada, 2)
            return { removed, late, found: yield* idsOf({ q: 'ada' }), versions: yield* index.versions([ada.id]) }
          }),
        )

        expect(outcome).toEqual({ removed: 'written', late: 'stale', found: [], versions: new Map() })
      })

      it('ignores a removal older than the document', async () => {
        const outcome = await run(
          Effect.gen(function* () {
            const index = yield* SearchIndex
            yield* index.upsert(ada, 5)
            return { removed: yield* index.remove(ada.id, 4), found: yield* idsOf({ q: 'ada' }) }
          }),
        )

        expect(outcome).toEqual({ removed: 'stale', found: ['user:usr_ada'] })
      })

      it('accepts the removal of a document it never had', async () => {
        const removed = await run(Effect.flatMap(SearchIndex, (index) => index.remove('user:usr_nobody', 1)))

        expect(removed).toBe('written')
      })
    })

    describe('reconciliation reads', () => {
      it('answers the version of each id that has a document', async () => {
        const versions = await run(
          Effect.gen(function* () {
            const index = yield* SearchIndex
            yield* index.upsert(ada, 3)
            yield* index.upsert(order, 2)
            yield* index.upsert(cat, 1)
            yield* index.remove(cat.id, 4)
            return yield* index.versions([ada.id, order.id, cat.id, 'user:usr_nobody'])
          }),
        )

        expect(versions).toEqual(
          new Map([
            [ada.id, 3],
            [order.id, 2],
          ]),
        )
      })

      it('lists the documents of one kind by id, a page at a time, leaving removed ones out', async () => {
        const users = ['usr_a', 'usr_b', 'usr_c', 'usr_d', 'usr_e'].map((entity) => doc('user', entity))

        const pages = await run(
          Effect.gen(function* () {
            const index = yield* SearchIndex
            yield* seed(...users, order)
            yield* index.remove('user:usr_c', 2)
            const first = yield* index.list('user', { limit: 2 })
            const second = yield* index.list('user', { limit: 2, cursor: first.next! })
            return [first, second]
          }),
        )

        expect(pages).toEqual([
          {
            items: [
              { id: 'user:usr_a', version: 1 },
              { id: 'user:usr_b', version: 1 },
            ],
            next: expect.any(String),
          },
          {
            items: [
              { id: 'user:usr_d', version: 1 },
              { id: 'user:usr_e', version: 1 },
            ],
          },
        ])
      })
    })
  })
