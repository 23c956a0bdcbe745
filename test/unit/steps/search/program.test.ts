import { Effect, Layer, ManagedRuntime } from 'effect'
import type { ImageRecord } from '../../../../contracts/images'
import { userDocument } from '../../../../steps/changes/documents'
import { invokeStep } from '../../../../steps/kit/step'
import { RenditionUrlSeconds, searchApi } from '../../../../steps/search/program'
import { ClockFixed } from '../../../../steps/services/clock'
import { ImageTable } from '../../../../steps/services/image-table'
import { ObjectUrls } from '../../../../steps/services/object-urls'
import { SearchIndex, SearchIndexDisabled } from '../../../../steps/services/search-index'
import { memorySearchIndex } from '../../../support/memory-search-index'
import { request } from '../api/support'

const Now = '2026-06-01T12:00:00.000Z'
const cat: ImageRecord = {
  key: 'uploads/pets/cat.jpg',
  bucket: 'uploads-bucket',
  etag: 'etag-1',
  status: 'PROCESSED',
  size: 1000,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [
    {
      name: 'thumbnail',
      key: 'thumbnails/thumbnail/pets/cat.jpg.jpg',
      format: 'jpeg',
      width: 200,
      height: 150,
      bytes: 9,
    },
  ],
  createdAt: Now,
  updatedAt: Now,
}

const images = Layer.succeed(ImageTable, {
  get: (key) => Effect.succeed(key === cat.key ? cat : undefined),
  putVersion: () => Effect.die('unused'),
})
const urls = Layer.succeed(ObjectUrls, {
  getUrl: (key, seconds) => Effect.succeed(`https://bucket.example/${key}?expires=${seconds}`),
})

const call = async (search: Layer.Layer<SearchIndex>, path: string) => {
  const runtime = ManagedRuntime.make(Layer.mergeAll(search, images, urls, ClockFixed(Now)))
  try {
    const answer = (await invokeStep(searchApi, runtime, request('get-order', { path }))) as {
      statusCode: number
      body: string
    }
    return { status: answer.statusCode, json: JSON.parse(answer.body) as Record<string, unknown> }
  } finally {
    await runtime.dispose()
  }
}

describe('the search API step', () => {
  it('answers a page of hits for GET /search', async () => {
    const index = memorySearchIndex()
    const ada = userDocument({
      userId: 'usr_1',
      username: 'ada',
      email: 'ada@example.com',
      status: 'active',
      createdAt: Now,
      updatedAt: Now,
      version: 1,
    })
    await Effect.runPromise(
      Effect.flatMap(SearchIndex, (search) => search.upsert(ada, 1)).pipe(Effect.provide(index.layer)),
    )

    const answer = await call(index.layer, '/search?q=Ada&kind=user')

    expect(answer).toEqual({
      status: 200,
      json: { results: [{ id: 'user:usr_1', kind: 'user', title: 'ada', data: ada.data }] },
    })
  })

  it('answers 501 saying why on a stack deployed without search', async () => {
    const answer = await call(SearchIndexDisabled('deployed without search'), '/search?q=ada')

    expect(answer).toEqual({ status: 501, json: { error: 'SearchNotDeployed', message: 'deployed without search' } })
  })

  it('answers GET /images/{key} with the record and a short-lived link per rendition', async () => {
    const answer = await call(memorySearchIndex().layer, '/images/pets/cat.jpg')

    expect(answer).toEqual({
      status: 200,
      json: {
        ...cat,
        renditions: [
          {
            ...cat.renditions[0],
            url: `https://bucket.example/thumbnails/thumbnail/pets/cat.jpg.jpg?expires=${RenditionUrlSeconds}`,
          },
        ],
        urlsExpireAt: '2026-06-01T12:15:00.000Z',
      },
    })
  })

  it('answers 404 for another path, as the orders API does', async () => {
    const answer = await call(memorySearchIndex().layer, '/orders')

    expect(answer.status).toBe(404)
  })
})
