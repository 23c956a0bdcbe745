import { Effect, ParseResult, Schema } from 'effect'
import type { ApiRequest } from './event'
import { fieldsNestedTooDeep, MaxJsonDepth, nestedTooDeep } from '../kit/json-depth'
import { invalidFields, reject, type FieldError, type Rejected } from './responses'

/** The largest body the API reads (API Gateway itself allows 10 MB). */
export const MaxBodyBytes = 256 * 1024

/** `application/json` or a `+json` type, with no charset or UTF-8 (RFC 8259 section 8.1). */
const isJson = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const [type = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase())
  const charset = parameters
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '')
  return (
    /^application\/([\w.-]+\+)?json$/.test(type) && (charset === undefined || charset === 'utf-8' || charset === 'utf8')
  )
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The request's JSON object body: 415 `UnsupportedMediaType` unless it is sent as JSON, 413 `PayloadTooLarge` over
 * `MaxBodyBytes`, 400 `MissingBody` when empty, 400 `MalformedJson` when it is not UTF-8 JSON, 400 `ValidationFailed`
 * when it is JSON but not an object.
 */
export const readJsonObject = (request: ApiRequest): Effect.Effect<Record<string, unknown>, Rejected> =>
  Effect.gen(function* () {
    const body = request.body
    if (body === undefined || body.length === 0)
      return yield* reject(400, 'MissingBody', 'This request needs a JSON body')
    if (!isJson(request.headers['content-type'])) {
      return yield* reject(415, 'UnsupportedMediaType', 'Send the body as application/json (UTF-8)')
    }
    if (body.length > MaxBodyBytes)
      return yield* reject(413, 'PayloadTooLarge', `The body is ${body.length} bytes; the limit is ${MaxBodyBytes}`)
    let value: unknown
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : 'the body is not valid UTF-8'
      return yield* reject(400, 'MalformedJson', `The body is not valid JSON: ${reason}`)
    }
    if (!isObject(value)) return yield* reject(400, 'ValidationFailed', 'The body must be a JSON object')
    // Decoding a deeply nested field overflows the stack while formatting its error: name it without decoding.
    const tooDeep = fieldsNestedTooDeep(value)
    if (tooDeep.length > 0)
      return yield* invalidFields(
        `The body nests more than ${MaxJsonDepth} levels deep`,
        tooDeep.map((name) => ({ path: formatPath([name]), message: nestedTooDeep })),
      )
    return value
  })

/** `['items', 0, 'quantity']` as a client writes it: `items[0].quantity`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`
    const name = String(key)
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `${text}[${JSON.stringify(name)}]`
    return text === '' ? name : `${text}.${name}`
  }, '')

const shorten = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}...` : text)

/** Effect's own wording for a type mismatch, made short: the schema's full type is no help to a client. */
const typeMessage = (expected: string, actual: string): string => {
  const simple: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    boolean: 'a boolean',
    'an integer': 'an integer',
  }
  if (expected in simple) return `must be ${simple[expected]} (got ${shorten(actual)})`
  if (expected.startsWith('{')) return 'must be an object'
  if (expected.startsWith('readonly [')) return 'must be a non-empty array'
  if (expected.startsWith('ReadonlyArray<') || expected.endsWith('[]')) return 'must be an array'
  const longest = /^a string at most (\d+) character\(s\) long$/.exec(expected)
  if (longest) return `must be at most ${longest[1]} characters long`
  const shortest = /^a string at least (\d+) character\(s\) long$/.exec(expected)
  if (shortest) return `must be at least ${shortest[1]} characters long`
  return `must be ${shorten(expected)} (got ${shorten(actual)})`
}

interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  readonly tag: string
}

/**
 * Every failing field of a decode, one entry per field, from `ParseResult.ArrayFormatter`: the `undefined` arm of an
 * optional field is dropped (it fails beside the real problem), a missing first element of a non-empty array reads
 * as the array being empty, the alternatives of a literal union are listed together, and Effect's type dumps are
 * replaced by short wording. Contract messages (`must be a positive integer`) pass as they are.
 */
