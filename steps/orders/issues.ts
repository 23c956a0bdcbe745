import { ParseResult } from 'effect'

/** A schema path as a reader writes it: `items[0].quantity`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment),
    '',
  )

const startsWith = (path: ReadonlyArray<PropertyKey>, prefix: ReadonlyArray<PropertyKey>) =>
  prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment)

/**
 * Names every failing field of a decode in one line (`customerId: must not be empty; items[0].quantity: must be a
 * positive integer`), for batch item failures, DLQ records and import reports. Drops the noise Effect adds for
 * optional fields (`Expected undefined, actual ...` beside the real issue) and says "must not be empty" for an empty
 * non-empty array rather than "items[0]: is missing".
 */
export const describeParseError = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const described = issues.flatMap((issue) => {
    const redundant =
      issue.message.startsWith('Expected undefined, actual') &&
      issues.some((other) => other !== issue && startsWith(other.path, issue.path))
    if (redundant) return []
    const last = issue.path.at(-1)
    if (issue._tag === 'Missing' && last === 0) return [`${formatPath(issue.path.slice(0, -1))}: must not be empty`]
    // A value of the wrong kind altogether: the full expected type would be a wall of text.
    const wrongKind = issue._tag === 'Type' && /^Expected \{/.test(issue.message)
    const message = wrongKind ? `must be an object, got ${issue.message.replace(/^.*, actual /s, '')}` : issue.message
    return [issue.path.length === 0 ? message : `${formatPath(issue.path)}: ${message}`]
  })
  return [...new Set(described)].join('; ')
}
