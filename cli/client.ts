import type { ImageRecord } from '../contracts/images'
import type { ImportReport } from '../contracts/imports'
import type { Order, OrderItem, OrderStatus } from '../contracts/orders'
import { ImportsPrefix, ReportsPrefix, UploadsPrefix } from '../contracts/sources'
import type { User } from '../contracts/users'
import type {
  DeadLetterQueueView,
  ExecutionSummary as ConsoleExecution,
  MetricsView,
  RedriveOutcome,
} from '../infra/console/port'
import type { ReplayView } from '../infra/local/eventbridge/replays'
import { DefaultUrl, UsageError } from './args'

// The local runtime's HTTP API, as the CLI reads it. Execution and history shapes mirror Step Functions'
// DescribeExecution and GetExecutionHistory (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html).

/**
 * The statuses `GET /executions?status=` accepts: Step Functions' (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html)
 * plus PENDING, an execution the runtime accepted but has not started yet.
 */
export const ExecutionStatuses = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'] as const
export type ExecutionStatus = (typeof ExecutionStatuses)[number] | 'TIMED_OUT'

export interface ExecutionSummary {
  readonly executionArn: string
  readonly name: string
  readonly workflow: string
  readonly status: ExecutionStatus
  readonly startDate: string
  readonly stopDate?: string
  /** The object key (or business id) the execution is about, as `?key=` matches it. */
  readonly subject?: string
  /** Only in `GET /executions/{id}`; the list leaves it out. */
  readonly input?: unknown
  readonly error?: string
  readonly cause?: string
}

/** One GetExecutionHistory event; its details sit under a type-specific field such as `stateEnteredEventDetails`. */
export interface HistoryEvent {
  readonly id: number
  readonly previousEventId?: number
  readonly timestamp: string
  readonly type: string
  readonly [details: string]: unknown
}

/** The server's per-state summary of the history: CAUGHT is a failure a Catch handled. */
export interface StateSummary {
  readonly name: string
  readonly type: string
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CAUGHT' | 'RUNNING'
  readonly enteredAt: string
  readonly exitedAt?: string
  readonly durationMs?: number
  readonly retries: number
  /** How many times the state was entered (a Map's iterations, a retried branch). */
  readonly iterations?: number
  readonly error?: string
  readonly cause?: string
}

export interface ExecutionDetail extends ExecutionSummary {
  readonly history: ReadonlyArray<HistoryEvent>
  readonly states?: ReadonlyArray<StateSummary>
  /** On a deployed stack: the execution's page in the Step Functions console. */
  readonly consoleUrl?: string
}

/** What `PUT /uploads/{key}` answers, like S3 PutObject plus the key and size. */
export interface UploadResult {
  readonly bucket: string
  readonly key: string
  readonly etag: string
  readonly size: number
}

export interface DlqMessage {
  readonly id: string
  readonly sentAt: string
  readonly body: unknown
  /** How many times the message was received, this listing included (SQS's ApproximateReceiveCount). */
  readonly receiveCount?: number
  /** Its message attributes as strings, e.g. ERROR_CODE and RULE_ARN on an EventBridge target's dead letter. */
  readonly attributes?: Readonly<Record<string, string>>
}

export interface DlqQueue {
  readonly name: string
  readonly messages: ReadonlyArray<DlqMessage>
  /** On a deployed stack: the queue's URL, and how many messages SQS counts (a listing shows at most a sample). */
  readonly url?: string
  readonly approximateMessages?: number
}

/**
 * An event as the local bus logged it: `GET /events` lists the archive (and replays' re-deliveries, which carry
 * `replayName` and no archive). `event` is the EventBridge envelope (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
 */
export interface ArchivedEvent {
  readonly seq: number
  readonly bus: string
  readonly archive: string | null
  readonly replayName?: string
  readonly event: {
    readonly id: string
    readonly time: string
    readonly source: string
    readonly 'detail-type': string
    readonly detail: unknown
    readonly [field: string]: unknown
  }
}

/** One page of `GET /events`; `next` is the `after=` of the following page, absent on the last one. */
export interface EventPage {
  readonly events: ReadonlyArray<ArchivedEvent>
  readonly next?: number
}

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

