import { createHash, randomUUID } from 'node:crypto'
import { deepEqual } from './json-path'

/**
 * Intrinsic functions (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html): parsed once
 * per definition into a call tree, evaluated per state against paths the caller resolves ($, $$, $variable).
 */
export type IntrinsicArgument =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'call'; readonly call: IntrinsicCall }

export interface IntrinsicCall {
  readonly name: string
  readonly args: ReadonlyArray<IntrinsicArgument>
}

/** The call is not an intrinsic AWS knows, or is malformed: a definition error. */
export class InvalidIntrinsic extends Error {
  override readonly name = 'InvalidIntrinsic'
}

/** An intrinsic failed on the values it got: the state fails with States.Runtime and this cause. */
export class IntrinsicEvaluationError extends Error {
  override readonly name = 'IntrinsicEvaluationError'
}

/** Argument counts each function takes, [min, max]. */
const arity: Readonly<Record<string, readonly [number, number]>> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
}

/** True when a `.$` value is an intrinsic call rather than a path. */
export const isIntrinsic = (text: string): boolean => /^States\.[A-Za-z0-9]+\s*\(/.test(text.trim())

/** Parses `States.Fn(arg, ...)`; throws InvalidIntrinsic. */
export const parseIntrinsic = (text: string): IntrinsicCall => {
  const source = text.trim()
  let at = 0
  const fail = (why: string): never => {
    throw new InvalidIntrinsic(`Invalid intrinsic function '${text}': ${why}`)
  }
  const skipSpace = () => {
    while (at < source.length && /\s/.test(source[at] ?? '')) at++
  }
  const parseCall = (): IntrinsicCall => {
    const match = /^States\.[A-Za-z0-9]+/.exec(source.slice(at))
    if (!match) return fail(`expected a States.* function at ${at}`)
    const name = match[0]
    const counts = arity[name]
    if (!counts) return fail(`${name} is not an intrinsic function`)
    at += name.length
    skipSpace()
    if (source[at] !== '(') fail(`expected ( after ${name}`)
    at++
    const args: IntrinsicArgument[] = []
    skipSpace()
    if (source[at] === ')') at++
    else {
      for (;;) {
        skipSpace()
        args.push(parseArgument())
        skipSpace()
        if (source[at] === ',') {
          at++
          continue
        }
        if (source[at] === ')') {
          at++
          break
        }
        fail(`expected , or ) at ${at}`)
      }
    }
    if (args.length < counts[0] || args.length > counts[1])
      fail(
        `${name} takes ${counts[0] === counts[1] ? counts[0] : `${counts[0]} or more`} arguments, got ${args.length}`,
      )
    return { name, args }
  }
  const parseArgument = (): IntrinsicArgument => {
    const rest = source.slice(at)
    if (rest.startsWith("'")) {
      let value = ''
      at++
      for (;;) {
        if (at >= source.length) fail('unterminated string')
        const char = source[at] as string
        if (char === '\\') {
          // \' and \\ are the literal's own escapes; \{ and \} stay for States.Format to read as braces. Any other
          // escape (\" say) makes the call invalid, as AWS's validation says (observed on AWS).
          const next = source[at + 1] ?? ''
          if (next !== "'" && next !== '\\' && next !== '{' && next !== '}') fail(`invalid escape \\${next} at ${at}`)
          value += next === "'" || next === '\\' ? next : `\\${next}`
          at += 2
          continue
        }
        if (char === "'") {
          at++
          break
        }
        value += char
        at++
      }
      return { kind: 'literal', value }
    }
    if (rest.startsWith('States.')) return { kind: 'call', call: parseCall() }
    if (rest.startsWith('$')) {
      let end = at
      let depth = 0
      let quote: string | undefined
      while (end < source.length) {
        const char = source[end] as string
        if (quote) {
          if (char === '\\') end++
          else if (char === quote) quote = undefined
        } else if (char === "'" || char === '"') quote = char
        else if (char === '[' || char === '(') depth++
        else if (char === ']' || (char === ')' && depth > 0)) depth--
        else if (depth === 0 && (char === ',' || char === ')')) break
        end++
      }
      const path = source.slice(at, end).trim()
      at = end
      return { kind: 'path', path }
    }
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(rest)
    if (literal) {
      at += literal[0].length
      return { kind: 'literal', value: JSON.parse(literal[0]) as unknown }
    }
    return fail(`unexpected argument at ${at}`)
  }
  const call = parseCall()
  skipSpace()
  if (at !== source.length) fail(`unexpected text after the call at ${at}`)
  return call
}

/** Every path an intrinsic reads, for validation. */
export const intrinsicPaths = (call: IntrinsicCall): string[] =>
  call.args.flatMap((arg) => (arg.kind === 'path' ? [arg.path] : arg.kind === 'call' ? intrinsicPaths(arg.call) : []))

const fail = (message: string): never => {
  throw new IntrinsicEvaluationError(message)
}

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value)

