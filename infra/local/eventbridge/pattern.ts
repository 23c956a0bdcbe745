/**
 * EventBridge event patterns for the local bus: validation and matching as EventBridge does them.
 *
 * The rules come from the EventBridge user guide (event patterns, comparison operators, arrays, null values):
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html.
 * Where the guide is silent (which patterns are invalid, what an operator does with a value of the wrong type),
 * this follows aws/event-ruler, the engine EventBridge runs: its reasons are the ones PutRule reports
 * (`Event pattern is not valid. Reason: Empty objects are not allowed at [Source: ...]`).
 *
 * A pattern is validated and compiled once into closures; matching an event then walks only the pattern's keys.
 *
 * Not emulated: EventBridge joins field paths with dots, so it treats `{ "a.b": [...] }` like `{ "a": { "b": [...] } }`
 * (the guide warns about it); here a key with a dot is one field name.
 */

/** A pattern EventBridge would refuse (PutRule and TestEventPattern answer `InvalidEventPatternException`). */
export class InvalidEventPattern extends Error {
  /** The reason alone, as EventBridge words it, without the prefix or the location. */
  readonly reason: string
  /** Where in the pattern, e.g. `detail.object.key[0]`; empty for the pattern as a whole. */
  readonly path: string

  constructor(reason: string, path: ReadonlyArray<string> = []) {
    const where = formatPath(path)
    super(`Event pattern is not valid. Reason: ${reason}${where === '' ? '' : ` at ${where}`}`)
    this.name = 'InvalidEventPatternException'
    this.reason = reason
    this.path = where
  }
}

/** Tells whether an event (the full envelope: `source`, `detail-type`, `detail`, ...) matches a compiled pattern. */
export type EventMatcher = (event: unknown) => boolean

/**
 * Where a pattern is used. An event bus rule takes every operator; the filter of an EventBridge pipe or of a Lambda
 * event source mapping takes fewer: no `wildcard`, and `anything-but` only with values, never with `prefix`,
 * `suffix`, `equals-ignore-case` or `wildcard` (the "Pipe support" column of
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html; pipes filter "in the
 * same way as ... Lambda event source mapping", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html).
 */
export type PatternDialect = 'event-bus' | 'filter'

export interface PatternOptions {
  /** @default 'event-bus' */
  readonly dialect?: PatternDialect
}

/**
 * Checks a pattern (an object, or its JSON text as PutRule takes it) and throws `InvalidEventPattern` with
 * EventBridge's reason when EventBridge would refuse it.
 */
export const validatePattern = (pattern: unknown, options: PatternOptions = {}): void => {
  compileRoot(pattern, options.dialect ?? 'event-bus')
}

/**
 * Validates a pattern once and returns a matcher for events. Compile each rule's pattern when the rule is
 * loaded and reuse the matcher: it reads nothing from the pattern object afterwards.
 */
export const compilePattern = (pattern: unknown, options: PatternOptions = {}): EventMatcher => {
  const root = compileRoot(pattern, options.dialect ?? 'event-bus')
  return (event) => isObject(event) && root.test(event, event)
}

/**
 * One-off match. Compiled matchers are cached per pattern object, so calling this in a loop with the same
 * (unmodified) pattern validates it once.
 */
export const matches = (pattern: unknown, event: unknown): boolean => {
  if (typeof pattern !== 'object' || pattern === null) return compilePattern(pattern)(event)
  let matcher = compiled.get(pattern)
  if (matcher === undefined) {
    matcher = compilePattern(pattern)
    compiled.set(pattern, matcher)
  }
  return matcher(event)
}

const compiled = new WeakMap<object, EventMatcher>()

// ---------------------------------------------------------------------------------------------------------------
// Event values

/** What an event holds at a leaf: EventBridge matches only these; objects are intermediate nodes. */
type Leaf = string | number | boolean | null
type EventObject = Readonly<Record<string, unknown>>
type LeafTest = (value: Leaf) => boolean
/** Tests one event object; `root` is the whole event, which `exists: false` looks through (see `compileLeafField`). */
type ObjectTest = (object: EventObject, root: EventObject) => boolean

const isObject = (value: unknown): value is EventObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isLeaf = (value: unknown): value is Leaf =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'

