import type { Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { ApiRequest } from './event'
import type { ApiResponse, Rejected } from './responses'

/** What a route runs: the request and its path parameters in, an answer out; a turned-down request fails with `Rejected`. */
export type ApiHandler<R> = (
  request: ApiRequest,
  params: Readonly<Record<string, string>>,
) => Effect.Effect<ApiResponse, Rejected | TransientError, R>

/** A route: a method and a path template whose `{name}` segments become parameters (`/orders/{orderId}`); a last `{name+}` takes the rest of the path. */
export interface Route<H> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly path: string
  readonly handler: H
}

/** What a request resolves to. */
export type RouteMatch<H> =
  | {
      readonly kind: 'route'
      readonly handler: H
      readonly params: Readonly<Record<string, string>>
      readonly head: boolean
    }
  /** `OPTIONS` on a known path: a CORS preflight, answered without running a route. */
  | { readonly kind: 'preflight'; readonly allow: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  /** A parameter segment that is not valid percent-encoding. */
  | { readonly kind: 'bad-path' }

const MethodOrder = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** A path segment: literal, a parameter (`{orderId}`), or a greedy one taking the rest of the path (`{key+}`). */
type Segment = { readonly literal: string } | { readonly param: string; readonly greedy: boolean }

const compile = (path: string): ReadonlyArray<Segment> =>
  path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      const param = /^\{(\w+)(\+?)\}$/.exec(part)
      return param ? { param: param[1]!, greedy: param[2] === '+' } : { literal: part }
    })

/** Splits a raw path into segments; one trailing slash is tolerated (`/orders/` is `/orders`). */
const segmentsOf = (rawPath: string): ReadonlyArray<string> | undefined => {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath
  const parts = path.split('/').slice(1)
  return parts.some((part) => part === '') && path !== '/' ? undefined : parts.filter(Boolean)
}

const matchSegments = (
  pattern: ReadonlyArray<Segment>,
  parts: ReadonlyArray<string>,
): Record<string, string> | undefined => {
  const greedy = pattern.at(-1)
  const rest = greedy !== undefined && 'greedy' in greedy && greedy.greedy
  // A greedy parameter, as API Gateway's `{proxy+}`, takes one or more segments.
  if (rest ? parts.length < pattern.length : pattern.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (const [index, segment] of pattern.entries()) {
    const part = parts[index]!
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined
    } else params[segment.param] = segment.greedy ? parts.slice(index).join('/') : part
  }
  return params
}

const decodeParams = (params: Record<string, string>): Record<string, string> | undefined => {
  try {
    return Object.fromEntries(Object.entries(params).map(([name, raw]) => [name, decodeURIComponent(raw)]))
  } catch {
    return undefined
  }
}

/**
 * A method-and-path router for a `$default` route, where API Gateway hands every request to one function:
 * 404 for an unknown path, 405 with the methods the path allows, `OPTIONS` as a preflight, and `HEAD` wherever `GET` is.
 * Paths are matched case-sensitively, as API Gateway matches them.
 */
export const makeRouter = <H>(routes: ReadonlyArray<Route<H>>) => {
  const compiled = routes.map((route) => ({ route, pattern: compile(route.path) }))
  return (method: string, rawPath: string): RouteMatch<H> => {
    const parts = segmentsOf(rawPath)
    if (parts === undefined) return { kind: 'not-found' }
    const onPath = compiled.flatMap(({ route, pattern }) => {
      const params = matchSegments(pattern, parts)
      return params ? [{ route, params }] : []
    })
    if (onPath.length === 0) return { kind: 'not-found' }
    const methods = new Set<string>(onPath.map(({ route }) => route.method))
    if (methods.has('GET')) methods.add('HEAD')
    methods.add('OPTIONS')
    const allow = MethodOrder.filter((known) => methods.has(known)).join(', ')
    if (method === 'OPTIONS') return { kind: 'preflight', allow }
    const head = method === 'HEAD'
    const found = onPath.find(({ route }) => route.method === (head ? 'GET' : method))
    if (!found) return { kind: 'method-not-allowed', allow }
    const params = decodeParams(found.params)
    return params ? { kind: 'route', handler: found.route.handler, params, head } : { kind: 'bad-path' }
  }
}