/** A replay's states, after EventBridge's DescribeReplay (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeReplay.html). */
export const ReplayStates = ['STARTING', 'RUNNING', 'COMPLETED', 'CANCELLED', 'FAILED'] as const
export type ReplayState = (typeof ReplayStates)[number]

/** The states a replay never leaves. */
export const isReplayEnded = (state: string): boolean =>
  state === 'COMPLETED' || state === 'CANCELLED' || state === 'FAILED'

/** What `POST /replays`, `GET /replays/{name}` and `POST /replays/{name}/cancel` answer: the runtime's own view. */
export type { ReplayView }

export interface ReplayRequest {
  /** ISO 8601. */
  readonly from: string
  readonly to: string
  readonly rules?: ReadonlyArray<string>
  readonly name?: string
}

export interface RuleView {
  readonly name: string
  readonly bus: string
  readonly pattern: unknown
  readonly targets: ReadonlyArray<{ readonly id: string; readonly arn: string }>
}

/** A schedule of the local EventBridge Scheduler; `periodMs` is absent for what is not a `rate()` expression. */
export interface ScheduleView {
  readonly name: string
  readonly expression: string
  readonly targetArn: string
  readonly enabled: boolean
  readonly periodMs?: number | null
}

/** One hit of `GET /search`: a document of the search index, best match first. */
export interface SearchResult {
  readonly id: string
  readonly kind: string
  readonly title: string
  readonly data: unknown
}

/** What `POST /queues/{queue}/messages` answers: like SQS SendMessage, the message's id. */
export interface SentMessage {
  readonly queue: string
  readonly messageId: string
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

/** One field the server found invalid, in a 4xx answer's `fields`. */
export interface FieldError {
  readonly path: string
  readonly message: string
}

export interface ExecutionFilter {
  readonly workflow?: string | undefined
  readonly status?: string | undefined
  readonly key?: string | undefined
}

/** The runtime did not answer at all (connection refused, unknown host, timed out): exit 3. */
export class Unreachable extends Error {
  readonly _tag = 'Unreachable'
  readonly url: string
  constructor(url: string, reason: string) {
    super(
      `cannot reach the pipeline runtime at ${url} (${reason}). Is it running (npm start)? Set PIPELINE_URL to its address.`,
    )
    this.name = 'Unreachable'
    this.url = url
  }
}

/**
 * The runtime answered with an error status; `error` and `message` come from its JSON `{error, message}` body, and
 * `fields` from a validation error's `fields: [{path, message}]`. On a deployed stack, an AWS service's error
 * answer: `source` names the service (`Step Functions`), `error` is the exception's name.
 */
export class HttpError extends Error {
  readonly _tag = 'HttpError'
  readonly status: number
  readonly error: string
  readonly fields: ReadonlyArray<FieldError>
  /** Who answered, for messages; undefined for the local runtime. */
  readonly source: string | undefined
  constructor(status: number, error: string, message: string, fields: ReadonlyArray<FieldError> = [], source?: string) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.error = error
    this.fields = fields
    this.source = source
  }
}

/** The runtime answered 2xx with something outside its contract (not JSON, a field missing): exit 3. */
export class InvalidResponse extends Error {
  readonly _tag = 'InvalidResponse'
  constructor(message: string) {
    super(message)
    this.name = 'InvalidResponse'
  }
}

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

