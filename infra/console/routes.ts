import type { IncomingMessage } from 'node:http'
import { readBytes, readJson, sendJson } from '../http/respond'
import { HttpError } from '../http/errors'
import type { RouteContext, Router } from '../http/router'
import { limitParam, textParam, timeParam } from '../http/params'
import type { ConsoleData, ExecutionStatus } from './port'
import { ExecutionStatuses } from '../../contracts/executions'

const invalid = (field: string, message: string) => new HttpError(400, 'InvalidParameter', `${field}: ${message}`)

export const statusParam = (url: URL): ExecutionStatus | undefined => {
  const raw = textParam(url, 'status', 16)
  if (raw === undefined) return undefined
  const status = ExecutionStatuses.find((candidate) => candidate === raw.toUpperCase())
  if (!status) throw invalid('status', `must be one of ${ExecutionStatuses.join(', ')}`)
  return status
}

/** An EventBridge pattern, as JSON text in the query. */
export const patternParam = (url: URL): unknown => {
  const raw = textParam(url, 'pattern', 8192)
  if (raw === undefined) return undefined
  try {
    return JSON.parse(raw)
  } catch {
    throw invalid('pattern', 'must be an event pattern as JSON')
  }
}

const checkOrder = (from: string | undefined, to: string | undefined) => {
  if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to))
    throw invalid('from', 'must not be after to')
}

/** A JSON object body; an absent body counts as `{}` where `optional`. */
const objectBody = async (req: IncomingMessage, optional = false): Promise<Record<string, unknown>> => {
  const length = Number(req.headers['content-length'] ?? 0)
  if (optional && length === 0 && req.headers['transfer-encoding'] === undefined) return {}
  const body = await readJson(req, 64 * 1024)
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'ValidationException', 'body: must be a JSON object')
  return body as Record<string, unknown>
}

/** The routes answer a port's refusal with its status and code; everything else is the server's to answer. */
const answering = (handler: (context: RouteContext) => Promise<void>) => async (context: RouteContext) => {
  try {
    await handler(context)
  } catch (error) {
    if (error instanceof HttpError) throw new HttpError(error.status, error.code, error.message)
    throw error
  }
}

const name = (params: ReadonlyArray<string>, index = 0) => params[index] ?? ''

/** The console's JSON API over any `ConsoleData`: the same routes serve the local runtime and a deployed stack. */
/** The largest upload accepted unless configured otherwise: the local runtime's MAX_UPLOAD_BYTES default. */
export const DefaultMaxUploadBytes = 100 * 1024 * 1024

export interface ConsoleLimits {
  /** The largest upload accepted, the same limit as every other way in (MAX_UPLOAD_BYTES locally). */
  readonly maxUploadBytes: number
}

