import { Effect, Exit, Layer } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import type { ImageRecord, SearchDocument } from '../../../../contracts/images'
import { imageDocument, indexImage } from '../../../../steps/images/index/program'
import { SearchIndex } from '../../../../steps/services/search-index'

/** An in-memory SearchIndex keyed by document id, as the port promises: upserting an id twice leaves one document. */
const memoryIndex = (fail?: TransientError) => {
  const documents = new Map<string, SearchDocument>()
  const layer = Layer.succeed(SearchIndex, {
    upsert: (doc) => (fail ? Effect.fail(fail) : Effect.sync(() => void documents.set(doc.id, doc))),
    remove: (id) => Effect.sync(() => void documents.delete(id)),
    listIds: (kind) =>
      Effect.sync(() => [...documents.values()].filter((doc) => doc.kind === kind).map((doc) => doc.id)),
  })
  return { layer, documents }
}

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

const index = (search: ReturnType<typeof memoryIndex>, input: unknown = record) =>
  Effect.runPromiseExit(indexImage.run(input as ImageRecord).pipe(Effect.provide(search.layer)))

describe('imageDocument', () => {
  it('is found by key, file name, format, status and dimensions, and carries the record', () => {
    expect(imageDocument(record)).toEqual({
      id: 'image:uploads/holiday/cat.jpg',
      kind: 'image',
      title: 'uploads/holiday/cat.jpg',
      text: 'uploads/holiday/cat.jpg cat.jpg jpeg PROCESSED 640x480',
      data: record,
    })
  })
})

describe('indexImage', () => {
  it('upserts the document and answers its id', async () => {
    // Prepare
    const search = memoryIndex()

    // Act
    const exit = await index(search)

    // Assess
    expect(exit).toEqual(Exit.succeed({ id: 'image:uploads/holiday/cat.jpg' }))
    expect([...search.documents.values()]).toEqual([imageDocument(record)])
  })

  it('leaves one document, the latest, when run twice for the key', async () => {
    // Prepare
    const search = memoryIndex()
    const newer = { ...record, etag: 'etag-v2', width: 800, height: 600 }

    // Act
    await index(search)
    const exit = await index(search, newer)

    // Assess
    expect(exit).toEqual(Exit.succeed({ id: 'image:uploads/holiday/cat.jpg' }))
    expect([...search.documents.values()]).toEqual([imageDocument(newer)])
  })

  it("fails with the index's TransientError", async () => {
    const fault = new TransientError({ operation: 'search:upsert', message: 'database is locked' })

    const exit = await index(memoryIndex(fault))

    expect(exit).toEqual(Exit.fail(fault))
  })
})
