import { Either, ParseResult, Schema } from 'effect'
import { EventSummaryPage, ExecutionPage, ImagePage, MetricsView } from '../contracts/console'
import { ExecutionDetail } from '../contracts/executions'
import { ImportReport } from '../contracts/imports'
import { Order, type OrderItem, type OrderStatus } from '../contracts/orders'
import { Replay } from '../contracts/replays'
import {
  EventPage,
  Health,
  OrderPage,
  PlacedOrderAnswer,
  RuleList,
  ScheduleList,
  ScheduleRun,
  SearchResults,
  SentMessage,
  type RuleView,
  type ScheduleView,
  type SearchResult,
  UserPage,
} from '../contracts/runtime-api'
import { ImportsPrefix, ReportsPrefix } from '../contracts/sources'
import { UploadResult } from '../contracts/uploads'
import { User } from '../contracts/users'
import { networkFailure } from '../infra/http/network'
import { HttpError, InvalidResponse, Unreachable, UsageError, type FieldError } from './errors'

// The local runtime's own routes, as the CLI reads them: every answer is decoded with its contract in contracts/.
// What AWS has an API for, the CLI asks the runtime's AWS endpoint (`backends/aws.ts`); these are the rest.

const ReplayList = Schema.Struct({ replays: Schema.Array(Replay) })
/** `GET /executions/{id}`: the execution, with its state machine and output besides. */
const RuntimeExecution = Schema.Struct({
  ...ExecutionDetail.fields,
  stateMachineArn: Schema.optional(Schema.String),
  output: Schema.optional(Schema.Unknown),
})
const ArchivedEventAnswer = Schema.Struct({ event: Schema.Unknown })

export type {
  ArchivedEvent,
  EventPage,
  RuleView,
  ScheduleView,
  SearchResult,
  SentMessage,
} from '../contracts/runtime-api'

export interface EventQuery {
  /** ISO 8601 bounds on the event's `time`. */
  readonly from?: string | undefined
  readonly to?: string | undefined
  /** An event pattern as JSON text; the server lists only the events it matches. */
  readonly pattern?: string | undefined
  readonly limit?: number | undefined
  /** The `next` of the previous page. */
  readonly after?: number | undefined
}

/** The body of `POST /orders`: items (the total follows) or a total alone. */
export interface PlaceOrder {
  readonly customerId: string
  readonly items?: ReadonlyArray<OrderItem>
  readonly totalAmount?: number
  readonly currency: string
}

export type { ImportReport, Order, OrderItem, OrderStatus, User }

/** One page of a list route that pages with an opaque cursor (`/orders`, `/users`): `next` is the following page's `cursor`. */
export interface CursorPage<T> {
  readonly items: ReadonlyArray<T>
  readonly next?: string
}

/** Where the local runtime answers unless PIPELINE_URL says otherwise. */
export const DefaultUrl = 'http://127.0.0.1:3000'

/** Reads PIPELINE_URL (default http://127.0.0.1:3000); a value that is not an http(s) URL is a usage error. */
export const baseUrlFrom = (env: Readonly<Record<string, string | undefined>>): URL => {
  const raw = env.PIPELINE_URL?.trim() || DefaultUrl
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`PIPELINE_URL is not a URL: ${raw}`, { showHelpHint: false })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`PIPELINE_URL must be an http:// or https:// URL: ${raw}`, { showHelpHint: false })
  // A trailing slash makes relative paths resolve under a base path such as http://host/pipeline/.
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  url.search = ''
  url.hash = ''
  return url
}

/** Encodes each `/`-separated segment of an object key for a URL path, keeping the slashes. */
export const encodeKeyPath = (key: string): string => key.split('/').map(encodeURIComponent).join('/')

type Method = 'GET' | 'PUT' | 'POST'

interface RequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>
  readonly body?: Uint8Array
  readonly contentType?: string
  /** Sent as a JSON body (and its Content-Type) instead of `body`. */
  readonly json?: unknown
  readonly headers?: Readonly<Record<string, string | undefined>>
  readonly timeoutMs?: number
}

/** A small typed client for the local runtime's HTTP API, over the global `fetch`. */
export class PipelineClient {
  readonly baseUrl: URL
  private readonly requestTimeoutMs: number

  constructor(baseUrl: URL, options: { readonly requestTimeoutMs?: number } = {}) {
    this.baseUrl = baseUrl
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
  }

  /** The address to show people: without the trailing slash we added. */
  get displayUrl(): string {
    return this.baseUrl.href.replace(/\/$/, '')
  }

  async health(): Promise<{ readonly status: string }> {
    return this.call(Health, 'GET', 'health')
  }

  /** `PUT /imports/{key}`: `key` is the part after `imports/`, segments unencoded; the import workflow reads it. */
  async importFile(key: string, bytes: Uint8Array, contentType: string): Promise<UploadResult> {
    return this.putObject(ImportsPrefix, key, bytes, contentType)
  }

