import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ImageRecord } from '../../../contracts/images'
import type {
  ArchivedEvent,
  ImportReport,
  Order,
  RuleView,
  ScheduleView,
  SearchResult,
  User,
} from '../../../cli/client'
import { compilePattern } from '../../../infra/local/eventbridge/pattern'
import type { Io } from '../../../cli/io'
import type { ExecutionDetail, ExecutionSummary } from '../../../contracts/executions'
import type { ReplayView as Replay } from '../../../infra/local/eventbridge/replays'

/** A request the fake saw, for assertions on what the CLI sent. */
export interface SeenRequest {
  readonly method: string
  /** The raw (still encoded) path. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly contentType?: string
  /** The parsed body of a JSON request. */
  readonly body?: unknown
  /** The body of a text request (a queue message), as sent. */
  readonly text?: string
  readonly idempotencyKey?: string
}

/** A message the fake's queues took. */
export interface FakeMessage {
  readonly queue: string
  readonly messageId: string
  readonly body: string
}

/** How the fake's order workflow decides an order; undefined leaves it PENDING for good. */
export type OrderDecision =
  { readonly status: 'ACCEPTED' | 'REJECTED'; readonly reasons?: ReadonlyArray<string> } | undefined

/** How the fake's replays move: each GET /replays/{name} re-delivers `step` more events (0: never moves on its own). */
export interface FakeReplayBehaviour {
  readonly step?: number
  /** The replay FAILS with `reason` once it has replayed this many events. */
  readonly failAt?: number
  readonly reason?: string
}

export interface FakeRuntimeOptions {
  /** What GET /executions/{id} answers: the runtime's record of an execution (an Express one's, which AWS does not describe). */
  readonly executions?: ReadonlyArray<ExecutionDetail>
  /** What GET /console/api/executions?workflow={state machine ARN} lists: an Express workflow's executions. */
  readonly expressExecutions?: Readonly<Record<string, ReadonlyArray<ExecutionSummary>>>
  /** What GET /events lists (in this order), filtered by from, to, pattern and after. */
  readonly events?: ReadonlyArray<ArchivedEvent>
  /** GET /events answers at most this many events a page, whatever the limit asked. */
  readonly eventsPageSize?: number
  readonly rules?: ReadonlyArray<RuleView>
  readonly replays?: ReadonlyArray<Replay>
  readonly replay?: FakeReplayBehaviour
  /** The queues POST /queues/{queue}/messages knows (default: orders). */
  readonly queueNames?: ReadonlyArray<string>
  /** Messages the queue refuses with 400 InvalidMessage. */
  readonly refuseMessage?: (body: string) => boolean
  /** What the "import workflow" reports for a PUT /imports/{key}; undefined means it never writes a report. */
  readonly importReport?: (key: string, body: Buffer, etag: string) => ImportReport | undefined
  /** GET /objects/reports/... answers 404 this many times before the new report shows. */
  readonly pollsBeforeReport?: number
  /** Objects GET /objects/{key} serves as JSON from the start (e.g. an earlier version's report). */
  readonly objects?: Readonly<Record<string, unknown>>
  readonly schedules?: ReadonlyArray<ScheduleView>
  /** What GET /search searches: a result matches when every word of q starts a word of its id or title. */
  readonly searchIndex?: ReadonlyArray<SearchResult>
  readonly orders?: ReadonlyArray<Order>
  /** How the "order workflow" decides a placed order (default: ACCEPTED). */
  readonly decideOrder?: (order: Order) => OrderDecision
  /** GET /orders/{id} answers PENDING this many times before the decision shows. */
  readonly pollsBeforeDecision?: number
  readonly users?: ReadonlyArray<User>
  /** GET /orders and GET /users answer at most this many items a page, whatever the limit asked. */
  readonly cursorPageSize?: number
  /** Every route answers this instead. */
  readonly failWith?: { readonly status: number; readonly body: string }
}

