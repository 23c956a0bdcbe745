import { Data, Effect } from 'effect'

/**
 * A Lambda proxy answer in API Gateway's payload format 2.0 structured form
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response):
 * API Gateway sends `statusCode`, `headers` and `body` to the client as they are.
 */
export interface ApiResponse {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** One failing input field: `path` as a client would write it (`items[0].quantity`), `message` what is wrong with it. */
export interface FieldError {
  readonly path: string
  readonly message: string
}

/** The body of every error answer. `error` is a stable name clients may switch on; `message` is for people. */
export interface ErrorBody {
  readonly error: string
  readonly message: string
  readonly fields?: ReadonlyArray<FieldError>
}

/**
 * Sent on every answer, preflight or not, so a browser app on any origin can call the API and read its errors.
 * (API Gateway's own CORS configuration must stay off: it would answer OPTIONS itself and override these.)
 */
export const CorsHeaders: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, idempotency-key',
  'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
  'access-control-expose-headers': 'location, retry-after, idempotent-replayed',
  'access-control-max-age': '600',
}

/** A JSON answer. */
export const json = (
  statusCode: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
})

/** An answer without a body (204). */
export const noContent = (headers: Readonly<Record<string, string>> = {}): ApiResponse => ({
  statusCode: 204,
  headers,
  body: '',
})

/** An error answer: `{"error", "message", "fields"?}`. */
export const errorResponse = (
  statusCode: number,
  error: string,
  message: string,
  options: { readonly fields?: ReadonlyArray<FieldError>; readonly headers?: Readonly<Record<string, string>> } = {},
): ApiResponse => {
  const body: ErrorBody =
    options.fields && options.fields.length > 0 ? { error, message, fields: options.fields } : { error, message }
  return json(statusCode, body, options.headers)
}

/** Adds the CORS headers; a route's own header of the same name wins. */
export const withCors = (response: ApiResponse): ApiResponse => ({
  ...response,
  headers: { ...CorsHeaders, ...response.headers },
})

/**
 * A request the API turns down: it carries the answer to send. Routes fail with it, and the program answers it;
 * it never leaves the step, so it is a plain `Data` error rather than a contract.
 */
export class Rejected extends Data.TaggedError('Rejected')<{ readonly response: ApiResponse }> {}

/** Fails with an error answer. */
export const reject = (
  statusCode: number,
  error: string,
  message: string,
  options?: { readonly fields?: ReadonlyArray<FieldError>; readonly headers?: Readonly<Record<string, string>> },
): Effect.Effect<never, Rejected> =>
  Effect.fail(new Rejected({ response: errorResponse(statusCode, error, message, options) }))

/** 400 `ValidationFailed` naming every failing field. */
export const invalidFields = (message: string, fields: ReadonlyArray<FieldError>) =>
  reject(400, 'ValidationFailed', message, { fields })

/** 404 `NotFound`. */
export const notFound = (message: string) => reject(404, 'NotFound', message)
