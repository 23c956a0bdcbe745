import { Either, ParseResult, Schema } from 'effect'
import type { AwsApiError } from './errors'

/** One thing wrong with a request's input: a member missing, of the wrong type, or refused by a constraint. */
export interface InputIssue {
  readonly kind: 'missing' | 'type' | 'constraint'
  /** Where, from the input's root: `['Entries', 0, 'Id']`. */
  readonly path: ReadonlyArray<PropertyKey>
  /** The value found there (undefined when missing). */
  readonly value: unknown
  /** The constraint's reason as the contract words it, or the schema's own description of a type mismatch. */
  readonly message: string
}

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    input,
  )

/** A member set to null is a member not set, as AWS's JSON protocols read it. */
const withoutNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== null)
      .map(([key, member]) => [key, withoutNulls(member)]),
  )
}

/**
 * Decodes an operation's input with its contract, or throws the service's error for what is wrong with it: each
 * service words missing members, wrong types and refused values its own way (`wordIssues`). Members the contract does
 * not name are ignored, as the JSON and query protocols ignore them.
 */
export const decodeInput = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown,
  wordIssues: (issues: ReadonlyArray<InputIssue>) => AwsApiError,
): A => {
  const present = withoutNulls(input)
  const decoded = Schema.decodeUnknownEither(schema, { errors: 'all', onExcessProperty: 'ignore' })(present)
  if (Either.isRight(decoded)) return decoded.right
  const all = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((issue): InputIssue => ({
    kind: issue._tag === 'Missing' ? 'missing' : issue._tag === 'Refinement' ? 'constraint' : 'type',
    path: issue.path,
    value: valueAt(present, issue.path),
    message: issue.message,
  }))
  // An optional member is a union with undefined: its "Expected undefined" issue only echoes the member's own.
  const rank = (issue: InputIssue) =>
    issue.kind === 'missing'
      ? 0
      : issue.kind === 'constraint'
        ? 1
        : issue.message.startsWith('Expected undefined')
          ? 3
          : 2
  const byPath = new Map<string, InputIssue>()
  for (const issue of all) {
    const key = JSON.stringify(issue.path.map(String))
    const kept = byPath.get(key)
    if (!kept || rank(issue) < rank(kept)) byPath.set(key, issue)
  }
  throw wordIssues([...byPath.values()])
}
