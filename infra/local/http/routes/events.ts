import { listArchivedEvents } from '../../eventbridge/archive'
import { PutEventsValidation } from '../../eventbridge/bus'
import { ReplayRequestError } from '../../eventbridge/replays'
import type { LocalRuntime } from '../../runtime'
import { intParam, isObject, jsonObject, timeMsParam } from '../../../http/params'
import { patternMatcher } from '../params'
import { sendJson } from '../../../http/respond'
import { HttpError } from '../../../http/errors'
import type { Router } from '../../../http/router'
import { jsonDepth, MaxJsonDepth } from '../../../../steps/kit/json-depth'

const parsedOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined // the bus answers malformed detail per entry
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
      if (!Array.isArray(body.Entries))
        throw new HttpError(400, 'ValidationException', 'Entries: must be an array of PutEvents entries')
      body.Entries.forEach((entry: unknown, index) => {
        const detail = isObject(entry) && typeof entry.Detail === 'string' ? parsedOrUndefined(entry.Detail) : undefined
        if (jsonDepth(detail, MaxJsonDepth) > MaxJsonDepth)
          throw new HttpError(
            400,
            'ValidationException',
            `Entries[${index}].Detail: must not nest more than ${MaxJsonDepth} levels deep`,
          )
      })
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
