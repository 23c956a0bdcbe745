import type { IncomingMessage } from 'node:http'
import { compilePattern, InvalidEventPattern } from '../eventbridge/pattern'
import { readJson } from '../../http/respond'
import { HttpError } from '../../http/errors'

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A JSON body that must be an object, with the fields a route names. */
export const jsonObject = async (req: IncomingMessage, limit?: number): Promise<Record<string, unknown>> => {
  const body = await readJson(req, limit)
  if (!isObject(body)) throw new HttpError(400, 'ValidationException', 'body: must be a JSON object')
  return body
}

/** Compiles a pattern from a request, answering an invalid one as EventBridge does. */
export const patternMatcher = (pattern: unknown) => {
  try {
    return compilePattern(pattern)
  } catch (error) {
    if (error instanceof InvalidEventPattern) throw new HttpError(400, 'InvalidEventPatternException', error.message)
    throw error
  }
}

/** A time query parameter: ISO 8601 (or epoch milliseconds), named in the error when it is neither. */
export const timeParam = (url: URL, name: string): number | undefined => {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  const value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)
  if (Number.isNaN(value)) throw new HttpError(400, 'InvalidParameter', `${name}: must be an ISO 8601 time`)
  return value
}

export const intParam = (url: URL, name: string, fallback: number, max: number): number => {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < (name === 'after' ? 0 : 1) || value > max)
    throw new HttpError(
      400,
      'InvalidParameter',
      `${name}: must be an integer from ${name === 'after' ? 0 : 1} to ${max}`,
    )
  return value
}