/** The image record's address: `GET /images/{key}` takes the key without its `uploads/` prefix. */
export const imagePath = (key: string): string =>
  `images/${encodeKeyPath(key.startsWith(UploadsPrefix) ? key.slice(UploadsPrefix.length) : key)}`

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
    const body = await this.request('GET', 'health')
    if (typeof body.status !== 'string') throw new InvalidResponse('GET /health answered without a status')
    return body as { status: string }
  }

  /** `PUT /uploads/{key}`: `key` is the part after `uploads/`, segments unencoded. */
  async upload(key: string, bytes: Uint8Array, contentType: string): Promise<UploadResult> {
    return this.putObject(UploadsPrefix, key, bytes, contentType)
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
      const body = await this.request('GET', path)
      if (
        typeof body.etag !== 'string' ||
        typeof body.rows !== 'number' ||
        typeof body.accepted !== 'number' ||
        !Array.isArray(body.rejected)
      ) {
        throw new InvalidResponse(`GET /${path} answered without an etag, rows, accepted and rejected`)
      }
      return body as unknown as ImportReport
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return undefined
      throw error
    }
  }

  /** `POST /queues/{queue}/messages`: one message, its body sent as it is. */
  async sendMessage(queue: string, message: string): Promise<SentMessage> {
    const path = `queues/${encodeURIComponent(queue)}/messages`
    const body = await this.request('POST', path, {
      body: new TextEncoder().encode(message),
      contentType: 'text/plain; charset=utf-8',
    })
    if (typeof body.messageId !== 'string') throw new InvalidResponse(`POST /${path} answered without a messageId`)
    return body as unknown as SentMessage
  }

  async listSchedules(): Promise<{ readonly schedules: ReadonlyArray<ScheduleView> }> {
    const body = await this.request('GET', 'schedules')
    if (!Array.isArray(body.schedules)) throw new InvalidResponse('GET /schedules answered without a schedules list')
    return body as unknown as { schedules: ReadonlyArray<ScheduleView> }
  }

  /** `POST /schedules/{name}/run`: starts the schedule's target now; 404 for an unknown schedule. */
  async runSchedule(name: string): Promise<{ readonly schedule: string; readonly executionArn: string }> {
    const path = `schedules/${encodeURIComponent(name)}/run`
    const body = await this.request('POST', path)
    if (typeof body.executionArn !== 'string')
      throw new InvalidResponse(`POST /${path} answered without an executionArn`)
    return body as unknown as { schedule: string; executionArn: string }
  }

  /** `GET /search?q=`: 400 for an empty text. */
  async search(text: string): Promise<{ readonly results: ReadonlyArray<SearchResult> }> {
    const body = await this.request('GET', 'search', { query: { q: text } })
    if (!Array.isArray(body.results)) throw new InvalidResponse('GET /search answered without a results list')
    return body as unknown as { results: ReadonlyArray<SearchResult> }
  }

  /** `POST /orders`: 202 with the new order's id; with `idempotencyKey`, a retry answers the first placement again. */
  async placeOrder(
    order: PlaceOrder,
    idempotencyKey?: string,
  ): Promise<{ readonly orderId: string; readonly status: OrderStatus }> {
    const body = await this.request('POST', 'orders', { json: order, headers: { 'idempotency-key': idempotencyKey } })
    if (typeof body.orderId !== 'string' || typeof body.status !== 'string')
      throw new InvalidResponse('POST /orders answered without an orderId and status')
    return body as unknown as { orderId: string; status: OrderStatus }
  }

  async getOrder(orderId: string): Promise<Order> {
    const path = `orders/${encodeURIComponent(orderId)}`
    const body = await this.request('GET', path)
    if (typeof body.orderId !== 'string' || typeof body.status !== 'string')
      throw new InvalidResponse(`GET /${path} answered without an orderId and status`)
    return body as unknown as Order
  }

  /** One page of a customer's orders. */
  async listOrders(query: {
    readonly customerId: string
    readonly limit?: number
    readonly cursor?: string | undefined
  }): Promise<CursorPage<Order>> {
    const body = await this.request('GET', 'orders', {
      query: { customerId: query.customerId, limit: query.limit?.toString(), cursor: query.cursor },
    })
    return cursorPage<Order>(body, 'orders', 'GET /orders')
  }

  /** `POST /users`: 201 with the user; 409 `UsernameTaken`. */
  async createUser(user: { readonly username: string; readonly email: string }): Promise<User> {
    const body = await this.request('POST', 'users', { json: user })
    if (typeof body.userId !== 'string') throw new InvalidResponse('POST /users answered without a userId')
    return body as unknown as User
  }

  /** One page of the users. */
  async listUsers(
    query: { readonly limit?: number; readonly cursor?: string | undefined } = {},
  ): Promise<CursorPage<User>> {
    const body = await this.request('GET', 'users', { query: { limit: query.limit?.toString(), cursor: query.cursor } })
    return cursorPage<User>(body, 'users', 'GET /users')
  }

  /** PutObject under `prefix` (`uploads/`, `imports/`): like S3's answer, plus the key and size. */
  private async putObject(prefix: string, key: string, bytes: Uint8Array, contentType: string): Promise<UploadResult> {
    // Large files get longer: the request timeout plus a second per MB.
    const timeoutMs = this.requestTimeoutMs + Math.ceil(bytes.byteLength / 1_000_000) * 1_000
    const body = await this.request('PUT', `${prefix}${encodeKeyPath(key)}`, { body: bytes, contentType, timeoutMs })
    if (typeof body.etag !== 'string' || typeof body.key !== 'string')
      throw new InvalidResponse(`PUT /${prefix}${key} answered without a key and etag`)
    return body as unknown as UploadResult
  }

  async listExecutions(
    filter: ExecutionFilter = {},
  ): Promise<{ readonly executions: ReadonlyArray<ExecutionSummary> }> {
    const body = await this.request('GET', 'executions', { query: { ...filter } })
    if (!Array.isArray(body.executions))
      throw new InvalidResponse('GET /executions answered without an executions list')
    return body as unknown as { executions: ReadonlyArray<ExecutionSummary> }
  }

  /** `GET /executions/{executionArnOrName}`. */
  async getExecution(id: string): Promise<ExecutionDetail> {
    const body = await this.request('GET', `executions/${encodeURIComponent(id)}`)
    if (typeof body.status !== 'string') throw new InvalidResponse(`GET /executions/${id} answered without a status`)
    return body as unknown as ExecutionDetail
  }

  /** The image record for an object key (with or without `uploads/`), or undefined while there is none (404). */
  async getImage(key: string): Promise<ImageRecord | undefined> {
    try {
      const body = await this.request('GET', imagePath(key))
      if (typeof body.status !== 'string') throw new InvalidResponse(`GET /${imagePath(key)} answered without a status`)
      return body as unknown as ImageRecord
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return undefined
      throw error
    }
  }

  async listDlq(): Promise<{ readonly queues: ReadonlyArray<DlqQueue> }> {
    const body = await this.request('GET', 'dlq')
    if (!Array.isArray(body.queues)) throw new InvalidResponse('GET /dlq answered without a queues list')
    return body as unknown as { queues: ReadonlyArray<DlqQueue> }
  }

  /** One page of `GET /events`. */
  async listEvents(query: EventQuery = {}): Promise<EventPage> {
    const { from, to, pattern, limit, after } = query
    const body = await this.request('GET', 'events', {
      query: { from, to, pattern, limit: limit?.toString(), after: after?.toString() },
    })
    if (!Array.isArray(body.events)) throw new InvalidResponse('GET /events answered without an events list')
    if (body.next !== undefined && body.next !== null && typeof body.next !== 'number')
      throw new InvalidResponse('GET /events answered a next that is not a number')
    return body as unknown as EventPage
  }

  /** `POST /replays`: starts a replay and answers its view (202). */
  async startReplay(request: ReplayRequest): Promise<ReplayView> {
    const body = await this.request('POST', 'replays', { json: request })
    return replayView(body, 'POST /replays')
  }

  async getReplay(name: string): Promise<ReplayView> {
    return replayView(await this.request('GET', `replays/${encodeURIComponent(name)}`), `GET /replays/${name}`)
  }

  async listReplays(): Promise<{ readonly replays: ReadonlyArray<ReplayView> }> {
    const body = await this.request('GET', 'replays')
    if (!Array.isArray(body.replays)) throw new InvalidResponse('GET /replays answered without a replays list')
    return body as unknown as { replays: ReadonlyArray<ReplayView> }
  }

  /** `POST /replays/{name}/cancel`: 404 for an unknown replay, 409 for one that already ended. */
  async cancelReplay(name: string): Promise<ReplayView> {
    return replayView(
      await this.request('POST', `replays/${encodeURIComponent(name)}/cancel`),
      `POST /replays/${name}/cancel`,
    )
  }

  async listRules(): Promise<{ readonly rules: ReadonlyArray<RuleView> }> {
    const body = await this.request('GET', 'rules')
    if (!Array.isArray(body.rules)) throw new InvalidResponse('GET /rules answered without a rules list')
    return body as unknown as { rules: ReadonlyArray<RuleView> }
  }

  /** `POST /console/api/executions/{id}/redrive`: RedriveExecution; 409 ExecutionNotRedrivable unless it failed, aborted or timed out. */
  async redriveExecution(id: string): Promise<ConsoleExecution> {
    const body = await this.request('POST', `console/api/executions/${encodeURIComponent(id)}/redrive`)
    if (typeof body.executionArn !== 'string' || typeof body.status !== 'string')
      throw new InvalidResponse(`POST /console/api/executions/${id}/redrive answered without an execution`)
    return body as unknown as ConsoleExecution
  }

  /** `GET /console/api/dlq`: each dead-letter queue with its messages, their reason and origin. */
  async listDeadLetterQueues(): Promise<{ readonly queues: ReadonlyArray<DeadLetterQueueView> }> {
    const body = await this.request('GET', 'console/api/dlq')
    if (!Array.isArray(body.queues)) throw new InvalidResponse('GET /console/api/dlq answered without a queues list')
    return body as unknown as { queues: ReadonlyArray<DeadLetterQueueView> }
  }

  /** `POST /console/api/dlq/{queue}/redrive`: sends the messages back where they came from. */
  async redriveDeadLetters(queue: string): Promise<RedriveOutcome> {
    const body = await this.request('POST', `console/api/dlq/${encodeURIComponent(queue)}/redrive`)
    if (typeof body.redriven !== 'number' || !Array.isArray(body.failed))
      throw new InvalidResponse(`POST /console/api/dlq/${queue}/redrive answered without redriven and failed`)
    return body as unknown as RedriveOutcome
  }

  /** `GET /console/api/metrics`: step invocations and workflow outcomes over a window (default: the last hour). */
  async metrics(
    window: { readonly from?: string | undefined; readonly to?: string | undefined } = {},
  ): Promise<MetricsView> {
    const body = await this.request('GET', 'console/api/metrics', { query: { from: window.from, to: window.to } })
    if (!Array.isArray(body.steps) || !Array.isArray(body.workflows))
      throw new InvalidResponse('GET /console/api/metrics answered without steps and workflows')
    return body as unknown as MetricsView
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
      throw new HttpError(response.status, error, message, fieldErrors(parsed?.fields))
    }
    if (parsed === undefined)
      throw new InvalidResponse(`${method} /${path} answered ${response.status} with a body that is not a JSON object`)
    return parsed
  }
}

