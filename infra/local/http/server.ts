import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { readHistory, summarizeStates } from '../history'
import type { ExecutionRow } from '../executor'
import { checkObjectKey, InvalidObjectKey } from '../object-store'
import type { LocalRuntime } from '../runtime'
import { search } from '../search'
import { HttpError, readBytes, readJson, readText, sendError, sendJson } from './respond'
import { apiGatewayEvent } from '../../../steps/api/event'
import { ImportsPrefix, UploadsPrefix } from '../../../contracts/sources'
import { InvalidMessage } from '../queues'
import { listArchivedEvents } from '../archive'
import { PutEventsValidation } from '../bus'
import { compilePattern, InvalidEventPattern } from '../pattern'
import { ReplayRequestError } from '../replays'
import { Router } from './router'

export interface ServerOptions {
  /** The largest upload accepted, in bytes; a larger body is answered 413 and nothing is stored. */
  readonly maxUploadBytes: number
}

const executionView = (row: ExecutionRow) => ({
  executionArn: row.arn,
  name: row.name,
  stateMachineArn: row.state_machine,
  workflow: row.workflow,
  status: row.status,
  subject: row.subject ?? undefined,
  startDate: row.start_date ?? row.created_at,
  stopDate: row.stop_date ?? undefined,
  error: row.error ?? undefined,
  cause: row.cause ?? undefined,
})

const ExecutionStatuses = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A JSON body that must be an object, with the fields a route names. */
const jsonObject = async (req: IncomingMessage, limit?: number): Promise<Record<string, unknown>> => {
  const body = await readJson(req, limit)
  if (!isObject(body)) throw new HttpError(400, 'ValidationException', 'body: must be a JSON object')
  return body
}

/** Compiles a pattern from a request, answering an invalid one as EventBridge does. */
const patternMatcher = (pattern: unknown) => {
  try {
    return compilePattern(pattern)
  } catch (error) {
    if (error instanceof InvalidEventPattern) throw new HttpError(400, 'InvalidEventPatternException', error.message)
    throw error
  }
}

/** A time query parameter: ISO 8601 (or epoch milliseconds), named in the error when it is neither. */
const timeParam = (url: URL, name: string): number | undefined => {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  const value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)
  if (Number.isNaN(value)) throw new HttpError(400, 'InvalidParameter', `${name}: must be an ISO 8601 time`)
  return value
}

const intParam = (url: URL, name: string, fallback: number, max: number): number => {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < (name === 'after' ? 0 : 1) || value > max) throw new HttpError(400, 'InvalidParameter', `${name}: must be an integer from ${name === 'after' ? 0 : 1} to ${max}`)
  return value
}

const replayCall = <T>(work: () => T): T => {
  try {
    return work()
  } catch (error) {
    if (error instanceof ReplayRequestError) throw new HttpError(error.status, error.code, error.message)
    throw error
  }
}

/** Streams a request body into a staged object file, counting and hashing it, and stops at the limit. */
const receiveUpload = async (req: IncomingMessage, staged: string, limit: number) => {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, 'EntityTooLarge', `The upload is ${declared} bytes, over the limit of ${limit}`)
  const md5 = createHash('md5')
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > limit) return callback(new HttpError(413, 'EntityTooLarge', `The upload is over the limit of ${limit} bytes`))
      md5.update(chunk)
      callback(null, chunk)
    },
  })
  await pipeline(req, meter, createWriteStream(staged))
  return { size, etag: md5.digest('hex') }
}