export interface FakeRuntime {
  readonly url: string
  readonly requests: SeenRequest[]
  readonly executions: ExecutionDetail[]
  readonly replays: Map<string, Replay>
  readonly messages: FakeMessage[]
  /** Objects by key (`imports/...` as the bytes' size and etag, `reports/...` as JSON). */
  readonly objects: Map<string, unknown>
  readonly orders: Map<string, Order>
  readonly users: Map<string, User>
  /** The replays as the runtime's EventBridge API moves them (what `local-target.ts` answers the SDK with). */
  readonly replayApi: {
    start(request: Record<string, unknown>): { readonly status: number; readonly body: unknown }
    /** The replay after one more poll; undefined when there is none of that name. */
    advance(name: string): Replay | undefined
    cancel(name: string): { readonly status: number; readonly body: unknown }
  }
  close(): Promise<void>
}

const Archive = 'pipeline-archive'

const Bucket = 'pipeline-uploads'
const jpegMagic = Buffer.from([0xff, 0xd8, 0xff])

/** Like the real workflow, roughly: JPEG bytes become two renditions, anything else is rejected as UnsupportedImage. */
export const processLikeTheWorkflow = (key: string, body: Buffer, etag: string): ImageRecord => {
  const at = new Date().toISOString()
  const base = { key, bucket: Bucket, etag, size: body.length, createdAt: at, updatedAt: at }
  if (body.subarray(0, 3).equals(jpegMagic)) {
    return {
      ...base,
      status: 'PROCESSED',
      format: 'jpeg',
      width: 1600,
      height: 1200,
      renditions: [
        {
          name: 'thumbnail',
          key: `thumbnails/${key}/thumbnail.jpg`,
          format: 'jpeg',
          width: 200,
          height: 150,
          bytes: 5222,
        },
        { name: 'web', key: `thumbnails/${key}/web.webp`, format: 'webp', width: 1280, height: 960, bytes: 82_124 },
      ],
    }
  }
  return {
    ...base,
    status: 'FAILED',
    renditions: [],
    error: 'UnsupportedImage',
    reason: `${key} is not a supported image (detected: unknown)`,
  }
}

