import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { Effect, Exit } from 'effect'
import type { ImageRecord } from '../../../../../contracts/images'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { SearchIndexSqlite } from '../../../../../infra/local/layers/search-index-sqlite'
import { search } from '../../../../../infra/local/dynamodb/search'
import { imageDocument } from '../../../../../steps/images/index/program'
import { SearchIndex } from '../../../../../steps/services/search-index'

let dataDir: string
let db: DatabaseSync

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layers-test-'))
  db = openDatabase(dataDir)
})

afterEach(() => {
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const at = '2026-01-01T00:00:00.000Z'

const record = (overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  key: 'uploads/cat.jpg',
  bucket: 'uploads',
  etag: 'etag-v1',
  status: 'PROCESSED',
  size: 48_000,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [],
  createdAt: at,
  updatedAt: at,
  ...overrides,
})

const withIndex = <A, E>(use: (index: typeof SearchIndex.Service) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(Effect.flatMap(SearchIndex, use).pipe(Effect.provide(SearchIndexSqlite(db))))

describe('SearchIndexSqlite', () => {
  const document = imageDocument(record())

  it('leaves one document, the latest, when the same id is upserted twice', async () => {
    // Prepare
    const newer = imageDocument(record({ etag: 'etag-v2', width: 800, height: 600 }))

    // Act
    const exit = await withIndex((index) => Effect.zipRight(index.upsert(document), index.upsert(newer)))

    // Assess
    expect(exit).toEqual(Exit.succeed(undefined))
    expect(db.prepare('SELECT id, text FROM search').all()).toEqual([{ id: document.id, text: newer.text }])
    expect(search(db, 'cat')).toEqual([{ id: document.id, kind: 'image', title: 'uploads/cat.jpg', data: newer.data }])
  })

  it('removes a document by id', async () => {
    await withIndex((index) => Effect.zipRight(index.upsert(document), index.remove(document.id)))

    expect(search(db, 'cat')).toEqual([])
  })

  it('releases its savepoint and fails with TransientError when the database refuses the write', async () => {
    // Prepare
    const layer = SearchIndexSqlite(db)
    const upsert = () =>
      Effect.runPromiseExit(Effect.flatMap(SearchIndex, (index) => index.upsert(document)).pipe(Effect.provide(layer)))
    await upsert()
    db.exec('DROP TABLE search')

    // Act
    const exit = await upsert()

    // Assess
    expect(exit).toEqual(
      Exit.fail(
        expect.objectContaining({
          _tag: 'TransientError',
          operation: 'search:upsert',
          message: expect.stringContaining('no such table'),
        }),
      ),
    )
    expect(db.isTransaction).toBe(false)
  })
})

describe('search', () => {
  beforeEach(async () => {
    await withIndex((index) =>
      Effect.forEach(
        [
          imageDocument(record()),
          imageDocument(record({ key: 'uploads/dog.png', format: 'png', width: 300, height: 200 })),
        ],
        (doc) => index.upsert(doc),
      ),
    )
  })

  it.each([
    ['a word', 'cat', ['image:uploads/cat.jpg']],
    ['a prefix', 'do', ['image:uploads/dog.png']],
    ['two words, both required', 'dog png', ['image:uploads/dog.png']],
    ['a format', 'jpeg', ['image:uploads/cat.jpg']],
    ['a path', 'uploads/cat', ['image:uploads/cat.jpg']],
    ['dimensions', '300x200', ['image:uploads/dog.png']],
    ['case-insensitively', 'CAT', ['image:uploads/cat.jpg']],
    ['nothing for an empty text', '', []],
    ['nothing for blanks', ' \t ', []],
  ])('finds %s', (_name, text, ids) => {
    expect(search(db, text).map((hit) => hit.id)).toEqual(ids)
  })

  it.each([
    ['a lone double quote', '"'],
    ['an unbalanced quote before a word', '"cat'],
    ['a quote inside a word', 'cat"jpeg'],
    ['a lone asterisk', '*'],
    ['a leading asterisk', '*cat'],
    ['the AND operator', 'AND'],
    ['a dangling AND', 'cat AND'],
    ['OR and NOT', 'OR NOT cat'],
    ['an open parenthesis', '('],
    ['a close parenthesis', ')'],
    ['NEAR(', 'NEAR(cat'],
    ['a column filter', 'title:cat'],
    ['a caret', '^cat'],
    ['a minus', '-cat'],
    ['a plus', '+'],
    ['a backslash', '\\'],
    ['an emoji', '🐱'],
  ])('takes %s as text, never as FTS5 syntax', (_name, text) => {
    expect(() => search(db, text)).not.toThrow()
  })

  it.each([
    ['the word after an unbalanced quote', '"cat', ['image:uploads/cat.jpg']],
    ['the word before an asterisk', 'cat*', ['image:uploads/cat.jpg']],
    ['nothing for "cat AND": AND is a word, and no document has it', 'cat AND', []],
  ])('finds %s', (_name, text, ids) => {
    expect(search(db, text).map((hit) => hit.id)).toEqual(ids)
  })

  it('caps the hits at the limit', () => {
    expect(search(db, 'uploads', 1)).toHaveLength(1)
  })
})