export const fieldErrors = (error: ParseResult.ParseError): ReadonlyArray<FieldError> => {
  const issues: ReadonlyArray<Issue> = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path,
    message: issue.message,
    tag: issue._tag,
  }))
  const key = (path: ReadonlyArray<PropertyKey>) => formatPath(path)
  const undefinedArm = (issue: Issue) => issue.tag === 'Type' && issue.message.startsWith('Expected undefined, actual ')
  const within = (child: string, parent: string) =>
    parent === '' || child === parent || child.startsWith(`${parent}.`) || child.startsWith(`${parent}[`)
  const real = issues.filter(
    (issue) =>
      !undefinedArm(issue) || !issues.some((other) => !undefinedArm(other) && within(key(other.path), key(issue.path))),
  )

  const byPath = new Map<string, string[]>()
  for (const issue of real) {
    const last = issue.path.at(-1)
    const emptyArray = issue.tag === 'Missing' && typeof last === 'number'
    const path = key(emptyArray ? issue.path.slice(0, -1) : issue.path)
    const message = emptyArray
      ? last === 0
        ? 'must not be empty'
        : `must have at least ${last + 1} elements`
      : issue.tag === 'Missing'
        ? 'is required'
        : issue.message
    byPath.set(path, [...(byPath.get(path) ?? []), message])
  }

  return [...byPath].map(([path, messages]) => {
    const literals = messages.map(
      (message) => /^Expected ("(?:[^"\\]|\\.)*"|-?\d[\d.e+-]*|true|false|null), actual /.exec(message)?.[1],
    )
    if (messages.length > 1 && literals.every((literal) => literal !== undefined))
      return { path, message: `must be one of ${literals.join(', ')}` }
    const first = messages[0]!
    const mismatch = /^Expected (.+), actual (.+)$/s.exec(first)
    return { path, message: mismatch ? typeMessage(mismatch[1]!, mismatch[2]!) : first }
  })
}

/**
 * Decodes a value with a contract, answering 400 `ValidationFailed` that names every failing field, together with
 * `extra` field errors found beside the contract (cross-field rules the contract checks only once the fields decode).
 */
export const decodeFields = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  what: string,
  extra: ReadonlyArray<FieldError> = [],
): Effect.Effect<A, Rejected> =>
  Schema.decodeUnknown(schema, { errors: 'all', onExcessProperty: 'ignore' })(value).pipe(
    Effect.catchTag('ParseError', (error) => {
      const fields = fieldErrors(error)
      return invalidFields(`The ${what} is not valid`, [
        ...fields,
        ...extra.filter((field) => !fields.some((known) => known.path === field.path)),
      ])
    }),
    Effect.flatMap((decoded) =>
      extra.length > 0 ? invalidFields(`The ${what} is not valid`, extra) : Effect.succeed(decoded),
    ),
  )

/** A `limit` query parameter: an integer from 1 to 100, 20 when absent. */
export const Limit = Schema.optionalWith(
  Schema.compose(Schema.String.pipe(Schema.pattern(/^\d{1,3}$/)), Schema.NumberFromString)
    .pipe(Schema.between(1, 100))
    .annotations({ message: () => ({ message: 'must be an integer from 1 to 100', override: true }) }),
  { default: () => 20 },
)

/** A `cursor` query parameter: the `next` of the previous page, handed back as it was. */
export const Cursor = Schema.optional(
  Schema.String.pipe(Schema.maxLength(2048, { message: () => 'must be the next of a previous page' })),
)

/** Decodes the query string with a schema, answering 400 `ValidationFailed` that names every failing parameter. An empty parameter counts as absent. */
export const decodeQuery = <A, I>(schema: Schema.Schema<A, I>, request: ApiRequest): Effect.Effect<A, Rejected> =>
  decodeFields(schema, Object.fromEntries(Object.entries(request.query).filter(([, value]) => value !== '')), 'query')