/** A `node:http` stand-in for the local runtime's HTTP API on 127.0.0.1, port 0. */
export const startFakeRuntime = async (options: FakeRuntimeOptions = {}): Promise<FakeRuntime> => {
  const requests: SeenRequest[] = []
  const executions = [...(options.executions ?? [])]
  const replays = new Map((options.replays ?? []).map((replay) => [replay.name, replay]))
  const messages: FakeMessage[] = []
  const objects = new Map<string, unknown>(Object.entries(options.objects ?? {}))
  const pendingReports = new Map<string, { report: ImportReport; pollsLeft: number }>()
  const orders = new Map((options.orders ?? []).map((order) => [order.orderId, order]))
  const decisions = new Map<string, { decision: OrderDecision; pollsLeft: number }>()
  const idempotency = new Map<string, { fingerprint: string; orderId: string }>()
  const users = new Map((options.users ?? []).map((user) => [user.userId, user]))
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      send(response, 500, { error: 'FakeFailed', message: String(error) }),
    )
  })
  const runtime: FakeRuntime & { url: string } = {
    url: '',
    requests,
    executions,
    replays,
    messages,
    objects,
    orders,
    users,
    replayApi: {
      start: (request) => startReplay(request),
      advance: (name) => {
        const replay = replays.get(name)
        return replay ? advance(replay) : undefined
      },
      cancel: (name) => cancelReplay(name),
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(body))
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake')
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const isJson = request.headers['content-type'] === 'application/json'
    const isText = request.headers['content-type']?.startsWith('text/plain') === true
    const idempotencyKey = request.headers['idempotency-key']
    requests.push({
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(request.headers['content-type'] ? { contentType: request.headers['content-type'] } : {}),
      ...(isJson ? { body: JSON.parse(body.toString('utf8')) as unknown } : {}),
      ...(isText ? { text: body.toString('utf8') } : {}),
      ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
    })
    if (options.failWith) {
      response.writeHead(options.failWith.status, { 'content-type': 'application/json' })
      response.end(options.failWith.body)
      return
    }
    const route = `${request.method} ${url.pathname}`
    if (route === 'GET /health') return send(response, 200, { status: 'ok' })
    if (request.method === 'GET' && url.pathname.startsWith('/executions/')) {
      const id = decodeURIComponent(url.pathname.slice('/executions/'.length))
      const found = executions.find((execution) => execution.name === id || execution.executionArn === id)
      return found
        ? send(response, 200, found)
        : send(response, 404, { error: 'ExecutionDoesNotExist', message: `no execution ${id}` })
    }
    if (route === 'GET /console/api/executions') {
      const listed = options.expressExecutions?.[url.searchParams.get('workflow') ?? ''] ?? []
      const status = url.searchParams.get('status')
      return send(response, 200, { executions: listed.filter((execution) => !status || execution.status === status) })
    }
    if (route === 'GET /rules') return send(response, 200, { rules: options.rules ?? [] })
    if (route === 'GET /events')
      return send(response, 200, listEvents(options.events ?? [], url.searchParams, options.eventsPageSize))
    if (route === 'GET /replays') return send(response, 200, { replays: [...replays.values()] })
    if (route === 'POST /replays') {
      const { status, body: answer } = startReplay(JSON.parse(body.toString('utf8')) as Record<string, unknown>)
      return send(response, status, answer)
    }
    const replayRoute = /^\/replays\/([^/]+)(\/cancel)?$/.exec(url.pathname)
    if (replayRoute) {
      const name = decodeURIComponent(replayRoute[1] ?? '')
      const replay = replays.get(name)
      if (!replay)
        return send(response, 404, { error: 'ResourceNotFoundException', message: `Replay ${name} does not exist.` })
      if (request.method === 'GET' && !replayRoute[2]) return send(response, 200, advance(replay))
      if (request.method === 'POST' && replayRoute[2]) {
        const { status, body: answer } = cancelReplay(name)
        return send(response, status, answer)
      }
    }
    const queueRoute = /^\/queues\/([^/]+)\/messages$/.exec(url.pathname)
    if (request.method === 'POST' && queueRoute) {
      const queue = decodeURIComponent(queueRoute[1] ?? '')
      if (!(options.queueNames ?? ['orders']).includes(queue))
        return send(response, 404, { error: 'QueueDoesNotExist', message: `No queue named ${queue}` })
      if (body.length === 0)
        return send(response, 400, { error: 'InvalidMessage', message: 'body: a message needs a body' })
      if (body.length > 256 * 1024)
        return send(response, 413, { error: 'PayloadTooLarge', message: `The body is over ${256 * 1024} bytes` })
      if (options.refuseMessage?.(body.toString('utf8')))
        return send(response, 400, {
          error: 'InvalidMessage',
          message: 'body: the message holds characters SQS does not allow',
        })
      const messageId = `msg-${messages.length + 1}`
      messages.push({ queue, messageId, body: body.toString('utf8') })
      return send(response, 202, { queue, messageId })
    }
    if (request.method === 'PUT' && url.pathname.startsWith('/imports/')) {
      const key = decodeURIComponent(url.pathname.slice(1))
      const etag = createHash('md5').update(body).digest('hex')
      objects.set(key, { size: body.length, etag })
      const report = options.importReport?.(key, body, etag)
      const reportKey = `reports/${key.slice('imports/'.length)}.json`
      if (report) pendingReports.set(reportKey, { report, pollsLeft: options.pollsBeforeReport ?? 0 })
      // Like the runtime: the JSON answer carries the etag bare, the ETag header quoted.
      return send(response, 200, { bucket: Bucket, key, etag, size: body.length })
    }
    if (request.method === 'GET' && url.pathname.startsWith('/objects/')) {
      const key = decodeURIComponent(url.pathname.slice('/objects/'.length))
      const next = pendingReports.get(key)
      if (next && next.pollsLeft-- <= 0) {
        objects.set(key, next.report)
        pendingReports.delete(key)
      }
      return objects.has(key)
        ? send(response, 200, objects.get(key))
        : send(response, 404, { error: 'NoSuchKey', message: `No object ${key}` })
    }
    if (route === 'GET /schedules') return send(response, 200, { schedules: options.schedules ?? [] })
    const scheduleRoute = /^\/schedules\/([^/]+)\/run$/.exec(url.pathname)
    if (request.method === 'POST' && scheduleRoute) {
      const name = decodeURIComponent(scheduleRoute[1] ?? '')
      const schedule = (options.schedules ?? []).find((candidate) => candidate.name === name)
      if (!schedule)
        return send(response, 404, { error: 'ResourceNotFoundException', message: `No schedule named ${name}` })
      const workflow = schedule.targetArn.split(':').pop() ?? 'Workflow'
      return send(response, 202, {
        schedule: name,
        executionArn: `arn:aws:states:us-east-1:123456789012:execution:${workflow}:${name}-1`,
      })
    }
    if (route === 'GET /search') {
      const q = url.searchParams.get('q') ?? ''
      if (q.trim() === '')
        return send(response, 400, { error: 'InvalidParameter', message: 'q: a search text is required' })
      const terms = q.toLowerCase().split(/\s+/).filter(Boolean)
      const words = (result: SearchResult) => `${result.id} ${result.title}`.toLowerCase().split(/[^a-z0-9_]+/)
      return send(response, 200, {
        results: (options.searchIndex ?? []).filter((result) =>
          terms.every((term) => words(result).some((word) => word.startsWith(term))),
        ),
      })
    }
    if (route === 'POST /orders') {
      const { status, body: answer } = placeOrder(
        JSON.parse(body.toString('utf8')) as Record<string, unknown>,
        typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
      )
      return send(response, status, answer)
    }
    if (route === 'GET /orders') {
      const customerId = url.searchParams.get('customerId')
      if (!customerId)
        return send(response, 400, {
          error: 'ValidationError',
          message: 'The query is not valid',
          fields: [{ path: 'customerId', message: 'is missing' }],
        })
      return sendPage(
        response,
        url,
        'orders',
        [...orders.values()].filter((order) => order.customerId === customerId),
      )
    }
    if (request.method === 'GET' && url.pathname.startsWith('/orders/')) {
      const id = decodeURIComponent(url.pathname.slice('/orders/'.length))
      const order = orders.get(id)
      if (!order) return send(response, 404, { error: 'NotFound', message: `No order ${id}` })
      return send(response, 200, decide(order))
    }
    if (route === 'POST /users') {
      const { status, body: answer } = createUser(JSON.parse(body.toString('utf8')) as Record<string, unknown>)
      return send(response, status, answer)
    }
    if (route === 'GET /users') return sendPage(response, url, 'users', [...users.values()])
    return send(response, 404, { error: 'NotFound', message: route })
  }

  /** A page of a cursor-paged list, like the API's: limit 1 to 100 (20 by default); a full page carries `next`, even the last one. */
  const sendPage = (response: ServerResponse, url: URL, field: string, items: ReadonlyArray<unknown>) => {
    const limit = Number(url.searchParams.get('limit') ?? '20')
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return send(response, 400, {
        error: 'ValidationError',
        message: 'The query is not valid',
        fields: [{ path: 'limit', message: 'must be an integer from 1 to 100' }],
      })
    }
    const start = Number(url.searchParams.get('cursor') ?? '0')
    const size = Math.min(limit, options.cursorPageSize ?? Number.POSITIVE_INFINITY)
    const page = items.slice(start, start + size)
    return send(response, 200, page.length === size ? { [field]: page, next: String(start + size) } : { [field]: page })
  }

  /** Like the API: every invalid field named in a 400; with an Idempotency-Key, the same body answers the same order. */
  const placeOrder = (request: Record<string, unknown>, key: string | undefined): { status: number; body: unknown } => {
    const fields: Array<{ path: string; message: string }> = []
    if (typeof request.customerId !== 'string' || request.customerId.trim() === '')
      fields.push({ path: 'customerId', message: 'must not be empty' })
    if (typeof request.currency !== 'string' || !/^[A-Z]{3}$/.test(request.currency))
      fields.push({ path: 'currency', message: 'must be a three-letter ISO 4217 code' })
    const items = request.items as Array<{ sku: string; quantity: number; unitPrice: number }> | undefined
    if (items === undefined && request.totalAmount === undefined)
      fields.push({ path: 'items', message: 'items or totalAmount is required' })
    for (const [index, item] of (items ?? []).entries()) {
      if (!Number.isInteger(item.quantity) || item.quantity < 1)
        fields.push({ path: `items[${index}].quantity`, message: 'must be a positive integer' })
      if (!(item.unitPrice > 0))
        fields.push({ path: `items[${index}].unitPrice`, message: 'must be a positive number' })
      if (item.sku === 'INVALID') fields.push({ path: `items[${index}].sku`, message: 'is not a known SKU' })
    }
    if (fields.length > 0)
      return { status: 400, body: { error: 'ValidationError', message: 'The order is not valid', fields } }
    const fingerprint = JSON.stringify(request)
    const known = key === undefined ? undefined : idempotency.get(key)
    if (known) {
      if (known.fingerprint !== fingerprint)
        return {
          status: 422,
          body: { error: 'IdempotencyKeyReused', message: 'This Idempotency-Key was used with another body' },
        }
      return { status: 202, body: { orderId: known.orderId, status: 'PENDING' } }
    }
    const at = new Date().toISOString()
    const orderId = `ord_${String(orders.size + 1).padStart(4, '0')}`
    const totalAmount =
      items === undefined
        ? Number(request.totalAmount)
        : Math.round(items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0) * 100) / 100
    const order: Order = {
      orderId,
      customerId: String(request.customerId),
      ...(items === undefined ? {} : { items }),
      totalAmount,
      currency: String(request.currency),
      status: 'PENDING',
      origin: 'api',
      createdAt: at,
      updatedAt: at,
    }
    orders.set(orderId, order)
    if (key !== undefined) idempotency.set(key, { fingerprint, orderId })
    decisions.set(orderId, {
      decision: (options.decideOrder ?? (() => ({ status: 'ACCEPTED' as const })))(order),
      pollsLeft: options.pollsBeforeDecision ?? 0,
    })
    return { status: 202, body: { orderId, status: 'PENDING' } }
  }

  /** The order with its decision, once `pollsBeforeDecision` reads have passed. */
  const decide = (order: Order): Order => {
    const next = decisions.get(order.orderId)
    if (!next || next.pollsLeft-- > 0) return order
    decisions.delete(order.orderId)
    if (next.decision === undefined) return order
    const decided: Order = {
      ...order,
      status: next.decision.status,
      ...(next.decision.reasons ? { reasons: next.decision.reasons } : {}),
      updatedAt: new Date().toISOString(),
    }
    orders.set(order.orderId, decided)
    return decided
  }

  const createUser = (request: Record<string, unknown>): { status: number; body: unknown } => {
    const fields: Array<{ path: string; message: string }> = []
    if (typeof request.username !== 'string' || !/^[A-Za-z0-9_.-]{3,32}$/.test(request.username))
      fields.push({ path: 'username', message: 'must be 3 to 32 letters, digits, "_", "." or "-"' })
    if (typeof request.email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(request.email))
      fields.push({ path: 'email', message: 'must be a well-formed email address' })
    if (fields.length > 0)
      return { status: 400, body: { error: 'ValidationError', message: 'The user is not valid', fields } }
    if ([...users.values()].some((user) => user.username === request.username)) {
      return {
        status: 409,
        body: {
          error: 'UsernameTaken',
          message: `The username ${String(request.username)} is taken`,
          fields: [{ path: 'username', message: 'is taken' }],
        },
      }
    }
    const at = new Date().toISOString()
    const user: User = {
      userId: `usr_${String(users.size + 1).padStart(4, '0')}`,
      username: String(request.username),
      email: String(request.email),
      status: 'active',
      createdAt: at,
      updatedAt: at,
    }
    users.set(user.userId, user)
    return { status: 201, body: user }
  }

  const isEnded = (replay: Replay) =>
    replay.state === 'COMPLETED' || replay.state === 'CANCELLED' || replay.state === 'FAILED'

  /** Like the runtime: 400 for a bad window or an unknown rule, 409 for a name in use; the replay counts its archived events. */
  const startReplay = (request: Record<string, unknown>): { status: number; body: unknown } => {
    const from = Date.parse(String(request.from))
    const to = Date.parse(String(request.to))
    if (!(from < to)) return { status: 400, body: { error: 'ValidationException', message: 'from must be before to' } }
    const ruleNames = request.rules as string[] | undefined
    const unknown = (ruleNames ?? []).filter((name) => !(options.rules ?? []).some((rule) => rule.name === name))
    if (unknown.length > 0)
      return { status: 400, body: { error: 'ValidationException', message: `No rule ${unknown.join(', ')}` } }
    const name = typeof request.name === 'string' ? request.name : `replay-${replays.size + 1}`
    if (replays.has(name))
      return {
        status: 409,
        body: { error: 'ResourceAlreadyExistsException', message: `Replay ${name} already exists.` },
      }
    const total = (options.events ?? []).filter((archived) => {
      const time = Date.parse(archived.event.time)
      return archived.archive !== null && time >= from && time < to
    }).length
    const replay: Replay = {
      name,
      archive: Archive,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      rules: ruleNames ?? null,
      state: 'STARTING',
      total,
      replayed: 0,
      startedAt: new Date().toISOString(),
    }
    replays.set(name, replay)
    return { status: 202, body: replay }
  }

  const cancelReplay = (name: string): { status: number; body: unknown } => {
    const replay = replays.get(name)
    if (!replay)
      return { status: 404, body: { error: 'ResourceNotFoundException', message: `Replay ${name} does not exist.` } }
    if (isEnded(replay))
      return {
        status: 409,
        body: {
          error: 'IllegalStatusException',
          message: `Replay ${name} is ${replay.state} and cannot be cancelled.`,
        },
      }
    const cancelled: Replay = { ...replay, state: 'CANCELLED', endedAt: new Date().toISOString() }
    replays.set(name, cancelled)
    return { status: 200, body: cancelled }
  }

  /** Each poll re-delivers `step` events; the replay completes when all are, or fails at `failAt`. */
  const advance = (replay: Replay): Replay => {
    if (isEnded(replay)) return replay
    const behaviour = options.replay ?? {}
    const replayed = Math.min(replay.total, replay.replayed + (behaviour.step ?? 1))
    const endedAt = new Date().toISOString()
    const next: Replay =
      behaviour.failAt !== undefined && replayed >= behaviour.failAt
        ? { ...replay, state: 'FAILED', replayed: behaviour.failAt, endedAt, reason: behaviour.reason ?? 'failed' }
        : replayed >= replay.total && (behaviour.step ?? 1) > 0
          ? { ...replay, state: 'COMPLETED', replayed, endedAt }
          : { ...replay, state: 'RUNNING', replayed }
    replays.set(replay.name, next)
    return next
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  runtime.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return runtime
}

