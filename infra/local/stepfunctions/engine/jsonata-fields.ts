import { createHash, randomUUID } from 'node:crypto'
import jsonata from 'jsonata'
import { ErrorNames, StateRuntimeError, type StatesError } from './errors'
import type { ContextObject } from './types'
import type { VariableScope } from './variables'

/**
 * JSONata in Step Functions (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html): a string
 * field written `{% expression %}` is evaluated with `$states` ({input, result, errorOutput, context}) and the
 * workflow variables bound; expressions are compiled once per definition.
 */
export interface JsonataEnv {
  readonly input: unknown
  readonly result?: unknown
  readonly errorOutput?: unknown
  readonly context: ContextObject
  readonly variables: VariableScope
}

/** A JSONata field, compiled: evaluate(env) resolves to a JSON value or rejects with States.QueryEvaluationError. */
export type JsonataField = (env: JsonataEnv) => Promise<unknown>

/** The JSONata expression does not parse: a definition error, reported by validation. */
export class InvalidJsonata extends Error {
  override readonly name = 'InvalidJsonata'
}

const expressionPattern = /^\{%([\s\S]*)%\}$/

/** The expression inside `{% ... %}`, or undefined when the string is a plain value. */
export const jsonataExpression = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined
  const match = expressionPattern.exec(value)
  return match ? (match[1] ?? '').trim() : undefined
}

/** Step Functions' own JSONata functions (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html#jsonata-functions-provided-by-sfn). */
const registerFunctions = (expression: jsonata.Expression) => {
  expression.registerFunction(
    'partition',
    (array: unknown, size: unknown) => {
      if (!Array.isArray(array)) throw { code: 'D3001', message: 'The first argument of $partition must be an array' }
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1)
        throw { code: 'D3001', message: 'The chunk size of $partition must be a positive integer' }
      const out: unknown[][] = []
      for (let at = 0; at < array.length; at += size) out.push(array.slice(at, at + size))
      return out
    },
    '<an:a>',
  )
  expression.registerFunction(
    'range',
    (start: number, end: number, step: number) => {
      if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(step) || step === 0)
        throw { code: 'D3001', message: 'The arguments of $range must be integers and the step not 0' }
      const out: number[] = []
      for (let value = start; step > 0 ? value <= end : value >= end; value += step) {
        out.push(value)
        if (out.length > 1000) throw { code: 'D3001', message: '$range cannot return more than 1000 items' }
      }
      // A JSONata sequence: a single number comes out as that number, as AWS's $range gives it (observed).
      return Object.assign(out, { sequence: true })
    },
    '<nnn:a<n>>',
  )
  expression.registerFunction(
    'hash',
    (data: unknown, algorithm: string) => {
      const nodeName = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[
        algorithm
      ]
      if (!nodeName) throw { code: 'D3001', message: `Unsupported hash algorithm: ${algorithm}` }
      const text = typeof data === 'string' ? data : JSON.stringify(data)
      return createHash(nodeName).update(text, 'utf8').digest('hex')
    },
    '<xs:s>',
  )
  expression.registerFunction(
    'random',
    (seed?: number) => (seed === undefined ? Math.random() : seeded(seed)),
    '<n?:n>',
  )
  expression.registerFunction('uuid', () => randomUUID(), '<:s>')
  expression.registerFunction(
    'parse',
    (text: string) => {
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw { code: 'D3001', message: `The argument of $parse is not JSON: ${text}` }
      }
    },
    '<s:x>',
  )
}

/** A seeded draw in [0, 1): the same seed gives the same number, as AWS's $random(seed) does. */
const seeded = (seed: number): number => {
  let state = Math.floor(seed) >>> 0
  state = (state + 0x6d2b79f5) >>> 0
  let mixed = Math.imul(state ^ (state >>> 15), 1 | state)
  mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed
  return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
}

/** Parses one expression; throws InvalidJsonata with JSONata's message. */
export const compileExpression = (text: string): jsonata.Expression => {
  try {
    const expression = jsonata(text)
    registerFunctions(expression)
    return expression
  } catch (error) {
    throw new InvalidJsonata(jsonataMessage(error))
  }
}

