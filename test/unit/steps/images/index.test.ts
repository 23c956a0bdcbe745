import { Effect, Exit, Layer } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import type { ImageRecord } from '../../../../contracts/images'
import { imageDocument, imageVersion, indexImage } from '../../../../steps/images/index/program'
import { SearchIndex } from '../../../../steps/services/search-index'
import { memorySearchIndex } from '../../../support/memory-search-index'

const record: ImageRecord = {
  key: 'uploads/holiday/cat.jpg',
  bucket: 'uploads-bucket',
  etag: 'etag-v1',
  status: 'PROCESSED',
  size: 48_000,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}
const newer: ImageRecord = {
  ...record,
  etag: 'etag-v2',
  width: 800,
  height: 600,
  updatedAt: '2026-01-01T00:05:00.000Z',
}

const index = (layer: Layer.Layer<SearchIndex>, input: ImageRecord = record) =>
  Effect.runPromiseExit(indexImage.run(input).pipe(Effect.provide(layer)))

describe('imageDocument', () => {
  it('is found exactly by key, format, status and dimensions, as text by the words of its key, and carries the record', () => {
    expect(imageDocument(record)).toEqual({
      id: 'image:uploads/holiday/cat.jpg',
      kind: 'image',
      title: 'uploads/holiday/cat.jpg',
      exact: ['uploads/holiday/cat.jpg', 'jpeg', 'PROCESSED', '640x480'],
      text: 'uploads/holiday/cat.jpg',
      data: record,
    })
  })

  it("is versioned by the record's write time", () => {
    expect(imageVersion(record)).toBe(Date.parse('2026-01-01T00:00:00.000Z'))
  })
})

describe('indexImage', () => {
  it('upserts the document at the record version and answers its id', async () => {
    // Prepare
    const search = memorySearchIndex()

    // Act
    const exit = await index(search.layer)

    // Assess
    expect(exit).toEqual(Exit.succeed({ id: 'image:uploads/holiday/cat.jpg', outcome: 'written' }))
    expect([...search.documents.values()]).toEqual([imageDocument(record)])
  })

  it('writes nothing when run again for the same record', async () => {
    const search = memorySearchIndex()

    await index(search.layer)
    const exit = await index(search.layer)

    expect(exit).toEqual(Exit.succeed({ id: 'image:uploads/holiday/cat.jpg', outcome: 'stale' }))
  })

  it("keeps the newer upload's document when the run of an older one finishes last", async () => {
    const search = memorySearchIndex()

    await index(search.layer, newer)
    const exit = await index(search.layer, record)

    expect(exit).toEqual(Exit.succeed({ id: 'image:uploads/holiday/cat.jpg', outcome: 'stale' }))
    expect([...search.documents.values()]).toEqual([imageDocument(newer)])
  })

  it('skips cleanly when the stack has no search engine', async () => {
    const exit = await index(
      Layer.succeed(SearchIndex, { ...failing, upsert: () => Effect.succeed('disabled' as const) }),
    )

    expect(exit).toEqual(Exit.succeed({ id: 'image:uploads/holiday/cat.jpg', outcome: 'disabled' }))
  })

  it("fails with the index's TransientError", async () => {
    const fault = new TransientError({ operation: 'search:upsert', message: 'database is locked' })

    const exit = await index(Layer.succeed(SearchIndex, { ...failing, upsert: () => Effect.fail(fault) }))

    expect(exit).toEqual(Exit.fail(fault))
  })
})

const failing: typeof SearchIndex.Service = {
  upsert: () => Effect.die('unused'),
  remove: () => Effect.die('unused'),
  search: () => Effect.die('unused'),
  versions: () => Effect.die('unused'),
  list: () => Effect.die('unused'),
}