  /**
   * The report of an import (`GET /objects/reports/{key}.json`, `key` after `imports/`), or undefined while there is
   * none (404). It may be the report of an earlier version of the file: compare its etag.
   */
  async getImportReport(key: string): Promise<ImportReport | undefined> {
    const path = `objects/${ReportsPrefix}${encodeKeyPath(key)}.json`
    try {
      return await this.call(ImportReport, 'GET', path)
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return undefined
      throw error
    }
  }

  /** `POST /queues/{queue}/messages`: one message, its body sent as it is. */
  async sendMessage(queue: string, message: string): Promise<SentMessage> {
    const path = `queues/${encodeURIComponent(queue)}/messages`
    return this.call(SentMessage, 'POST', path, {
      body: new TextEncoder().encode(message),
      contentType: 'text/plain; charset=utf-8',
    })
  }

  async listSchedules(): Promise<{ readonly schedules: ReadonlyArray<ScheduleView> }> {
    return this.call(ScheduleList, 'GET', 'schedules')
  }

  /** `POST /schedules/{name}/run`: starts the schedule's target now; 404 for an unknown schedule. */
  async runSchedule(name: string): Promise<{ readonly schedule: string; readonly executionArn: string }> {
    const path = `schedules/${encodeURIComponent(name)}/run`
    return this.call(ScheduleRun, 'POST', path)
  }

  /** `GET /search?q=`: 400 for an empty text. */
  async search(text: string): Promise<{ readonly results: ReadonlyArray<SearchResult> }> {
    return this.call(SearchResults, 'GET', 'search', { query: { q: text } })
  }

  /** `POST /orders`: 202 with the new order's id; with `idempotencyKey`, a retry answers the first placement again. */
  async placeOrder(
    order: PlaceOrder,
    idempotencyKey?: string,
  ): Promise<{ readonly orderId: string; readonly status: OrderStatus }> {
    return this.call(PlacedOrderAnswer, 'POST', 'orders', {
      json: order,
      headers: { 'idempotency-key': idempotencyKey },
    })
  }

  async getOrder(orderId: string): Promise<Order> {
    const path = `orders/${encodeURIComponent(orderId)}`
    return this.call(Order, 'GET', path)
  }

  /** One page of a customer's orders. */
  async listOrders(query: {
    readonly customerId: string
    readonly limit?: number
    readonly cursor?: string | undefined
  }): Promise<CursorPage<Order>> {
    const page = await this.call(OrderPage, 'GET', 'orders', {
      query: { customerId: query.customerId, limit: query.limit?.toString(), cursor: query.cursor },
    })
    return cursorPage(page.orders, page.next)
  }

  /** `POST /users`: 201 with the user; 409 `UsernameTaken`. */
  async createUser(user: { readonly username: string; readonly email: string }): Promise<User> {
    return this.call(User, 'POST', 'users', { json: user })
  }

  /** One page of the users. */
  async listUsers(
    query: { readonly limit?: number; readonly cursor?: string | undefined } = {},
  ): Promise<CursorPage<User>> {
    const page = await this.call(UserPage, 'GET', 'users', {
      query: { limit: query.limit?.toString(), cursor: query.cursor },
    })
    return cursorPage(page.users, page.next)
  }

  /** PutObject under `prefix` (`uploads/`, `imports/`): like S3's answer, plus the key and size. */
  private async putObject(prefix: string, key: string, bytes: Uint8Array, contentType: string): Promise<UploadResult> {
    // Large files get longer: the request timeout plus a second per MB.
    const timeoutMs = this.requestTimeoutMs + Math.ceil(bytes.byteLength / 1_000_000) * 1_000
    return this.call(UploadResult, 'PUT', `${prefix}${encodeKeyPath(key)}`, { body: bytes, contentType, timeoutMs })
  }

  /** `GET /events`: one page of the archive, oldest first. */
  async listEvents(query: EventQuery = {}): Promise<EventPage> {
    const { from, to, pattern, limit, after } = query
    return this.call(EventPage, 'GET', 'events', {
      query: { from, to, pattern, limit: limit?.toString(), after: after?.toString() },
    })
  }

  /** `GET /replays`: every replay, with the events each re-delivered of how many (EventBridge counts none). */
  async listReplays(): Promise<{ readonly replays: ReadonlyArray<Replay> }> {
    return this.call(ReplayList, 'GET', 'replays')
  }

  async listRules(): Promise<{ readonly rules: ReadonlyArray<RuleView> }> {
    return this.call(RuleList, 'GET', 'rules')
  }

  /** `GET /executions/{executionArnOrName}`: any execution the runtime keeps, Express ones included; 404 for none. */
  async getExecution(id: string): Promise<typeof RuntimeExecution.Type> {
    return this.call(RuntimeExecution, 'GET', `executions/${encodeURIComponent(id)}`)
  }