/** A replay view needs at least its name, state and counts: the CLI prints and polls on them. */
const replayView = (body: Record<string, unknown>, call: string): ReplayView => {
  if (typeof body.name !== 'string' || typeof body.state !== 'string')
    throw new InvalidResponse(`${call} answered without a replay name and state`)
  if (typeof body.total !== 'number' || typeof body.replayed !== 'number')
    throw new InvalidResponse(`${call} answered without replayed and total counts`)
  return body as unknown as ReplayView
}

/** A list route's page: `items` from the list under `field`, `next` a string when there are more. */
const cursorPage = <T>(body: Record<string, unknown>, field: string, call: string): CursorPage<T> => {
  const items = body[field]
  if (!Array.isArray(items)) throw new InvalidResponse(`${call} answered without a ${field} list`)
  const next = body.next
  if (next !== undefined && next !== null && typeof next !== 'string')
    throw new InvalidResponse(`${call} answered a next that is not a string`)
  return typeof next === 'string' && next !== '' ? { items: items as T[], next } : { items: items as T[] }
}

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
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    UND_ERR_SOCKET: 'connection closed',
  }
  if (typeof cause.code === 'string' && reasons[cause.code]) return reasons[cause.code] ?? cause.code
  if (typeof cause.message === 'string') return cause.message
  return typeof failure.message === 'string' ? failure.message : String(error)
}
