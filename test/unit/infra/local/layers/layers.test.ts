import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { Effect, Exit } from 'effect'
import type { ImageRecord } from '../../../../../contracts/images'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { SearchIndexSqlite } from '../../../../../infra/local/layers/search-index-sqlite'
import { imageDocument, imageVersion } from '../../../../../steps/images/index/program'
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

// The match rules, paging and versioned writes: test/contracts/search-index.ts (search-index-sqlite.test.ts runs it).
describe('SearchIndexSqlite', () => {
  const document = imageDocument(record())
  const version = imageVersion(record())

  const found = async (q: string) => {
    const exit = await withIndex((index) => index.search({ q, limit: 50 }))
    if (Exit.isFailure(exit)) throw new Error(`search failed: ${String(exit.cause)}`)
    return exit.value.items.map((hit) => hit.id)
  }

  beforeEach(async () => {
    await withIndex((index) =>
      Effect.forEach([record(), record({ key: 'uploads/dog.png', format: 'png', width: 300, height: 200 })], (image) =>
        index.upsert(imageDocument(image), imageVersion(image)),
      ),
    )
  })

  it('keeps one FTS5 row per document however often it is replaced', async () => {
    const newer = record({ etag: 'etag-v2', updatedAt: '2026-01-02T00:00:00.000Z' })

    await withIndex((index) => index.upsert(imageDocument(newer), imageVersion(newer)))

    expect(db.prepare('SELECT COUNT(*) AS n FROM search WHERE id = ?').get(document.id)).toEqual({ n: 1 })
    expect(await found('cat')).toEqual([document.id])
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
  ])('takes %s as text, never as FTS5 syntax', async (_name, text) => {
    await expect(found(text)).resolves.toBeInstanceOf(Array)
  })

  it.each([
    ['the word after an unbalanced quote', '"cat', ['image:uploads/cat.jpg']],
    ['the word before an asterisk', 'cat*', ['image:uploads/cat.jpg']],
    ['nothing for "cat AND": AND is a word, and no document has it', 'cat AND', []],
  ])('finds %s', async (_name, text, ids) => {
    expect(await found(text)).toEqual(ids)
  })

  it('releases its savepoint and fails with TransientError when the database refuses the write', async () => {
    // Prepare
    db.exec('DROP TABLE search')

    // Act
    const exit = await withIndex((index) => index.upsert(document, version + 1))

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
