import { Effect, ParseResult, Schema } from 'effect'
import type { ImageRecord } from '../../contracts/images'
import { SearchKind, type SearchAnswer } from '../../contracts/search'
import { UploadsPrefix } from '../../contracts/sources'
import { fieldErrors, Limit, Cursor } from '../api/body'
import { ApiGatewayRequest, toApiRequest, type ApiRequest } from '../api/event'
import { answerWith } from '../api/program'
import { json, notFound, reject } from '../api/responses'
import { makeRouter, type ApiHandler, type Route } from '../api/router'
import { StepNames } from '../kit/catalog'
import { defineStep } from '../kit/step'
import { now, type Clock } from '../services/clock'
import { ImageTable } from '../services/image-table'
import { ObjectUrls } from '../services/object-urls'
import { SearchIndex } from '../services/search-index'

/** How long a rendition's link stays valid, in seconds: long enough to load a page of thumbnails, short enough not to share. */
export const RenditionUrlSeconds = 15 * 60

const SearchParameters = Schema.Struct({
  q: Schema.Trim.pipe(
    Schema.minLength(1, { message: () => 'a search text is required' }),
    Schema.maxLength(256, { message: () => 'must be at most 256 characters' }),
  ),
  kind: Schema.optional(SearchKind),
  limit: Limit,
  cursor: Cursor,
})

/** 400 `InvalidParameter` naming each failing query parameter, in the message and in `fields`. */
const invalidParameters = (error: ParseResult.ParseError) => {
  const fields = fieldErrors(error)
  return reject(400, 'InvalidParameter', fields.map((field) => `${field.path}: ${field.message}`).join('; '), {
    fields,
  })
}

/**
 * `GET /search?q=&kind=&limit=&cursor=`: a page of `{results, next?}`, matched as `SearchDocument`
 * (`contracts/search.ts`) says. 400 names a bad parameter (an absent or blank `q` included) or a foreign cursor;
 * 501 says why when the stack has no search engine.
 */
export const searchDocuments = (request: ApiRequest) =>
  Effect.gen(function* () {
    const present = Object.fromEntries(Object.entries(request.query).filter(([, value]) => value !== ''))
    // An empty `q` is a blank search text, not an absent one: kept, so the answer says what is wrong with it.
    const { q } = request.query
    const query = yield* Schema.decodeUnknown(SearchParameters, { errors: 'all', onExcessProperty: 'ignore' })(
      q === undefined ? present : { ...present, q },
    ).pipe(Effect.catchTag('ParseError', invalidParameters))
    const index = yield* SearchIndex
    const page = yield* index.search(query).pipe(
      Effect.catchTags({
        SearchDisabled: ({ reason }) => reject(501, 'SearchNotDeployed', reason),
        InvalidCursor: ({ message }) =>
          reject(400, 'InvalidParameter', message, {
            fields: [{ path: 'cursor', message: 'must be the next of a previous page' }],
          }),
      }),
    )
    const answer: SearchAnswer =
      page.next === undefined ? { results: page.items } : { results: page.items, next: page.next }
    return json(200, answer)
  })

/**
 * `GET /images/{key}` (the key without `uploads/`): the image record, each rendition with a `url` to read it for
 * {@link RenditionUrlSeconds} seconds, and `urlsExpireAt`. 404 until the image workflow wrote a record.
 */
export const getImage = (_request: ApiRequest, params: Readonly<Record<string, string>>) =>
  Effect.gen(function* () {
    const key = params.key ?? ''
    const record: ImageRecord | undefined = yield* (yield* ImageTable).get(`${UploadsPrefix}${key}`)
    if (record === undefined) return yield* notFound(`No image record for ${key} (yet)`)
    const urls = yield* ObjectUrls
    const renditions = yield* Effect.forEach(record.renditions, (rendition) =>
      Effect.map(urls.getUrl(rendition.key, RenditionUrlSeconds), (url) => ({ ...rendition, url })),
    )
    const expires = new Date(Date.parse(yield* now) + RenditionUrlSeconds * 1000).toISOString()
    return json(200, { ...record, renditions, urlsExpireAt: expires })
  })

export type SearchServices = SearchIndex | ImageTable | ObjectUrls | Clock

export const searchRoutes: ReadonlyArray<Route<ApiHandler<SearchServices>>> = [
  { method: 'GET', path: '/search', handler: searchDocuments },
  { method: 'GET', path: '/images/{key+}', handler: getImage },
]

const answerSearch = answerWith(makeRouter(searchRoutes))

/**
 * The read side of the HTTP API: `GET /search` and `GET /images/{key}`, its own function behind API Gateway routes of
 * those paths (payload format 2.0), so the orders API's role cannot read the search domain and this one cannot write
 * orders. Locally the HTTP server hands these two paths to this same step.
 */
export const searchApi = defineStep({
  name: StepNames.searchApi,
  input: ApiGatewayRequest,
  run: (event) =>
    answerSearch(toApiRequest(event)).pipe(
      Effect.withSpan('search-api', { attributes: { method: event.requestContext.http.method, path: event.rawPath } }),
    ),
})