export const consoleRoutes = (router: Router, data: ConsoleData, limits: ConsoleLimits): Router =>
  router
    .on(
      'GET',
      /^\/console\/api\/workflows$/,
      answering(async ({ res }) => sendJson(res, 200, { target: data.target, workflows: await data.workflows() })),
    )
    .on(
      'GET',
      /^\/console\/api\/workflows\/([^/]+)$/,
      answering(async ({ res, params }) => sendJson(res, 200, await data.workflow(name(params)))),
    )
    .on(
      'GET',
      /^\/console\/api\/executions$/,
      answering(async ({ res, url }) => {
        const from = timeParam(url, 'from')
        const to = timeParam(url, 'to')
        checkOrder(from, to)
        const workflow = textParam(url, 'workflow')
        const status = statusParam(url)
        const text = textParam(url, 'q', 200)
        const limit = limitParam(url)
        const cursor = textParam(url, 'cursor', 1024)
        const page = await data.executions({
          ...(workflow === undefined ? {} : { workflow }),
          ...(status === undefined ? {} : { status }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          ...(text === undefined ? {} : { text }),
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { cursor }),
        })
        sendJson(res, 200, { executions: page.items, ...(page.next ? { next: page.next } : {}) })
      }),
    )
    .on(
      'GET',
      /^\/console\/api\/executions\/([^/]+)$/,
      answering(async ({ res, params }) => sendJson(res, 200, await data.execution(name(params)))),
    )
    .on(
      'POST',
      /^\/console\/api\/executions\/([^/]+)\/redrive$/,
      answering(async ({ res, params }) => sendJson(res, 200, await data.redriveExecution(name(params)))),
    )
    .on(
      'POST',
      /^\/console\/api\/executions\/([^/]+)\/start-again$/,
      answering(async ({ res, params }) => sendJson(res, 201, await data.startAgain(name(params)))),
    )
    .on(
      'GET',
      /^\/console\/api\/events$/,
      answering(async ({ res, url }) => {
        const from = timeParam(url, 'from')
        const to = timeParam(url, 'to')
        checkOrder(from, to)
        const source = textParam(url, 'source')
        const detailType = textParam(url, 'detailType')
        const pattern = patternParam(url)
        const limit = limitParam(url)
        const cursor = textParam(url, 'cursor', 1024)
        const page = await data.events({
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          ...(source === undefined ? {} : { source }),
          ...(detailType === undefined ? {} : { detailType }),
          ...(pattern === undefined ? {} : { pattern }),
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { cursor }),
        })
        sendJson(res, 200, { events: page.items, ...(page.next ? { next: page.next } : {}) })
      }),
    )
    .on(
      'GET',
      /^\/console\/api\/events\/([^/]+)$/,
      answering(async ({ res, params }) => sendJson(res, 200, { event: await data.event(name(params)) })),
    )
    .on(
      'POST',
      /^\/console\/api\/replays$/,
      answering(async ({ req, res }) => {
        const body = await objectBody(req)
        for (const field of ['from', 'to'] as const) {
          if (typeof body[field] !== 'string' || Number.isNaN(Date.parse(body[field])))
            throw new HttpError(400, 'ValidationException', `${field}: is required, as an ISO 8601 time`)
        }
        if (body.name !== undefined && (typeof body.name !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(body.name)))
          throw new HttpError(400, 'ValidationException', 'name: 1 to 64 letters, digits, ".", "-" or "_"')
        const replay = await data.startReplay({
          from: body.from as string,
          to: body.to as string,
          ...(body.name === undefined ? {} : { name: body.name as string }),
        })
        sendJson(res, 202, replay, { location: `/console/api/replays/${encodeURIComponent(replay.name)}` })
      }),
    )
    .on(
      'GET',
      /^\/console\/api\/replays\/([^/]+)$/,
      answering(async ({ res, params }) => sendJson(res, 200, await data.replay(name(params)))),
    )
    .on(
      'GET',
      /^\/console\/api\/dlq$/,
      answering(async ({ res }) => sendJson(res, 200, { queues: await data.deadLetters() })),
    )
    .on(
      'POST',
      /^\/console\/api\/dlq\/([^/]+)\/redrive$/,
      answering(async ({ req, res, params }) => {
        const body = await objectBody(req, true)
        const ids = body.ids
        if (
          ids !== undefined &&
          !(
            Array.isArray(ids) &&
            ids.length > 0 &&
            ids.length <= 1000 &&
            ids.every((id) => typeof id === 'string' && id !== '' && id.length <= 256)
          )
        ) {
          throw new HttpError(400, 'ValidationException', 'ids: must be a list of 1 to 1000 message ids')
        }
        sendJson(res, 200, await data.redriveDeadLetters(name(params), ids as string[] | undefined))
      }),
    )
    .on(
      'DELETE',
      /^\/console\/api\/dlq\/([^/]+)\/messages\/([^/]+)$/,
      answering(async ({ res, params }) => {
        await data.deleteDeadLetter(name(params), name(params, 1))
        res.writeHead(204)
        res.end()
      }),
    )
    .on(
      'GET',
      /^\/console\/api\/metrics$/,
      answering(async ({ res, url }) => {
        const from = timeParam(url, 'from')
        const to = timeParam(url, 'to')
        if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to))
          throw invalid('from', 'must be before to')
        if (from !== undefined && Date.parse(to ?? new Date().toISOString()) - Date.parse(from) > 31 * 86_400_000)
          throw invalid('from', 'the window is at most 31 days')
        sendJson(
          res,
          200,
          await data.metrics({ ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }),
        )
      }),
    )
    .on(
      'GET',
      /^\/console\/api\/images$/,
      answering(async ({ res, url }) => {
        const limit = limitParam(url)
        const cursor = textParam(url, 'cursor', 1024)
        const page = await data.images({
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { cursor }),
        })
        sendJson(res, 200, { images: page.items, ...(page.next ? { next: page.next } : {}) })
      }),
    )
    .on(
      'PUT',
      /^\/console\/api\/uploads\/(.+)$/,
      answering(async ({ req, res, params }) => {
        const key = name(params)
        if (key.length > 1024) throw invalid('key', 'at most 1024 characters')
        const body = await readBytes(req, limits.maxUploadBytes)
        if (body.length === 0) throw new HttpError(400, 'ValidationException', 'body: the upload is empty')
        const contentType = req.headers['content-type']
        sendJson(
          res,
          201,
          await data.upload(key, new Uint8Array(body.buffer, body.byteOffset, body.byteLength), contentType),
        )
      }),
    )
