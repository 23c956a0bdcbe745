import { Cause, Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import { StepNames } from '../kit/catalog'
import { defineStep } from '../kit/step'
import { ApiGatewayRequest, toApiRequest, type ApiRequest } from './event'
import { orderRoutes, type OrderServices } from './orders'
import { errorResponse, noContent, withCors, type ApiResponse, type Rejected } from './responses'
import { makeRouter, type ApiHandler, type Route, type RouteMatch } from './router'
import { userRoutes, type UserServices } from './users'

/** Every service the API reads or writes. */
export type ApiServices = OrderServices | UserServices

const routes: ReadonlyArray<Route<ApiHandler<ApiServices>>> = [...orderRoutes, ...userRoutes]
const route = makeRouter(routes)

/** How long a client should wait before retrying after a 503, in seconds. */
export const RetryAfterSeconds = 1

/**
 * Answers one request. Never fails: a turned-down request is its error answer, a `TransientError` (a table or store
 * that did not answer) is 503 `ServiceUnavailable` with `retry-after`, and a defect is a logged 500 `InternalError`,
 * so even then the client gets JSON with CORS headers instead of API Gateway's bare `Internal Server Error`.
 */
export const answerRequest = (request: ApiRequest): Effect.Effect<ApiResponse, never, ApiServices> =>
  answerWith(route)(request)

/** {@link answerRequest} over another set of routes: the same answers to unknown paths, failures and defects. */
export const answerWith =
  <R>(route: (method: string, path: string) => RouteMatch<ApiHandler<R>>) =>
  (request: ApiRequest): Effect.Effect<ApiResponse, never, R> => {
    const match = route(request.method, request.path)
    const routed: Effect.Effect<ApiResponse, Rejected | TransientError, R> = (() => {
      switch (match.kind) {
        case 'route':
          return match.handler(request, match.params)
        case 'preflight':
          return Effect.succeed(noContent({ allow: match.allow }))
        case 'not-found':
          return Effect.succeed(errorResponse(404, 'NotFound', `No route for ${request.path}`))
        case 'bad-path':
          return Effect.succeed(errorResponse(400, 'InvalidPath', 'The path is not valid percent-encoding'))
        case 'method-not-allowed':
          return Effect.succeed(
            errorResponse(405, 'MethodNotAllowed', `${request.method} is not allowed on ${request.path}`, {
              headers: { allow: match.allow },
            }),
          )
      }
    })()
    return routed.pipe(
      Effect.catchTags({
        Rejected: (rejected) => Effect.succeed(rejected.response),
        TransientError: (error) =>
          Effect.logWarning('backing service unavailable', {
            path: request.path,
            operation: error.operation,
            error: error.message,
          }).pipe(
            Effect.as(
              errorResponse(503, 'ServiceUnavailable', 'A backing service is unavailable; retry shortly', {
                headers: { 'retry-after': String(RetryAfterSeconds) },
              }),
            ),
          ),
      }),
      Effect.catchAllCause((cause) =>
        Effect.logError('request failed', {
          path: request.path,
          requestId: request.requestId,
          cause: Cause.pretty(cause),
        }).pipe(
          Effect.as(
            errorResponse(
              500,
              'InternalError',
              `The request failed unexpectedly${request.requestId ? ` (request ${request.requestId})` : ''}`,
            ),
          ),
        ),
      ),
      Effect.map((response) => withCors(match.kind === 'route' && match.head ? { ...response, body: '' } : response)),
    )
  }

/**
 * The HTTP API: one Lambda behind an API Gateway HTTP API `$default` route (payload format 2.0), answering
 * `/orders*` and `/users*` with API Gateway's structured response `{statusCode, headers, body}`.
 * Locally the HTTP server wraps each request with `apiGatewayEvent` and runs this same step.
 */
export const httpApi = defineStep({
  name: StepNames.httpApi,
  input: ApiGatewayRequest,
  run: (event) =>
    answerRequest(toApiRequest(event)).pipe(
      Effect.withSpan('http-api', { attributes: { method: event.requestContext.http.method, path: event.rawPath } }),
    ),
})
