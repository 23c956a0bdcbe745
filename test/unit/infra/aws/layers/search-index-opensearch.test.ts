import { Cause, Effect, Exit, Layer } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import type { SearchDocument } from '../../../../../contracts/search'
import {
  SearchIndexDefinition,
  SearchIndexName,
  SearchIndexOpenSearch,
} from '../../../../../infra/aws/layers/search-index-opensearch'
import { makeOpenSearchClient } from '../../../../../infra/aws/layers/services-opensearch'
import { SearchIndex } from '../../../../../steps/services/search-index'
import { searchIndexContract } from '../../../../contracts/search-index'
import { startFakeOpenSearch, type FakeOpenSearch } from '../../../../support/fake-opensearch'

const credentials = () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' })

/** The adapter over the official client, signing with its SigV4 signer, talking HTTP to a fake domain. */
const adapterOver = (fake: FakeOpenSearch): Layer.Layer<SearchIndex> =>
  Layer.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() =>
          makeOpenSearchClient({ endpoint: fake.endpoint, region: 'eu-west-1', getCredentials: credentials }),
        ),
        (client) => Effect.promise(() => client.close()),
      ),
      (client) => SearchIndexOpenSearch(client),
    ),
  )

const fakes: FakeOpenSearch[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()))
})
const newFake = async () => {
  const fake = await startFakeOpenSearch()
  fakes.push(fake)
  return fake
}

searchIndexContract('OpenSearch (official client over HTTP, against a fake domain)', async () =>
  adapterOver(await newFake()),
)

const user: SearchDocument = {
  id: 'user:usr_1',
  kind: 'user',
  title: 'ada',
  exact: ['usr_1', 'Ada', 'ada@example.com', 'active'],
  text: '',
  data: { userId: 'usr_1' },
}

const run = <A, E>(fake: FakeOpenSearch, program: Effect.Effect<A, E, SearchIndex>) =>
  Effect.runPromiseExit(program.pipe(Effect.provide(adapterOver(fake))))

describe('SearchIndexOpenSearch: the requests it sends', () => {
  it('creates the index with its declared mappings before the first write, then writes with an external version', async () => {
    // Prepare
    const fake = await newFake()

    // Act
    await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => Effect.zipRight(index.upsert(user, 3), index.upsert(user, 4))),
    )

    // Assess: https://docs.opensearch.org/latest/api-reference/document-apis/index-document/ (version, version_type)
    expect(fake.requests.map(({ method, path, query, body }) => ({ method, path, query, body }))).toEqual([
      { method: 'PUT', path: `/${SearchIndexName}`, query: {}, body: SearchIndexDefinition },
      {
        method: 'PUT',
        path: `/${SearchIndexName}/_doc/user:usr_1`,
        query: { version: '3', version_type: 'external' },
        body: { ...user, exact: ['usr_1', 'ada', 'ada@example.com', 'active'] },
      },
      expect.objectContaining({ method: 'PUT', query: { version: '4', version_type: 'external' } }),
    ])
    expect(fake.requests.every((request) => request.authorization?.includes('/eu-west-1/es/aws4_request'))).toBe(true)
  })

  it('deletes with an external version', async () => {
    const fake = await newFake()

    await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.remove('user:usr_1', 7)),
    )

    // https://docs.opensearch.org/latest/api-reference/document-apis/delete-document/
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/${SearchIndexName}/_doc/user:usr_1`,
      query: { version: '7', version_type: 'external' },
    })
  })

  it('searches with one body: the exact and text rules as a dis_max of constant scores, sorted by score and id', async () => {
    const fake = await newFake()

    await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.search({ q: ' Cat pic ', kind: 'image', limit: 5 })),
    )

    expect(fake.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/${SearchIndexName}/_search`,
      body: {
        size: 6,
        track_total_hits: false,
        _source: ['kind', 'title', 'data'],
        query: {
          bool: {
            must: [
              {
                dis_max: {
                  queries: [
                    { constant_score: { filter: { term: { exact: 'cat pic' } }, boost: 2 } },
                    {
                      constant_score: {
                        filter: { bool: { filter: [{ prefix: { text: 'cat' } }, { prefix: { text: 'pic' } }] } },
                        boost: 1,
                      },
                    },
                  ],
                },
              },
            ],
            filter: [{ term: { kind: 'image' } }],
          },
        },
        sort: [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }],
      },
    })
  })

  it('answers no hits, not an error, before the index exists', async () => {
    const fake = await newFake()

    const exit = await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.search({ q: 'ada', limit: 5 })),
    )

    expect(exit).toEqual(Exit.succeed({ items: [] }))
  })
})

describe('SearchIndexOpenSearch: the answers it maps', () => {
  it('takes a version conflict (409) for an older write, and ignores it', async () => {
    const fake = await newFake()

    const exit = await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => Effect.zipRight(index.upsert(user, 5), index.upsert(user, 4))),
    )

    expect(exit).toEqual(Exit.succeed('stale'))
    expect(fake.requests.at(-1)).toMatchObject({ query: { version: '4' } })
  })

  it.each([
    [429, 'rejected_execution_exception'],
    [500, 'exception'],
    [503, 'cluster_block_exception'],
  ])('fails a write with a TransientError on %i %s, so the workflow retries', async (status, type) => {
    const fake = await newFake()
    // The first request (creating the index) passes; the write gets the failure.
    await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.upsert(user, 1)),
    )
    // Twice: the client itself retries a 502, 503 or 504 once.
    fake.failNext(status, type)
    fake.failNext(status, type)

    const exit = await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.upsert(user, 2)),
    )

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'SearchIndex.upsert',
          message: `OpenSearch answered ${status} ${type}: injected ${type}`,
        }),
      ),
    )
  })

  it('fails a search with a TransientError when the domain is throttling', async () => {
    const fake = await newFake()
    fake.failNext(429, 'too_many_requests')

    const exit = await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.search({ q: 'ada', limit: 5 })),
    )

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'SearchIndex.search',
          message: 'OpenSearch answered 429 too_many_requests: injected too_many_requests',
        }),
      ),
    )
  })

  it('dies on 403 with a message that says what to fix', async () => {
    const fake = await newFake()
    fake.failNext(403, 'security_exception')

    const exit = await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.search({ q: 'ada', limit: 5 })),
    )

    expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : '').toContain(
      "SearchIndex.search: OpenSearch refused the request (403 security_exception: injected security_exception). The domain's access policy must name this function's role",
    )
  })

  it('fails with a TransientError when the domain cannot be reached', async () => {
    const fake = await newFake()
    await fake.close()
    fakes.splice(fakes.indexOf(fake), 1)

    const exit = await run(
      fake,
      Effect.flatMap(SearchIndex, (index) => index.upsert(user, 1)),
    )

    expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject({
      value: { _tag: 'TransientError', operation: 'SearchIndex.createIndex' },
    })
  })
})