/** Own properties only: an event key named `constructor` or `__proto__` is data, not the prototype. */
const field = (object: EventObject, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined)

/** Arrays in the event are crushed: a field matches if any element (at any depth of nesting) matches. */
const anyLeaf = (value: unknown, test: LeafTest): boolean => {
  if (Array.isArray(value)) return value.some((element) => anyLeaf(element, test))
  return isLeaf(value) && test(value)
}

const always: LeafTest = () => true
const hasLeaf = (value: unknown): boolean => anyLeaf(value, always)

/** Whether the event has a leaf at this path anywhere, through every element of every array on the way. */
const hasLeafAt = (value: unknown, path: ReadonlyArray<string>, depth: number): boolean => {
  if (Array.isArray(value)) return value.some((element) => hasLeafAt(element, path, depth))
  if (depth === path.length) return isLeaf(value)
  return isObject(value) && Object.hasOwn(value, path[depth]) && hasLeafAt(value[path[depth]], path, depth + 1)
}

const objectsIn = (value: unknown, into: EventObject[]): EventObject[] => {
  if (isObject(value)) into.push(value)
  else if (Array.isArray(value)) for (const element of value) objectsIn(element, into)
  return into
}

const NoFields: EventObject = Object.freeze({})

// ---------------------------------------------------------------------------------------------------------------
// Pattern structure: objects of fields, arrays of match values, `$or`

interface CompiledNode {
  readonly test: ObjectTest
  /** How many rules EventBridge expands the `$or`s into; it refuses a pattern over MaxCombinations. */
  readonly combinations: number
}

/** Where we are: `at` locates errors (`$or[1]`, `[0]` included); `fieldPath` is the event path the field names. */
interface Location {
  readonly at: ReadonlyArray<string>
  readonly fieldPath: ReadonlyArray<string>
  readonly inOr: boolean
  readonly dialect: PatternDialect
}

const Or = '$or'
const MaxCombinations = 1000

