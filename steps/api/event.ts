import { randomBytes } from 'node:crypto'
import { Schema } from 'effect'

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * The fields of an API Gateway HTTP API request (payload format 2.0) that the API reads
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.proxy-format).
 * Deliberately lenient: only what API Gateway always sends is required, so no client request can fail the decode,
 * and `null` is accepted where payload 1.0 and some emulators send it instead of leaving the field out.
 */
export const ApiGatewayRequest = Schema.Struct({
  rawPath: Schema.String,
  rawQueryString: Schema.optional(Schema.String),
  headers: Schema.optional(Schema.NullOr(StringMap)),
  queryStringParameters: Schema.optional(Schema.NullOr(StringMap)),
  pathParameters: Schema.optional(Schema.NullOr(StringMap)),
  body: Schema.optional(Schema.NullOr(Schema.String)),
  isBase64Encoded: Schema.optional(Schema.Boolean),
  requestContext: Schema.Struct({
    http: Schema.Struct({ method: Schema.String }),
    requestId: Schema.optional(Schema.String),
  }),
})
export type ApiGatewayRequest = typeof ApiGatewayRequest.Type

/** A request as the routes see it: method upper-cased, header names lower-cased, the body as the client's bytes. */
export interface ApiRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly query: Readonly<Record<string, string>>
  readonly body: Uint8Array | undefined
  readonly requestId?: string
}

/** What API Gateway does with a repeated header or query parameter in payload 2.0: one value, joined by commas. */
const joinValue = (target: Record<string, string>, name: string, value: string) => {
  target[name] = name in target ? `${target[name]},${value}` : value
}

const parseQuery = (raw: string): Record<string, string> => {
  const query: Record<string, string> = {}
  for (const [name, value] of new URLSearchParams(raw)) joinValue(query, name, value)
  return query
}

/** Normalizes an API Gateway event into an `ApiRequest`. */
export const toApiRequest = (event: ApiGatewayRequest): ApiRequest => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(event.headers ?? {})) joinValue(headers, name.toLowerCase(), value)
  const body =
    event.body === undefined || event.body === null || event.body === ''
      ? undefined
      : event.isBase64Encoded
        ? new Uint8Array(Buffer.from(event.body, 'base64'))
        : new TextEncoder().encode(event.body)
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    headers,
    query: event.queryStringParameters ?? parseQuery(event.rawQueryString ?? ''),
    body,
    ...(event.requestContext.requestId === undefined ? {} : { requestId: event.requestContext.requestId }),
  }
}

/** The whole payload 2.0 event, as API Gateway sends it for a `$default` route with no authorizer. */
export interface ApiGatewayEvent {
  readonly version: '2.0'
  readonly routeKey: '$default'
  readonly rawPath: string
  readonly rawQueryString: string
  readonly cookies?: ReadonlyArray<string>
  readonly headers: Readonly<Record<string, string>>
  readonly queryStringParameters?: Readonly<Record<string, string>>
  readonly requestContext: {
    readonly accountId: string
    readonly apiId: string
    readonly domainName: string
    readonly domainPrefix: string
    readonly http: {
      readonly method: string
      readonly path: string
      readonly protocol: string
      readonly sourceIp: string
      readonly userAgent: string
    }
    readonly requestId: string
    readonly routeKey: '$default'
    readonly stage: '$default'
    readonly time: string
    readonly timeEpoch: number
  }
  readonly body?: string
  readonly isBase64Encoded: boolean
}

export interface ApiGatewayEventInput {
  readonly method: string
  /** The path as the client sent it, still percent-encoded; a `?query` on it is used when `query` is not given. */
  readonly path: string
  /** A raw query string (with or without `?`), or parameters (a repeated one as an array). */
  readonly query?: string | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** Node's `IncomingMessage.headers` fit as they are. */
  readonly headers?: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** Text as it is, or bytes (sent base64-encoded, as API Gateway does with binary media). */
  readonly body?: string | Uint8Array
  /** Marks a string body as already base64-encoded. */
  readonly isBase64Encoded?: boolean
  readonly sourceIp?: string
  readonly protocol?: string
  readonly requestId?: string
  readonly now?: Date
}

const Months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (value: number) => String(value).padStart(2, '0')
/** `17/Jun/2024:15:52:39 +0000`, API Gateway's `requestContext.time`. */
const clfTime = (at: Date) =>
  `${pad(at.getUTCDate())}/${Months[at.getUTCMonth()]}/${at.getUTCFullYear()}:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`

const rawQueryOf = (query: ApiGatewayEventInput['query'], path: string): string => {
  if (query === undefined) return path.includes('?') ? path.slice(path.indexOf('?') + 1) : ''
  if (typeof query === 'string') return query.startsWith('?') ? query.slice(1) : query
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    for (const one of value === undefined ? [] : typeof value === 'string' ? [value] : value) params.append(name, one)
  }
  return params.toString()
}

/**
 * Builds the event API Gateway would send for a request, so the local HTTP server hands the API step exactly
 * what it gets on AWS: header names lower-cased, repeated values joined by commas, cookies moved to `cookies`,
 * `queryStringParameters` decoded (and left out when there are none), `x-forwarded-*` added, the body left out
 * when empty and base64-encoded when given as bytes.
 */
export const apiGatewayEvent = (input: ApiGatewayEventInput): ApiGatewayEvent => {
  const at = input.now ?? new Date()
  const sourceIp = input.sourceIp ?? '127.0.0.1'
  const rawPath = input.path.split('?')[0] || '/'
  const rawQueryString = rawQueryOf(input.query, input.path)

  const headers: Record<string, string> = {}
  const cookies: string[] = []
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue
    const values = typeof value === 'string' ? [value] : value
    if (name.toLowerCase() === 'cookie')
      cookies.push(
        ...values.flatMap((one) =>
          one
            .split(';')
            .map((cookie) => cookie.trim())
            .filter(Boolean),
        ),
      )
    else for (const one of values) joinValue(headers, name.toLowerCase(), one)
  }
  headers['x-forwarded-for'] ??= sourceIp
  headers['x-forwarded-proto'] ??= 'http'
  const host = headers.host ?? 'localhost'
  headers['x-forwarded-port'] ??= host.includes(':') ? host.slice(host.lastIndexOf(':') + 1) : '80'

  const queryStringParameters = rawQueryString === '' ? undefined : parseQuery(rawQueryString)
  const bytes = typeof input.body === 'string' ? undefined : input.body
  const body = typeof input.body === 'string' ? input.body : input.body && Buffer.from(input.body).toString('base64')
  const domainName = host.split(':')[0] ?? 'localhost'

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: input.method.toUpperCase(),
        path: rawPath,
        protocol: input.protocol ?? 'HTTP/1.1',
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId ?? randomBytes(10).toString('base64'),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(at),
      timeEpoch: at.getTime(),
    },
    ...(body === undefined || body === '' ? {} : { body }),
    isBase64Encoded: bytes !== undefined ? bytes.length > 0 : (input.isBase64Encoded ?? false),
  }
}
