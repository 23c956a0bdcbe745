import type { IncomingMessage } from 'node:http'
import { HttpError } from './errors'
import { readJson } from './respond'

const invalid = (field: string, message: string) => new HttpError(400, 'InvalidParameter', `${field}: ${message}`)

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A JSON body that must be an object, with the fields a route names. */
export const jsonObject = async (req: IncomingMessage, limit?: number): Promise<Record<string, unknown>> => {
  const body = await readJson(req, limit)
  if (!isObject(body)) throw new HttpError(400, 'ValidationException', 'body: must be a JSON object')
  return body
}

/** One query parameter as a string: absent or empty is undefined; given twice or longer than `max` is a 400 naming it. */
export const textParam = (url: URL, name: string, max = 256): string | undefined => {
  const values = url.searchParams.getAll(name)
  if (values.length > 1) throw invalid(name, 'give it once')
  const value = values[0]
  if (value === undefined || value === '') return undefined
  if (value.length > max) throw invalid(name, `at most ${max} characters`)
  return value
}

/** An ISO 8601 time (or epoch milliseconds) as epoch milliseconds. */
export const timeMsParam = (url: URL, name: string): number | undefined => {
  const raw = textParam(url, name, 64)
  if (raw === undefined) return undefined
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)
  if (Number.isNaN(ms) || !Number.isFinite(ms)) throw invalid(name, 'must be an ISO 8601 time')
  return ms
}

/** An ISO 8601 time (or epoch milliseconds), handed on as ISO 8601. */
export const timeParam = (url: URL, name: string): string | undefined => {
  const ms = timeMsParam(url, name)
  return ms === undefined ? undefined : new Date(ms).toISOString()
}

/** An integer from `min` to `max`; absent or empty is `fallback`. */
export const intParam = <F extends number | undefined>(
  url: URL,
  name: string,
  range: { readonly min: number; readonly max: number },
  fallback: F,
): number | F => {
  const raw = textParam(url, name, 16)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isInteger(value) || value < range.min || value > range.max)
    throw invalid(name, `must be an integer from ${range.min} to ${range.max}`)
  return value
}

/** `limit`, from 1 to `max`. */
export const limitParam = (url: URL, max = 200): number | undefined =>
  intParam(url, 'limit', { min: 1, max }, undefined)