/** Field names event-ruler refuses inside `$or`, so that an operator misplaced there is not taken for a field. */
const ReservedInOr: ReadonlySet<string> = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
])

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> => {
  if (!isObject(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

const formatPath = (path: ReadonlyArray<string>): string =>
  path.reduce((joined, step) => (step.startsWith('[') || joined === '' ? joined + step : `${joined}.${step}`), '')

// A declaration, not an arrow: TypeScript narrows after a call only to a declared `never` function.
function fail(reason: string, at: ReadonlyArray<string>): never {
  throw new InvalidEventPattern(reason, at)
}

/** PutRule takes the pattern as JSON text; JSON.parse also keeps the last of duplicate keys, as the guide says EventBridge does. */
const parsePattern = (pattern: unknown): unknown => {
  if (typeof pattern !== 'string') return pattern
  try {
    return JSON.parse(pattern) as unknown
  } catch (error) {
    return fail(`Invalid JSON: ${(error as Error).message}`, [])
  }
}

const compileRoot = (input: unknown, dialect: PatternDialect): CompiledNode => {
  const pattern = parsePattern(input)
  if (!isPlainObject(pattern)) return fail('Filter is not an object', [])
  const root = compileNode(pattern, { at: [], fieldPath: [], inOr: false, dialect })
  if (root.combinations > MaxCombinations) {
    fail(`The use of ${Or} results in ${root.combinations} rule combinations, over the limit of ${MaxCombinations}`, [])
  }
  return root
}

const compileNode = (pattern: Readonly<Record<string, unknown>>, location: Location): CompiledNode => {
  const keys = Object.keys(pattern)
  if (keys.length === 0) fail('Empty objects are not allowed', location.at)
  const fields: ObjectTest[] = []
  const alternatives: ObjectTest[][] = []
  let combinations = 1
  for (const key of keys) {
    if (key === Or) {
      const branches = compileOr(pattern[key], location)
      alternatives.push(branches.map((branch) => branch.test))
      combinations *= branches.reduce((sum, branch) => sum + branch.combinations, 0)
      continue
    }
    if (location.inOr && ReservedInOr.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside ${Or}.`, [...location.at, key])
    }
    const compiledField = compileField(key, pattern[key], location)
    fields.push(compiledField.test)
    combinations *= compiledField.combinations
  }
  return { test: allOf(fields, alternatives), combinations }
}

/** Fields are ANDed; each `$or` needs one of its branches. */
const allOf =
  (fields: ReadonlyArray<ObjectTest>, alternatives: ReadonlyArray<ReadonlyArray<ObjectTest>>): ObjectTest =>
  (object, root) => {
    for (const test of fields) if (!test(object, root)) return false
    for (const branches of alternatives) if (!branches.some((branch) => branch(object, root))) return false
    return true
  }

/** `$or` takes two or more pattern objects; their paths continue from where the `$or` sits. */
const compileOr = (branches: unknown, location: Location): CompiledNode[] => {
  const orAt = [...location.at, Or]
  if (!Array.isArray(branches)) fail(`It must be an Array followed with ${Or}.`, orAt)
  if (branches.length < 2) fail(`There must have at least 2 Objects in ${Or} relationship.`, orAt)
  return branches.map((branch: unknown, index) => {
    const at = [...location.at, `${Or}[${index}]`]
    if (!isPlainObject(branch)) return fail(`Only JSON object is allowed in array of ${Or} relationship.`, at)
    return compileNode(branch, { at, fieldPath: location.fieldPath, inOr: true, dialect: location.dialect })
  })
}

const compileField = (key: string, value: unknown, location: Location): CompiledNode => {
  const inner: Location = { ...location, at: [...location.at, key], fieldPath: [...location.fieldPath, key] }
  if (isPlainObject(value)) return compileNestedField(key, compileNode(value, inner))
  if (Array.isArray(value)) return { test: compileLeafField(key, value, inner), combinations: 1 }
  return fail(`"${key}" must be an object or an array`, inner.at)
}

/**
 * A nested pattern object matches the event object under the key, or any object in an array there (all its
 * fields from the same element, as event-ruler's array-consistent matching requires). With no object there,
 * only a pattern made of `exists: false` can still match.
 */
const compileNestedField = (key: string, child: CompiledNode): CompiledNode => ({
  combinations: child.combinations,
  test: (object, root) => {
    const value = field(object, key)
    if (isObject(value)) return child.test(value, root)
    const candidates = Array.isArray(value) ? objectsIn(value, []) : []
    if (candidates.length === 0) return child.test(NoFields, root)
    return candidates.some((candidate) => child.test(candidate, root))
  },
})

// ---------------------------------------------------------------------------------------------------------------
// Match values: ["a", 1, true, null, { "prefix": ... }, ...], any one of which may match

type MatchExpression =
  { readonly kind: 'value'; readonly test: LeafTest } | { readonly kind: 'exists'; readonly present: boolean }

/**
 * A leaf field matches when any listed value matches any leaf under the key. `exists: true` needs a leaf
 * (an object is an intermediate node, so it does not count); `exists: false` needs none anywhere in the event
 * at this path: event-ruler checks absence against every element of the arrays on the way, so an item
 * lacking the field does not make it absent while another item has it. (When a sibling field whose name sorts
 * first has already pinned an element, event-ruler checks that element only; that order-dependence is not copied.)
 */
const compileLeafField = (key: string, values: ReadonlyArray<unknown>, location: Location): ObjectTest => {
  if (values.length === 0) fail('Empty arrays are not allowed', location.at)
  const exact = new Set<Leaf>()
  const tests: LeafTest[] = []
  let mustExist = false
  let mustBeAbsent = false
  values.forEach((value, index) => {
    const at = [...location.at, `[${index}]`]
    if (isPlainObject(value)) {
      const expression = compileMatchExpression(value, at, location.dialect)
      if (expression.kind === 'value') tests.push(expression.test)
      else if (expression.present) mustExist = true
      else mustBeAbsent = true
    } else if (isJsonLeaf(value)) {
      exact.add(value)
      const ip = typeof value === 'string' ? parseIp(value) : undefined
      if (ip !== undefined) tests.push(sameAddress(ip))
    } else {
      fail('Match value must be String, number, true, false, or null', at)
    }
  })
  const valueTest = anyOf(exact, tests)
  const fieldPath = location.fieldPath
  return (object, root) => {
    const value = field(object, key)
    return (
      (valueTest !== undefined && anyLeaf(value, valueTest)) ||
      (mustExist && hasLeaf(value)) ||
      (mustBeAbsent && !hasLeafAt(root, fieldPath, 0))
    )
  }
}

const isJsonLeaf = (value: unknown): value is Leaf =>
  isLeaf(value) && (typeof value !== 'number' || Number.isFinite(value))

/**
 * Exact values: a string matches only a string, a number only a number (compared as numbers: once parsed,
 * 300 and 300.0 are the same JS value), true/false/null only themselves. A Set compares exactly that way.
 */
const anyOf = (exact: ReadonlySet<Leaf>, tests: ReadonlyArray<LeafTest>): LeafTest | undefined => {
  if (tests.length === 0) return exact.size === 0 ? undefined : (value) => exact.has(value)
  return (value) => exact.has(value) || tests.some((test) => test(value))
}

/** Why a filter refuses an operator the event bus takes; the pipe or mapping around it words the refusal as AWS does. */
export const NotInFilters = 'is not supported in the filter of a pipe or an event source mapping'

const compileMatchExpression = (
  expression: Readonly<Record<string, unknown>>,
  at: ReadonlyArray<string>,
  dialect: PatternDialect,
): MatchExpression => {
  const [name, ...extra] = Object.keys(expression)
  if (name === undefined) return fail('Match expression name not found', at)
  if (extra.length > 0) fail('Only one key allowed in match expression', at)
  const operand = expression[name]
  const where = [...at, name]
  if (dialect === 'filter') {
    if (name === 'wildcard') fail(`wildcard ${NotInFilters}`, where)
    if (name === 'anything-but' && isPlainObject(operand)) {
      const [inner] = Object.keys(operand)
      if (inner !== undefined && AnythingButOperators.has(inner))
        fail(`anything-but with ${inner} ${NotInFilters}`, [...where, inner])
    }
  }
  switch (name) {
    case 'prefix':
      return valueMatch(compileAffix(operand, 'prefix', where))
    case 'suffix':
      return valueMatch(compileAffix(operand, 'suffix', where))
    case 'equals-ignore-case':
      return valueMatch(equalsIgnoreCase(requireString(operand, 'equals-ignore-case', where)))
    case 'wildcard':
      return valueMatch(wildcard(requireString(operand, 'wildcard', where), where))
    case 'anything-but':
      return valueMatch(compileAnythingBut(operand, where))
    case 'numeric':
      return valueMatch(compileNumeric(operand, where))
    case 'cidr':
      return valueMatch(compileCidr(operand, where))
    case 'exists':
      return compileExists(operand, where)
    default:
      return fail(`Unrecognized match type ${name}`, at)
  }
}

const valueMatch = (test: LeafTest): MatchExpression => ({ kind: 'value', test })

const requireString = (operand: unknown, operator: string, at: ReadonlyArray<string>): string =>
  typeof operand === 'string' ? operand : fail(`${operator} match pattern must be a string`, at)

/** Inner objects take exactly one key, like the match expression around them. */
const singleKey = (operand: Readonly<Record<string, unknown>>, missing: string, at: ReadonlyArray<string>): string => {
  const [name, ...extra] = Object.keys(operand)
  if (name === undefined) return fail(missing, at)
  if (extra.length > 0) fail('Only one key allowed in match expression', at)
  return name
}

// ---------------------------------------------------------------------------------------------------------------
// String operators: they match string values only, never numbers, booleans or null

type Affix = 'prefix' | 'suffix'

const affixTest = (affix: Affix, expected: string): LeafTest =>
  affix === 'prefix'
    ? (value) => typeof value === 'string' && value.startsWith(expected)
    : (value) => typeof value === 'string' && value.endsWith(expected)

/** `{ "prefix": "us-" }` or `{ "prefix": { "equals-ignore-case": "EventB" } }`, and the same for suffix. */
const compileAffix = (operand: unknown, affix: Affix, at: ReadonlyArray<string>): LeafTest => {
  if (!isPlainObject(operand)) return affixTest(affix, requireString(operand, affix, at))
  const label = affix === 'prefix' ? 'Prefix' : 'Suffix'
  const name = singleKey(operand, `${label} expression name not found`, at)
  if (name !== 'equals-ignore-case') fail(`Unsupported ${affix} pattern: ${name}`, at)
  const expected = foldCase(requireString(operand[name], 'equals-ignore-case', [...at, name]))
  const test = affixTest(affix, expected)
  return (value) => typeof value === 'string' && test(foldCase(value))
}

/** event-ruler folds case per character (lower and upper forms); lower-casing both sides agrees outside exotic scripts. */
const foldCase = (text: string): string => text.toLowerCase()

const equalsIgnoreCase = (expected: string): LeafTest => {
  const folded = foldCase(expected)
  return (value) => typeof value === 'string' && foldCase(value) === folded
}

/**
 * `*` matches any run of characters (none included), `\*` a literal asterisk and `\\` a backslash. The guide
 * and event-ruler refuse `**` and any other escape; positions count the opening quote, as EventBridge's do.
 */
const parseWildcard = (pattern: string, at: ReadonlyArray<string>): string[] => {
  const literals: string[] = []
  let current = ''
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]
    if (char === '*') {
      if (pattern[index + 1] === '*') fail(`Consecutive wildcard characters at pos ${index + 1}`, at)
      literals.push(current)
      current = ''
    } else if (char === '\\') {
      const next = pattern[index + 1]
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${index + 1}`, at)
      current += next
      index++
    } else {
      current += char
    }
  }
  literals.push(current)
  return literals
}

/**
 * Matches the literals between the asterisks in order, each at its leftmost place: for `*` alone that is
 * exact and runs in linear time, where a RegExp could backtrack on a pattern like `*a*a*a*b`.
 */
const globTest = (literals: ReadonlyArray<string>): ((text: string) => boolean) => {
  const first = literals[0]
  const last = literals[literals.length - 1]
  if (literals.length === 1) return (text) => text === first
  const middle = literals.slice(1, -1)
  return (text) => {
    if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false
    const end = text.length - last.length
    let position = first.length
    for (const literal of middle) {
      const found = text.indexOf(literal, position)
      if (found === -1 || found + literal.length > end) return false
      position = found + literal.length
    }
    return true
  }
}

const wildcard = (pattern: string, at: ReadonlyArray<string>): LeafTest => {
  const test = globTest(parseWildcard(pattern, at))
  return (value) => typeof value === 'string' && test(value)
}

// ---------------------------------------------------------------------------------------------------------------
// anything-but: a present leaf that is none of the listed values

type AnythingButOperator = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard'

const AnythingButOperators: ReadonlySet<string> = new Set<AnythingButOperator>([
  'equals-ignore-case',
  'prefix',
  'suffix',
  'wildcard',
])

/**
 * `anything-but` takes a string, a number, a list of only strings or only numbers, or one of
 * `{ equals-ignore-case | prefix | suffix | wildcard }` with a string or a list of strings. Like every operator
 * it needs the field present. A value of another type is never excluded: `{ "anything-but": "x" }` matches 5.
 */
const compileAnythingBut = (operand: unknown, at: ReadonlyArray<string>): LeafTest => {
  if (isPlainObject(operand)) {
    const name = singleKey(operand, 'Anything-But expression name not found', at)
    if (!AnythingButOperators.has(name)) fail(`Unsupported anything-but pattern: ${name}`, at)
    return anythingButStrings(name as AnythingButOperator, operand[name], [...at, name])
  }
  const excluded = anythingButValues(operand, at)
  return (value) => !excluded.has(value)
}

const anythingButValues = (operand: unknown, at: ReadonlyArray<string>): ReadonlySet<Leaf> => {
  if (typeof operand === 'string' || isFiniteNumber(operand)) return new Set([operand])
  if (!Array.isArray(operand)) return fail('Value of anything-but must be an array or single string/number value.', at)
  const items: ReadonlyArray<unknown> = operand
  if (!items.every((item) => typeof item === 'string' || isFiniteNumber(item))) {
    fail('Inside anything but list, start|null|boolean is not supported.', at)
  }
  const strings = items.filter((item) => typeof item === 'string').length
  if (strings === 0 ? items.length === 0 : strings !== items.length) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported', at)
  }
  return new Set(items as ReadonlyArray<Leaf>)
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

const anythingButStrings = (operator: AnythingButOperator, operand: unknown, at: ReadonlyArray<string>): LeafTest => {
  if (typeof operand !== 'string' && typeof operand !== 'number' && !Array.isArray(operand)) {
    fail('Value of anything-but must be an array or single string/number value.', at)
  }
  const items: ReadonlyArray<unknown> = Array.isArray(operand) ? operand : [operand]
  const strings = items.map((item) => anythingButString(operator, item, at))
  const excluded = exclusionTests(operator, strings, at)
  return (value) => typeof value !== 'string' || !excluded(value)
}

const anythingButString = (operator: AnythingButOperator, item: unknown, at: ReadonlyArray<string>): string => {
  if (typeof item !== 'string') {
    if (operator === 'equals-ignore-case')
      fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.', at)
    if (operator === 'wildcard') fail('wildcard match pattern must be a string', at)
    fail('prefix/suffix match pattern must be a string', at)
  }
  if ((operator === 'prefix' || operator === 'suffix') && item === '') fail('Null prefix/suffix not allowed', at)
  return item
}

const exclusionTests = (
  operator: AnythingButOperator,
  strings: ReadonlyArray<string>,
  at: ReadonlyArray<string>,
): ((text: string) => boolean) => {
  switch (operator) {
    case 'prefix':
      return (text) => strings.some((prefix) => text.startsWith(prefix))
    case 'suffix':
      return (text) => strings.some((suffix) => text.endsWith(suffix))
    case 'equals-ignore-case': {
      const folded = new Set(strings.map(foldCase))
      return (text) => folded.has(foldCase(text))
    }
    case 'wildcard': {
      const globs = strings.map((pattern) => globTest(parseWildcard(pattern, at)))
      return (text) => globs.some((glob) => glob(text))
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// numeric: JSON numbers only

interface Bound {
  readonly value: number
  readonly inclusive: boolean
}

const LowerOperators: ReadonlyMap<unknown, boolean> = new Map([
  ['>', false],
  ['>=', true],
])
const UpperOperators: ReadonlyMap<unknown, boolean> = new Map([
  ['<', false],
  ['<=', true],
])

/**
 * `["=", n]`, `["<" | "<=" | ">" | ">=", n]`, or a range `[">" | ">=", low, "<" | "<=", high]`: the lower
 * bound first, and below the upper one (event-ruler refuses an empty or inverted range, even `>= 5, <= 5`).
 */
const compileNumeric = (operand: unknown, at: ReadonlyArray<string>): LeafTest => {
  if (!Array.isArray(operand)) fail('Value of numeric must be an array.', at)
  const terms: ReadonlyArray<unknown> = operand
  const [operator, first] = terms
  if (typeof operator !== 'string') fail(`Invalid member in numeric match: ${String(operator)}`, at)
  const lowerInclusive = LowerOperators.get(operator)
  if (lowerInclusive !== undefined) {
    const lower = { value: numericOperand(operator, first, at), inclusive: lowerInclusive }
    return rangeTest(lower, terms.length === 2 ? undefined : upperBound(terms, lower.value, at))
  }
  const upperInclusive = UpperOperators.get(operator)
  if (operator !== '=' && upperInclusive === undefined) fail(`Unrecognized numeric range operator: ${operator}`, at)
  const bound = numericOperand(operator, first, at)
  if (terms.length > 2) fail('Too many elements in numeric expression', at)
  if (upperInclusive === undefined) return (value) => value === bound
  return rangeTest(undefined, { value: bound, inclusive: upperInclusive })
}

const numericOperand = (operator: string, operand: unknown, at: ReadonlyArray<string>): number =>
  isFiniteNumber(operand) ? operand : fail(`Value of ${operator} must be numeric`, at)

const upperBound = (terms: ReadonlyArray<unknown>, lower: number, at: ReadonlyArray<string>): Bound => {
  const operator = terms[2]
  if (typeof operator !== 'string') return fail(`Bad value in numeric range: ${String(operator)}`, at)
  const inclusive = UpperOperators.get(operator)
  if (inclusive === undefined) return fail(`Bad numeric range operator: ${operator}`, at)
  const upper = numericOperand(operator, terms[3], at)
  if (terms.length > 4) fail('Too many terms in numeric range expression', at)
  if (!(lower < upper)) fail('Bottom must be less than top', at)
  return { value: upper, inclusive }
}

const rangeTest =
  (lower: Bound | undefined, upper: Bound | undefined): LeafTest =>
  (value) =>
    typeof value === 'number' &&
    (lower === undefined || value > lower.value || (lower.inclusive && value === lower.value)) &&
    (upper === undefined || value < upper.value || (upper.inclusive && value === upper.value))

// ---------------------------------------------------------------------------------------------------------------
// exists

const compileExists = (operand: unknown, at: ReadonlyArray<string>): MatchExpression =>
  typeof operand === 'boolean'
    ? { kind: 'exists', present: operand }
    : fail('exists match pattern must be either true or false.', at)

// ---------------------------------------------------------------------------------------------------------------
// cidr: IPv4 and IPv6 addresses given as strings

interface Address {
  readonly version: 4 | 6
  readonly bits: bigint
}

const Width = { 4: 32, 6: 128 } as const

const IPv4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/
/** event-ruler's shape check for IPv6: hex digits and colons only, so no zone (`%eth0`) and no dotted tail. */
const IPv6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/
const Hextet = /^[0-9a-fA-F]{1,4}$/
/** `::ffff:0:0/96`: Java (and so EventBridge) reads an IPv4-mapped IPv6 address as the IPv4 address. */
const MappedIPv4Prefix = 0xffffn

const parseIpv4 = (text: string): Address | undefined => {
  const octets = IPv4.exec(text)?.slice(1).map(Number)
  if (octets === undefined || octets.some((octet) => octet > 255)) return undefined
  return { version: 4, bits: octets.reduce((bits, octet) => (bits << 8n) | BigInt(octet), 0n) }
}

const hextets = (text: string): string[] | undefined => {
  if (text === '') return []
  const groups = text.split(':')
  return groups.every((group) => Hextet.test(group)) ? groups : undefined
}

const parseIpv6 = (text: string): Address | undefined => {
  if (!IPv6.test(text)) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = hextets(halves[0])
  const tail = halves.length === 2 ? hextets(halves[1]) : []
  if (head === undefined || tail === undefined) return undefined
  const explicit = head.length + tail.length
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined
  const groups = [...head, ...Array<string>(8 - explicit).fill('0'), ...tail]
  const bits = groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n)
  return bits >> 32n === MappedIPv4Prefix ? { version: 4, bits: bits & 0xffffffffn } : { version: 6, bits }
}

const parseIp = (text: string): Address | undefined => parseIpv4(text) ?? parseIpv6(text)

const sameAddress =
  (expected: Address): LeafTest =>
  (value) => {
    // event-ruler compares address literals by address, so "2001:db8::1" also matches "2001:DB8:0:0:0:0:0:1".
    if (typeof value !== 'string') return false
    const address = parseIp(value)
    return address !== undefined && address.version === expected.version && address.bits === expected.bits
  }

/** `10.0.0.0/24`: event-ruler takes host bits as given but refuses /32 and /128 (`mask bits must be < 32`). */
const compileCidr = (operand: unknown, at: ReadonlyArray<string>): LeafTest => {
  const text = requireString(operand, 'cidr', at)
  const parts = text.split('/')
  if (parts.length !== 2 || parts[1] === '') fail("Malformed CIDR, one '/' required", at)
  const [ip, mask] = parts
  if (/^-\d+$/.test(mask)) fail('Malformed CIDR, mask bits must not be negative', at)
  if (!/^\d+$/.test(mask)) fail('Malformed CIDR, mask bits must be an integer', at)
  const network = parseIp(ip) ?? fail(`Invalid IP address: ${ip}`, at)
  const width = Width[network.version]
  const maskBits = Number(mask)
  if (maskBits >= width) fail(`IPv${network.version} mask bits must be < ${width}`, at)
  const shift = BigInt(width - maskBits)
  const prefix = network.bits >> shift
  return (value) => {
    if (typeof value !== 'string') return false
    const address = parseIp(value)
    return address !== undefined && address.version === network.version && address.bits >> shift === prefix
  }
}