/** An address nothing listens on: a port we held a moment ago. */
export const closedUrl = async (): Promise<string> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/** An `Io` whose streams are strings; `tty` makes stderr and stdout look like a terminal. */
export const captureIo = (
  env: Record<string, string | undefined> = {},
  options: { readonly tty?: boolean; readonly columns?: number } = {},
) => {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    stdout: {
      write: (chunk: string) => (stdout += chunk),
      isTTY: options.tty ?? false,
      columns: options.columns ?? 100,
    },
    stderr: {
      write: (chunk: string) => (stderr += chunk),
      isTTY: options.tty ?? false,
      columns: options.columns ?? 100,
    },
    env,
  }
  return { io, stdout: () => stdout, stderr: () => stderr }
}

/** Colour codes out, so assertions read the text. */
// eslint-disable-next-line no-control-regex -- ANSI escape sequences start with ESC
export const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')

/** A finished image-workflow execution, as GET /executions/{id} answers it. */
export const imageExecution = (overrides: Partial<ExecutionDetail> = {}): ExecutionDetail => ({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:ImageWorkflow:image-7f3c',
  name: 'image-7f3c',
  workflow: 'ImageWorkflow',
  status: 'SUCCEEDED',
  startDate: '2024-05-01T12:00:00.000Z',
  stopDate: '2024-05-01T12:00:01.500Z',
  input: {
    'detail-type': 'Object Created',
    detail: { bucket: { name: Bucket }, object: { key: 'uploads/cat.jpg', etag: 'abc' } },
  },
  history: [
    { id: 1, timestamp: '2024-05-01T12:00:00.000Z', type: 'ExecutionStarted' },
    {
      id: 2,
      previousEventId: 1,
      timestamp: '2024-05-01T12:00:00.010Z',
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'ValidateImage', input: '{}' },
    },
    {
      id: 3,
      previousEventId: 2,
      timestamp: '2024-05-01T12:00:00.130Z',
      type: 'TaskStateExited',
      stateExitedEventDetails: { name: 'ValidateImage', output: '{}' },
    },
    { id: 4, previousEventId: 3, timestamp: '2024-05-01T12:00:01.500Z', type: 'ExecutionSucceeded' },
  ],
  states: [
    {
      name: 'ValidateImage',
      type: 'Task',
      status: 'SUCCEEDED',
      enteredAt: '2024-05-01T12:00:00.010Z',
      exitedAt: '2024-05-01T12:00:00.130Z',
      durationMs: 120,
      retries: 0,
    },
  ],
  ...overrides,
})