const jsonataMessage = (error: unknown): string => {
  const record = error as { code?: string; message?: string }
  return record.code ? `${record.code}: ${record.message ?? ''}` : String(record.message ?? error)
}

const queryError = (expression: string, field: string, what: string) =>
  new StateRuntimeError(
    ErrorNames.queryEvaluationError,
    `The JSONata expression '${expression}' specified for the field '${field}' ${what}`,
    field,
  )

const bindingsOf = (env: JsonataEnv): Record<string, unknown> => {
  const states: Record<string, unknown> = { input: env.input, context: env.context }
  if (env.result !== undefined) states.result = env.result
  if (env.errorOutput !== undefined) states.errorOutput = env.errorOutput
  return { ...env.variables.bindings(), states }
}

/** A JSONata result as plain JSON: sequences become arrays; a function is not a JSON value. */
const toJson = (value: unknown): unknown => {
  if (typeof value === 'function') throw new UnsupportedResult()
  if (Array.isArray(value)) return value.map(toJson)
  if (typeof value === 'object' && value !== null) {
    if (typeof (value as { then?: unknown }).then === 'function') throw new UnsupportedResult()
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue
      out[key] = toJson(item)
    }
    return out
  }
  return value
}

class UnsupportedResult extends Error {}

/** Evaluates one expression for `field` ('Output/result'), mapping every failure to AWS's QueryEvaluationError cause. */
export const evaluateExpression = async (
  expression: jsonata.Expression,
  text: string,
  field: string,
  env: JsonataEnv,
): Promise<unknown> => {
  let value: unknown
  try {
    value = await expression.evaluate(env.input, bindingsOf(env))
  } catch (error) {
    throw queryError(text, field, `threw an error during evaluation. ${jsonataMessage(error)}`)
  }
  if (value === undefined) throw queryError(text, field, 'returned nothing (undefined).')
  try {
    return toJson(value)
  } catch (error) {
    if (error instanceof UnsupportedResult) throw queryError(text, field, 'returned an unsupported result type.')
    throw error
  }
}

/**
 * Compiles a field's value: a `{% %}` string is an expression; objects and arrays are walked for them; anything
 * else is a constant (shared, never copied). `field` names it in causes, nested as 'Output/result'.
 */
export const compileJsonataField = (value: unknown, field: string): JsonataField => {
  const text = jsonataExpression(value)
  if (text !== undefined) {
    const expression = compileExpression(text)
    return (env) => evaluateExpression(expression, text, field, env)
  }
  if (!containsExpression(value)) return async () => value
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileJsonataField(item, `${field}/${index}`))
    return async (env) => {
      const out: unknown[] = []
      for (const item of items) out.push(await item(env))
      return out
    }
  }
  const entries = Object.entries(value as Record<string, unknown>).map(([key, item]): [string, JsonataField] => [
    key,
    compileJsonataField(item, `${field}/${key}`),
  ])
  return async (env) => {
    const out: Record<string, unknown> = {}
    for (const [key, item] of entries) out[key] = await item(env)
    return out
  }
}

/** Whether a value holds a `{% %}` string anywhere. */
export const containsExpression = (value: unknown): boolean => {
  if (typeof value === 'string') return jsonataExpression(value) !== undefined
  if (Array.isArray(value)) return value.some(containsExpression)
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsExpression)
  return false
}

/** Names a JSON value's type the way AWS's causes do ('array', 'object', 'string', 'number', 'boolean', 'null'). */
export const jsonTypeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value

/** The QueryEvaluationError for a value of the wrong type in `field` (AWS's cause for Items, Condition, ...). */
export const unexpectedType = (text: string, field: string, expected: string, value: unknown): StatesError =>
  queryError(
    text,
    field,
    `returned an unexpected result type. Expected '${expected}', but was '${jsonTypeName(value)}' for value: ${JSON.stringify(value)}`,
  )