/** The local runtime's HTTP API: uploads, objects, image records, executions, dead letters and search. */
export const createPipelineServer = (runtime: LocalRuntime, options: ServerOptions): Server => {
  /** PutObject from a request body, streamed to disk: the local S3 then emits `Object Created` as S3 does. */
  const putObject = async (req: IncomingMessage, res: ServerResponse, key: string) => {
    try {
      checkObjectKey(key)
    } catch (error) {
      throw new HttpError(400, 'InvalidObjectKey', `key: ${(error as Error).message}`)
    }
    const staged = runtime.store.stage(runtime.uploadBucket)
    try {
      const { size, etag } = await receiveUpload(req, staged, options.maxUploadBytes)
      const contentType = req.headers['content-type'] ?? 'application/octet-stream'
      const object = runtime.store.commit(runtime.uploadBucket, key, staged, size, etag, contentType)
      sendJson(res, 200, { bucket: object.bucket, key: object.key, etag: object.etag, size: object.size }, { etag: `"${object.etag}"` })
    } catch (error) {
      runtime.store.discard(staged)
      if (error instanceof HttpError && error.status === 413) {
        // Stop reading a body we refuse, and tell the client the connection ends here.
        sendError(res, new HttpError(413, error.error, error.message, { connection: 'close' }))
        req.destroy()
        return
      }
      throw error
    }
  }

  /** The orders and users API: the request wrapped as API Gateway's payload 2.0 and handed to the API function. */
  const callApi = async ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => {
    if (!runtime.apiFunction) throw new HttpError(404, 'NotFound', 'This pipeline has no HTTP API function')
    // API Gateway caps payloads at 10 MB; the function itself answers 413 past its own 256 KB limit.
    const body = await readBytes(req, 10 * 1024 * 1024)
    const event = apiGatewayEvent({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, ...(body.length > 0 ? { body } : {}), sourceIp: req.socket.remoteAddress ?? '127.0.0.1' })
    let answer: { statusCode: number; headers?: Record<string, string>; body?: string }
    try {
      answer = (await runtime.invokeFunction(runtime.apiFunction, event)) as typeof answer
    } catch (error) {
      // What API Gateway answers when its Lambda integration fails.
      console.error(`${req.method} ${req.url}: the API function failed:`, error instanceof Error ? error.message : error)
      return sendJson(res, 500, { message: 'Internal Server Error' })
    }
    res.writeHead(answer.statusCode, answer.headers ?? {})
    res.end(answer.body ?? '')
  }

  const router = new Router()
    .on('ANY', /^\/(orders|users)(\/.*)?$/, callApi)
    .on('GET', /^\/health$/, ({ res }) => {
      const counts = runtime.db.prepare("SELECT status, COUNT(*) AS n FROM executions WHERE status IN ('PENDING', 'RUNNING') GROUP BY status").all() as Array<{ status: string; n: number }>
      sendJson(res, 200, { status: 'ok', executions: Object.fromEntries(counts.map((row) => [row.status.toLowerCase(), row.n])) })
    })
    .on('PUT', /^\/uploads\/(.+)$/, ({ req, res, params }) => putObject(req, res, `${UploadsPrefix}${params[0]}`))
    .on('PUT', /^\/imports\/(.+)$/, ({ req, res, params }) => putObject(req, res, `${ImportsPrefix}${params[0]}`))
    .on('GET', /^\/objects\/(.+)$/, ({ res, params }) => {
      const found = runtime.store.get(runtime.uploadBucket, params[0]!)
      if (!found) throw new HttpError(404, 'NoSuchKey', `No object ${params[0]}`)
      res.writeHead(200, { 'content-type': found.object.contentType, 'content-length': found.object.size, etag: `"${found.object.etag}"` })
      res.end(found.body)
    })
    .on('GET', /^\/images\/(.+)$/, ({ res, params }) => {
      const row = runtime.db.prepare('SELECT record FROM images WHERE key = ?').get(`${runtime.uploadsPrefix}${params[0]}`) as { record: string } | undefined
      if (!row) throw new HttpError(404, 'NotFound', `No image record for ${params[0]} (yet)`)
      sendJson(res, 200, JSON.parse(row.record))
    })
    .on('GET', /^\/executions$/, ({ res, url }) => {
      const status = url.searchParams.get('status')
      if (status && !ExecutionStatuses.includes(status)) throw new HttpError(400, 'InvalidParameter', `status: must be one of ${ExecutionStatuses.join(', ')}`)
      const limitParam = url.searchParams.get('limit') ?? '100'
      const limit = Number(limitParam)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'InvalidParameter', 'limit: must be an integer from 1 to 1000')
      const filters: string[] = []
      const values: string[] = []
      for (const [param, column] of [['workflow', 'workflow'], ['status', 'status'], ['key', 'subject']] as const) {
        const value = url.searchParams.get(param)
        if (value) { filters.push(`${column} = ?`); values.push(value) }
      }
      const where = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : ''
      const rows = runtime.db.prepare(`SELECT * FROM executions ${where} ORDER BY created_at DESC, rowid DESC LIMIT ${limit}`).all(...values) as unknown as ExecutionRow[]
      sendJson(res, 200, { executions: rows.map(executionView) })
    })
    .on('GET', /^\/executions\/(.+)$/, ({ res, params }) => {
      const id = params[0]!
      const row = runtime.db.prepare('SELECT * FROM executions WHERE arn = ? OR name = ?').get(id, id) as ExecutionRow | undefined
      if (!row) throw new HttpError(404, 'ExecutionDoesNotExist', `No execution ${id}`)
      const history = readHistory(runtime.db, row.arn)
      sendJson(res, 200, { ...executionView(row), input: JSON.parse(row.input), output: row.output ? JSON.parse(row.output) : undefined, states: summarizeStates(history), history })
    })
    .on('POST', /^\/queues\/([^/]+)\/messages$/, async ({ req, res, params }) => {
      const queue = runtime.queues.names.find((name) => name.toLowerCase() === `${params[0]}queue`.toLowerCase() || name === params[0])
      if (!queue) throw new HttpError(404, 'QueueDoesNotExist', `No queue named ${params[0]} (queues: ${runtime.queues.names.filter((name) => !runtime.queues.isDeadLetterQueue(name)).join(', ')})`)
      const body = await readText(req, 256 * 1024)
      try {
        const { MessageId } = runtime.queues.send(queue, body)
        sendJson(res, 202, { queue, messageId: MessageId })
      } catch (error) {
        if (error instanceof InvalidMessage) throw new HttpError(400, 'InvalidMessage', `body: ${error.message}`)
        throw error
      }
    })
    .on('GET', /^\/schedules$/, ({ res }) => sendJson(res, 200, { schedules: runtime.scheduler.list }))
    .on('POST', /^\/schedules\/([^/]+)\/run$/, ({ res, params }) => {
      const executionArn = runtime.scheduler.runNow(params[0]!)
      if (!executionArn) throw new HttpError(404, 'ResourceNotFoundException', `No schedule named ${params[0]}`)
      sendJson(res, 202, { schedule: params[0], executionArn })
    })
    .on('GET', /^\/dlq$/, ({ res }) => {
      const queues = runtime.queues.names.filter((name) => runtime.queues.isDeadLetterQueue(name))
      sendJson(res, 200, { queues: queues.map((name) => ({ name, messages: runtime.queues.messages(name) })) })
    })
    .on('POST', /^\/events$/, async ({ req, res }) => {
      // Read past 256 KB so the bus answers an oversized batch the way PutEvents does, not with a 413.
      const body = await jsonObject(req, 1024 * 1024)
      if (!Array.isArray(body.Entries)) throw new HttpError(400, 'ValidationException', 'Entries: must be an array of PutEvents entries')
      try {
        sendJson(res, 200, runtime.bus.putEvents(body.Entries as never))
      } catch (error) {
        if (error instanceof PutEventsValidation) throw new HttpError(400, 'ValidationException', error.message)
        throw error
      }
    })
    .on('GET', /^\/events$/, ({ res, url }) => {
      const pattern = url.searchParams.get('pattern')
      // A pattern as JSON text, exactly as PutRule and TestEventPattern take it.
      const matches = pattern ? patternMatcher(pattern) : undefined
      const fromMs = timeParam(url, 'from')
      const toMs = timeParam(url, 'to')
      sendJson(res, 200, listArchivedEvents(runtime.db, {
        ...(fromMs === undefined ? {} : { fromMs }),
        ...(toMs === undefined ? {} : { toMs }),
        ...(matches ? { matches } : {}),
        after: intParam(url, 'after', 0, Number.MAX_SAFE_INTEGER),
        limit: intParam(url, 'limit', 100, 1000),
      }))
    })
    .on('POST', /^\/test-pattern$/, async ({ req, res }) => {
      const body = await jsonObject(req)
      if (!('pattern' in body)) throw new HttpError(400, 'ValidationException', 'pattern: is required')
      if (!isObject(body.event)) throw new HttpError(400, 'ValidationException', 'event: must be a JSON object')
      sendJson(res, 200, { result: patternMatcher(body.pattern)(body.event) })
    })
    .on('GET', /^\/rules$/, ({ res }) => sendJson(res, 200, { rules: runtime.bus.ruleList }))
    .on('GET', /^\/archives$/, ({ res }) => sendJson(res, 200, { archives: runtime.bus.archiveList }))
    .on('POST', /^\/replays$/, async ({ req, res }) => {
      const body = await jsonObject(req)
      for (const field of ['from', 'to'] as const) if (typeof body[field] !== 'string') throw new HttpError(400, 'ValidationException', `${field}: is required, as an ISO 8601 time`)
      if (body.name !== undefined && typeof body.name !== 'string') throw new HttpError(400, 'ValidationException', 'name: must be a string')
      if (body.rules !== undefined && !(Array.isArray(body.rules) && body.rules.every((rule) => typeof rule === 'string'))) throw new HttpError(400, 'ValidationException', 'rules: must be an array of rule names')
      const replay = replayCall(() => runtime.replayer.start({
        from: body.from as string,
        to: body.to as string,
        ...(body.name === undefined ? {} : { name: body.name as string }),
        ...(body.rules === undefined ? {} : { rules: body.rules as string[] }),
        ...(typeof body.archive === 'string' ? { archive: body.archive } : {}),
      }))
      sendJson(res, 202, replay, { location: `/replays/${encodeURIComponent(replay.name)}` })
    })
    .on('GET', /^\/replays$/, ({ res }) => sendJson(res, 200, { replays: runtime.replayer.list() }))
    .on('GET', /^\/replays\/([^/]+)$/, ({ res, params }) => {
      const replay = runtime.replayer.get(params[0]!)
      if (!replay) throw new HttpError(404, 'ResourceNotFoundException', `No replay named ${params[0]}`)
      sendJson(res, 200, replay)
    })
    .on('POST', /^\/replays\/([^/]+)\/cancel$/, ({ res, params }) => sendJson(res, 200, replayCall(() => runtime.replayer.cancel(params[0]!))))
    .on('GET', /^\/search$/, ({ res, url }) => {
      const q = url.searchParams.get('q')
      if (!q || q.trim() === '') throw new HttpError(400, 'InvalidParameter', 'q: a search text is required')
      sendJson(res, 200, { results: search(runtime.db, q) })
    })

  return createServer({ requestTimeout: 120_000, headersTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    router.handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendError(res, error)
      if (error instanceof InvalidObjectKey) return sendError(res, new HttpError(400, 'InvalidObjectKey', `key: ${error.message}`))
      console.error(`${req.method} ${req.url} failed:`, error)
      sendError(res, new HttpError(500, 'InternalError', 'The request failed inside the pipeline; see the server log'))
    })
  })
}