/**
 * GET /events, like the runtime's: archived events only, from and to bound `event.time` (to exclusive), pattern is
 * JSON text, after is a seq; a full page carries `next` (its last seq), even when no more events follow.
 */
const listEvents = (
  events: ReadonlyArray<ArchivedEvent>,
  params: URLSearchParams,
  pageSize: number | undefined,
): { events: ArchivedEvent[]; next?: number } => {
  const from = params.get('from')
  const to = params.get('to')
  const pattern = params.get('pattern')
  const after = params.get('after')
  const matches = pattern === null ? () => true : compilePattern(pattern)
  const matching = events.filter(
    (archived) =>
      (from === null || Date.parse(archived.event.time) >= Date.parse(from)) &&
      (to === null || Date.parse(archived.event.time) < Date.parse(to)) &&
      archived.archive !== null &&
      (after === null || archived.seq > Number(after)) &&
      matches(archived.event),
  )
  const size = Math.min(Number(params.get('limit') ?? '100'), pageSize ?? Number.POSITIVE_INFINITY)
  const page = matching.slice(0, size)
  const last = page[page.length - 1]
  return page.length === size && last !== undefined ? { events: page, next: last.seq } : { events: page }
}

/** An archived S3 Object Created event, as GET /events lists it. */
export const archivedEvent = (
  seq: number,
  time: string,
  overrides: Partial<ArchivedEvent['event']> = {},
  meta: Partial<Omit<ArchivedEvent, 'event'>> = {},
): ArchivedEvent => ({
  seq,
  bus: 'pipeline-bus',
  archive: 'pipeline-archive',
  ...meta,
  event: {
    version: '0',
    id: `00000000-0000-0000-0000-${String(seq).padStart(12, '0')}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: ['arn:aws:s3:::pipeline-uploads'],
    detail: { bucket: { name: Bucket }, object: { key: `uploads/photo-${seq}.jpg`, etag: 'abc', size: 2048 } },
    ...overrides,
  },
})
