import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { readHistory, summarizeStates } from '../history'
import type { ExecutionRow } from '../executor'
import { checkObjectKey, InvalidObjectKey } from '../object-store'
import type { LocalRuntime } from '../runtime'
import { search } from '../search'
import { HttpError, sendError, sendJson } from './respond'
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
  const router = new Router()
    .on('GET', /^\/health$/, ({ res }) => {
      const counts = runtime.db.prepare("SELECT status, COUNT(*) AS n FROM executions WHERE status IN ('PENDING', 'RUNNING') GROUP BY status").all() as Array<{ status: string; n: number }>
      sendJson(res, 200, { status: 'ok', executions: Object.fromEntries(counts.map((row) => [row.status.toLowerCase(), row.n])) })
    })
    .on('PUT', /^\/uploads\/(.+)$/, async ({ req, res, params }) => {
      const key = `${runtime.uploadsPrefix}${params[0]}`
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
    })
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
    .on('GET', /^\/dlq$/, ({ res }) => {
      const queues = runtime.queues.names.filter((name) => /DeadLetter/i.test(name))
      sendJson(res, 200, { queues: queues.map((name) => ({ name, messages: runtime.queues.messages(name) })) })
    })
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
