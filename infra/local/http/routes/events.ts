import { listArchivedEvents } from '../../eventbridge/archive'
import { ReplayRequestError } from '../../eventbridge/replays'
import type { LocalRuntime } from '../../runtime'
import { intParam, isObject, jsonObject, timeMsParam } from '../../../http/params'
import { patternMatcher } from '../params'
import { putEvents } from '../../api/eventbridge'
import { AwsApiError } from '../../api/errors'
import { sendJson } from '../../../http/respond'
import { HttpError } from '../../../http/errors'
import type { Router } from '../../../http/router'

/** An AWS operation run for a project route: its refusal keeps its status, code and message. */
const awsCall = <T>(work: () => T): T => {
  try {
    return work()
  } catch (error) {
    if (error instanceof AwsApiError) throw new HttpError(error.status, error.code, error.message)
    throw error
  }
}

const replayCall = <T>(work: () => T): T => {
  try {
    return work()
  } catch (error) {
    if (error instanceof ReplayRequestError) throw new HttpError(error.status, error.code, error.message)
    throw error
  }
}

/** The bus: PutEvents, the archive, TestEventPattern, rules and replays. */
export const eventRoutes = (router: Router, runtime: LocalRuntime): Router =>
  router
    .on('POST', /^\/events$/, async ({ req, res }) => {
      // Read past 256 KB so the bus answers an oversized batch the way PutEvents does, not with a 413.
      const body = await jsonObject(req, 1024 * 1024)
      // PutEvents itself, as the AWS API answers it: one code path.
      sendJson(
        res,
        200,
        awsCall(() => putEvents(runtime, body)),
      )
    })
    .on('GET', /^\/events$/, ({ res, url }) => {
      const pattern = url.searchParams.get('pattern')
      // A pattern as JSON text, exactly as PutRule and TestEventPattern take it.
      const matches = pattern ? patternMatcher(pattern) : undefined
      const fromMs = timeMsParam(url, 'from')
      const toMs = timeMsParam(url, 'to')
      sendJson(
        res,
        200,
        listArchivedEvents(runtime.db, {
          ...(fromMs === undefined ? {} : { fromMs }),
          ...(toMs === undefined ? {} : { toMs }),
          ...(matches ? { matches } : {}),
          after: intParam(url, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER }, 0),
          limit: intParam(url, 'limit', { min: 1, max: 1000 }, 100),
        }),
      )
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
      for (const field of ['from', 'to'] as const)
        if (typeof body[field] !== 'string')
          throw new HttpError(400, 'ValidationException', `${field}: is required, as an ISO 8601 time`)
      if (body.name !== undefined && typeof body.name !== 'string')
        throw new HttpError(400, 'ValidationException', 'name: must be a string')
      if (
        body.rules !== undefined &&
        !(Array.isArray(body.rules) && body.rules.every((rule) => typeof rule === 'string'))
      )
        throw new HttpError(400, 'ValidationException', 'rules: must be an array of rule names')
      const replay = replayCall(() =>
        runtime.replayer.start({
          from: body.from as string,
          to: body.to as string,
          ...(body.name === undefined ? {} : { name: body.name as string }),
          ...(body.rules === undefined ? {} : { rules: body.rules as string[] }),
          ...(typeof body.archive === 'string' ? { archive: body.archive } : {}),
        }),
      )
      sendJson(res, 202, replay, { location: `/replays/${encodeURIComponent(replay.name)}` })
    })
    .on('GET', /^\/replays$/, ({ res }) => sendJson(res, 200, { replays: runtime.replayer.list() }))
    .on('GET', /^\/replays\/([^/]+)$/, ({ res, params }) => {
      const replay = runtime.replayer.get(params[0]!)
      if (!replay) throw new HttpError(404, 'ResourceNotFoundException', `No replay named ${params[0]}`)
      sendJson(res, 200, replay)
    })
    .on('POST', /^\/replays\/([^/]+)\/cancel$/, ({ res, params }) =>
      sendJson(
        res,
        200,
        replayCall(() => runtime.replayer.cancel(params[0]!)),
      ),
    )