  /** `GET /console/api/executions`: a page of executions, newest first; `workflow` may be a state machine ARN. */
  async consoleExecutions(query: {
    readonly workflow?: string | undefined
    readonly status?: string | undefined
    readonly limit?: number | undefined
    readonly cursor?: string | undefined
  }): Promise<typeof ExecutionPage.Type> {
    return this.call(ExecutionPage, 'GET', 'console/api/executions', {
      query: { ...query, limit: query.limit?.toString() },
    })
  }

  /** `GET /console/api/events`: a page of the archive, newest first. */
  async consoleEvents(query: Readonly<Record<string, string | undefined>>): Promise<typeof EventSummaryPage.Type> {
    return this.call(EventSummaryPage, 'GET', 'console/api/events', { query })
  }

  /** `GET /console/api/events/{id}`: one archived event, whole. */
  async consoleEvent(id: string): Promise<unknown> {
    return (await this.call(ArchivedEventAnswer, 'GET', `console/api/events/${encodeURIComponent(id)}`)).event
  }

  /** `GET /console/api/images`: uploads with their status and thumbnails, newest first. */
  async consoleImages(query: {
    readonly limit?: number | undefined
    readonly cursor?: string | undefined
  }): Promise<typeof ImagePage.Type> {
    return this.call(ImagePage, 'GET', 'console/api/images', {
      query: { limit: query.limit?.toString(), cursor: query.cursor },
    })
  }

  /** `GET /console/api/metrics`: step invocations and workflow outcomes over a window (default: the last hour). */
  async metrics(
    window: { readonly from?: string | undefined; readonly to?: string | undefined } = {},
  ): Promise<MetricsView> {
    return this.call(MetricsView, 'GET', 'console/api/metrics', { query: { from: window.from, to: window.to } })
  }

  /** A request whose answer is decoded with its contract: anything outside it is an InvalidResponse naming the call. */
  private async call<A, I>(schema: Schema.Schema<A, I>, method: Method, path: string, options: RequestOptions = {}) {
    const body = await this.request(method, path, options)
    const decoded = Schema.decodeUnknownEither(schema)(body)
    if (Either.isLeft(decoded)) {
      const [issue] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
      throw new InvalidResponse(
        `${method} /${path.split('?')[0]} answered ${where}${issue?.message ?? 'another shape'}`,
      )
    }
    return decoded.right
  }

  private async request(method: Method, path: string, options: RequestOptions = {}): Promise<Record<string, unknown>> {
    const url = new URL(path, this.baseUrl)
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined && value !== '') url.searchParams.set(name, value)
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs
    const body = options.json === undefined ? options.body : new TextEncoder().encode(JSON.stringify(options.json))
    const contentType = options.json === undefined ? options.contentType : 'application/json'
    let response: Response
    let text: string
    try {
      const extra = Object.entries(options.headers ?? {}).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      )
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(contentType ? { 'content-type': contentType } : {}),
          ...Object.fromEntries(extra),
        },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      })
      text = await response.text()
    } catch (error) {
      throw new Unreachable(this.displayUrl, unreachableReason(error, timeoutMs))
    }
    const parsed = parseJson(text)
    if (!response.ok) {
      const error = typeof parsed?.error === 'string' ? parsed.error : response.statusText || 'Error'
      const message =
        typeof parsed?.message === 'string' ? parsed.message : text.trim().slice(0, 200) || `HTTP ${response.status}`
      throw new HttpError(response.status, error, message, { fields: fieldErrors(parsed?.fields) })
    }
    if (parsed === undefined)
      throw new InvalidResponse(`${method} /${path} answered ${response.status} with a body that is not a JSON object`)
    return parsed
  }
}

/** A page as the commands read it: `next` only when there are more. */
const cursorPage = <T>(items: ReadonlyArray<T>, next: string | null | undefined): CursorPage<T> =>
  typeof next === 'string' && next !== '' ? { items, next } : { items }

/** The `fields` of an error answer that has them, each with a path and a message; anything else is left out. */
const fieldErrors = (fields: unknown): ReadonlyArray<FieldError> =>
  Array.isArray(fields)
    ? fields
        .filter(
          (field): field is Record<string, unknown> =>
            typeof field === 'object' &&
            field !== null &&
            typeof (field as Record<string, unknown>).message === 'string',
        )
        .map((field) => ({ path: typeof field.path === 'string' ? field.path : '', message: field.message as string }))
    : []

const parseJson = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * fetch fails with `TypeError('fetch failed')`; the reason a person can act on is in its `cause`. Read by shape,
 * not `instanceof`: the error may come from another realm (a test runner's sandbox).
 */
const unreachableReason = (error: unknown, timeoutMs: number): string => {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown
    message?: unknown
    cause?: unknown
  }
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError')
    return `no answer within ${Math.round(timeoutMs / 1000)}s`
  const cause = (typeof failure.cause === 'object' && failure.cause !== null ? failure.cause : {}) as {
    code?: unknown
    message?: unknown
  }
  const reason = networkFailure(cause.code)
  if (reason) return reason
  if (typeof cause.message === 'string') return cause.message
  return typeof failure.message === 'string' ? failure.message : String(error)
}
