import { runtimeError } from './errors'
import { compileReference, resolveReference, type DataEnv, type Reference } from './references'

/**
 * Choice rules in JSONPath states (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html):
 * compiled once into predicates over the state's effective input.
 */
export type Predicate = (env: DataEnv) => boolean

/** The comparison operators AWS accepts, each with its literal type. */
export const ComparisonOperators: Readonly<Record<string, 'string' | 'number' | 'boolean' | 'timestamp'>> = {
  StringEquals: 'string',
  StringLessThan: 'string',
  StringGreaterThan: 'string',
  StringLessThanEquals: 'string',
  StringGreaterThanEquals: 'string',
  StringMatches: 'string',
  NumericEquals: 'number',
  NumericLessThan: 'number',
  NumericGreaterThan: 'number',
  NumericLessThanEquals: 'number',
  NumericGreaterThanEquals: 'number',
  BooleanEquals: 'boolean',
  TimestampEquals: 'timestamp',
  TimestampLessThan: 'timestamp',
  TimestampGreaterThan: 'timestamp',
  TimestampLessThanEquals: 'timestamp',
  TimestampGreaterThanEquals: 'timestamp',
}

/** The type tests, which take a boolean. */
export const TypeTests = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'] as const

/** Every operator a rule may use (`...Path` variants compare against another path). */
export const allOperators = (): string[] => [
  ...Object.keys(ComparisonOperators).flatMap((name) => (name === 'StringMatches' ? [name] : [name, `${name}Path`])),
  ...TypeTests,
]

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

/** Epoch milliseconds of an RFC 3339 timestamp, or undefined when the string is not one (uppercase T, offset required). */
export const parseTimestamp = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined
  const match = rfc3339.exec(value)
  if (!match) return undefined
  const [, year, month, day, hour, minute, second] = match.map(Number)
  if (
    (month as number) < 1 ||
    (month as number) > 12 ||
    (day as number) < 1 ||
    (day as number) > new Date(Date.UTC(year as number, month as number, 0)).getUTCDate() ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59
  )
    return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : time
}

/** StringMatches: `*` matches any run of characters; `\*` and `\\` are literal. */
const compileMatcher = (pattern: string): RegExp => {
  let source = ''
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at] as string
    if (char === '\\' && at + 1 < pattern.length) {
      source += escapeRegex(pattern[++at] as string)
      continue
    }
    source += char === '*' ? '[\\s\\S]*' : escapeRegex(char)
  }
  return new RegExp(`^${source}$`)
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

const invalidPath = (path: string) =>
  runtimeError(`Invalid path '${path}' : The choice state's condition path references an invalid value.`)

const read = (reference: Reference, env: DataEnv): unknown => {
  const result = resolveReference(reference, env)
  if (!result.found) throw invalidPath(reference.text)
  return result.value
}

const compare = (type: string, operator: string, left: unknown, right: unknown): boolean => {
  const order = (a: number | string, b: number | string): boolean => {
    if (operator.endsWith('GreaterThanEquals')) return a >= b
    if (operator.endsWith('LessThanEquals')) return a <= b
    if (operator.endsWith('GreaterThan')) return a > b
    if (operator.endsWith('LessThan')) return a < b
    return a === b
  }
  switch (type) {
    case 'string':
      return typeof left === 'string' && typeof right === 'string' && order(left, right)
    case 'number':
      return typeof left === 'number' && typeof right === 'number' && order(left, right)
    case 'boolean':
      return typeof left === 'boolean' && typeof right === 'boolean' && left === right
    default: {
      const a = parseTimestamp(left)
      const b = parseTimestamp(right)
      return a !== undefined && b !== undefined && order(a, b)
    }
  }
}

/** Compiles one rule (a Choices entry, or a rule nested in And/Or/Not). The definition was validated first. */
export const compileRule = (rule: Record<string, unknown>): Predicate => {
  if (Array.isArray(rule.And)) {
    const rules = (rule.And as Record<string, unknown>[]).map(compileRule)
    return (env) => rules.every((test) => test(env))
  }
  if (Array.isArray(rule.Or)) {
    const rules = (rule.Or as Record<string, unknown>[]).map(compileRule)
    return (env) => rules.some((test) => test(env))
  }
  if (rule.Not !== undefined) {
    const inner = compileRule(rule.Not as Record<string, unknown>)
    return (env) => !inner(env)
  }
  const variable = compileReference(String(rule.Variable))
  for (const test of TypeTests) {
    if (!(test in rule)) continue
    const expected = rule[test] === true
    if (test === 'IsPresent') return (env) => resolveReference(variable, env).found === expected
    const check =
      test === 'IsNull'
        ? (value: unknown) => value === null
        : test === 'IsNumeric'
          ? (value: unknown) => typeof value === 'number'
          : test === 'IsString'
            ? (value: unknown) => typeof value === 'string'
            : test === 'IsBoolean'
              ? (value: unknown) => typeof value === 'boolean'
              : (value: unknown) => parseTimestamp(value) !== undefined
    return (env) => {
      // On an absent path the type test is false, not an error: "IsNull": false then matches (AWS's docs pair Is*
      // tests with IsPresent; they are silent on an absent path, this follows LocalStack's AWS-validated behaviour).
      const result = resolveReference(variable, env)
      return (result.found && check(result.value)) === expected
    }
  }
  for (const [operator, type] of Object.entries(ComparisonOperators)) {
    if (operator in rule) {
      const literal = rule[operator]
      if (operator === 'StringMatches') {
        const matcher = compileMatcher(String(literal))
        return (env) => {
          const value = read(variable, env)
          return typeof value === 'string' && matcher.test(value)
        }
      }
      return (env) => compare(type, operator, read(variable, env), literal)
    }
    const pathOperator = `${operator}Path`
    if (pathOperator in rule) {
      const other = compileReference(String(rule[pathOperator]))
      return (env) => {
        const value = read(variable, env)
        return compare(type, operator, value, read(other, env))
      }
    }
  }
  throw new Error(`A choice rule without a comparison operator: ${JSON.stringify(rule)}`)
}