const isNumber = (value: unknown): value is number => typeof value === 'number'

/**
 * How States.Format writes a non-string argument: AWS renders objects and arrays the way Java's Map and List print
 * (`{a=1, b=[x, y]}`), strings inside them unquoted (observed on AWS).
 */
const formatArgument = (value: unknown): string => {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return `[${value.map(formatArgument).join(', ')}]`
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}=${formatArgument(item)}`)
      .join(', ')}}`
  return JSON.stringify(value) ?? 'null'
}

/** Evaluates a parsed call; `resolve` reads a path argument and throws the caller's error when it does not resolve. */
export const evaluateIntrinsic = (call: IntrinsicCall, resolve: (path: string) => unknown): unknown => {
  const args = call.args.map((arg) =>
    arg.kind === 'literal' ? arg.value : arg.kind === 'path' ? resolve(arg.path) : evaluateIntrinsic(arg.call, resolve),
  )
  const name = call.name
  const expect = (index: number, want: string, test: (value: unknown) => boolean) => {
    const value = args[index]
    if (!test(value))
      fail(`The ${name} intrinsic function expected argument ${index + 1} to be ${want}, but got ${typeName(value)}.`)
    return value
  }
  switch (name) {
    case 'States.Format': {
      const template = expect(0, 'a string', (value) => typeof value === 'string') as string
      const values = args.slice(1)
      let used = 0
      let out = ''
      for (let at = 0; at < template.length; at++) {
        const char = template[at]
        if (char === '\\' && at + 1 < template.length) {
          out += template[++at]
          continue
        }
        if (char === '{' && template[at + 1] === '}') {
          if (used >= values.length) fail(`The ${name} intrinsic function has more {} placeholders than arguments.`)
          out += formatArgument(values[used++])
          at++
          continue
        }
        out += char
      }
      if (used !== values.length) fail(`The ${name} intrinsic function has fewer {} placeholders than arguments.`)
      return out
    }
    case 'States.StringToJson': {
      const text = expect(0, 'a string', (value) => typeof value === 'string') as string
      // A blank string is null, as AWS's parser reads it (observed).
      if (text.trim() === '') return null
      try {
        return JSON.parse(text) as unknown
      } catch {
        return fail(`The ${name} intrinsic function could not parse its argument as JSON: ${text}`)
      }
    }
    case 'States.JsonToString':
      return JSON.stringify(args[0])
    case 'States.Array':
      return args
    case 'States.ArrayPartition': {
      const array = expect(0, 'an array', Array.isArray) as unknown[]
      const size = expect(1, 'a positive integer', (value) => isInteger(value) && value > 0) as number
      const out: unknown[][] = []
      for (let at = 0; at < array.length; at += size) out.push(array.slice(at, at + size))
      return out
    }
    case 'States.ArrayContains': {
      const array = expect(0, 'an array', Array.isArray) as unknown[]
      return array.some((item) => deepEqual(item, args[1]))
    }
    case 'States.ArrayRange': {
      const start = expect(0, 'an integer', isInteger) as number
      const end = expect(1, 'an integer', isInteger) as number
      const stride = expect(2, 'a non-zero integer', (value) => isInteger(value) && value !== 0) as number
      const out: number[] = []
      for (let value = start; stride > 0 ? value <= end : value >= end; value += stride) {
        out.push(value)
        if (out.length > 1000) fail(`The ${name} intrinsic function cannot return more than 1000 items.`)
      }
      return out
    }
    case 'States.ArrayGetItem': {
      const array = expect(0, 'an array', Array.isArray) as unknown[]
      const index = expect(1, 'a non-negative integer', (value) => isInteger(value) && value >= 0) as number
      if (index >= array.length)
        fail(`The ${name} intrinsic function was given the index ${index}, outside an array of ${array.length} items.`)
      return array[index]
    }
    case 'States.ArrayLength':
      return (expect(0, 'an array', Array.isArray) as unknown[]).length
    case 'States.ArrayUnique': {
      const array = expect(0, 'an array', Array.isArray) as unknown[]
      const out: unknown[] = []
      for (const item of array) if (!out.some((kept) => deepEqual(kept, item))) out.push(item)
      return out
    }
    case 'States.Base64Encode': {
      const text = expect(0, 'a string', (value) => typeof value === 'string') as string
      if (text.length > 10_000) fail(`The ${name} intrinsic function accepts at most 10000 characters.`)
      return Buffer.from(text, 'utf8').toString('base64')
    }
    case 'States.Base64Decode': {
      const text = expect(0, 'a string', (value) => typeof value === 'string') as string
      if (text.length > 10_000) fail(`The ${name} intrinsic function accepts at most 10000 characters.`)
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1)
        fail(`The ${name} intrinsic function was given a string that is not Base64: ${text}`)
      return Buffer.from(text, 'base64').toString('utf8')
    }
    case 'States.Hash': {
      const data = args[0]
      if (data === null || data === undefined) fail(`The ${name} intrinsic function cannot hash null.`)
      const algorithm = expect(1, 'a string', (value) => typeof value === 'string') as string
      const nodeName = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[
        algorithm
      ]
      if (!nodeName)
        fail(
          `The ${name} intrinsic function supports the algorithms MD5, SHA-1, SHA-256, SHA-384 and SHA-512, not ${algorithm}.`,
        )
      const text = typeof data === 'string' ? data : JSON.stringify(data)
      if (text.length > 10_000) fail(`The ${name} intrinsic function accepts at most 10000 characters.`)
      return createHash(nodeName as string)
        .update(text, 'utf8')
        .digest('hex')
    }
    case 'States.JsonMerge': {
      const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value)
      const left = expect(0, 'an object', isObject) as Record<string, unknown>
      const right = expect(1, 'an object', isObject) as Record<string, unknown>
      const deep = expect(2, 'a boolean', (value) => typeof value === 'boolean')
      if (deep !== false)
        fail(`The ${name} intrinsic function supports only a shallow merge: its third argument must be false.`)
      return { ...left, ...right }
    }
    case 'States.MathRandom': {
      // A fractional bound is rounded as Java's Math.round does (AWS: "rounds it off to the nearest integer").
      const start = Math.round(expect(0, 'a number', isNumber) as number)
      const end = Math.round(expect(1, 'a number', isNumber) as number)
      if (args.length === 3) expect(2, 'a number', isNumber)
      // The seed is accepted for compatibility; numbers are drawn from the process's generator.
      return start + Math.floor(Math.random() * (end - start))
    }
    case 'States.MathAdd': {
      const a = Math.round(expect(0, 'a number', isNumber) as number)
      const b = Math.round(expect(1, 'a number', isNumber) as number)
      return a + b
    }
    case 'States.StringSplit': {
      const text = expect(0, 'a string', (value) => typeof value === 'string') as string
      const separators = expect(1, 'a string', (value) => typeof value === 'string') as string
      // Each character of the second argument splits; empty pieces are dropped, as AWS's tokenizer does.
      const pieces: string[] = []
      let current = ''
      for (const char of text) {
        if (separators.includes(char)) {
          if (current !== '') pieces.push(current)
          current = ''
        } else current += char
      }
      if (current !== '') pieces.push(current)
      return pieces
    }
    case 'States.UUID':
      return randomUUID()
    default:
      return fail(`${name} is not an intrinsic function.`)
  }
}
