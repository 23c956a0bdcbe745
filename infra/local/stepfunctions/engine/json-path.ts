/**
 * The JSONPath dialect Step Functions evaluates (https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html):
 * `$` (the state's data) or `$$` (the context object), then `.name`, `['name']`, `[n]`, `[*]`, `.*`, `[a:b:c]`,
 * `[i,j]`, `..name` and `[?(@.x == 1)]` filters. A path is compiled once per definition and evaluated per state.
 */

type Segment =
  | { readonly kind: 'property'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'slice'; readonly start?: number; readonly end?: number; readonly step?: number }
  | { readonly kind: 'union'; readonly keys: ReadonlyArray<string | number> }
  | { readonly kind: 'filter'; readonly test: (node: unknown) => boolean }
  | { readonly kind: 'deep'; readonly name: string | undefined }

/** A JSONPath the definition names, ready to evaluate. */
export interface CompiledPath {
  readonly text: string
  /** `$` (state data) or `$$` (context object). */
  readonly root: '$' | '$$'
  /** A path without wildcards, slices, unions, filters or deep scans selects at most one value. */
  readonly definite: boolean
  readonly segments: ReadonlyArray<Segment>
  /** The property names of a definite path of names only, for ResultPath. */
  readonly names: ReadonlyArray<string | number> | undefined
}

/** The path is not valid JSONPath: a definition error, reported by validation. */
export class InvalidJsonPath extends Error {
  override readonly name = 'InvalidJsonPath'
}

/** What evaluating a path found: a value, or where it stopped (for AWS's "Invalid path" causes). */
export type PathResult =
  | { readonly found: true; readonly value: unknown }
  | { readonly found: false; readonly missing: string; readonly leaf: boolean }

const cache = new Map<string, CompiledPath>()

/** Parses a path (cached: definitions repeat the same paths). Throws InvalidJsonPath. */
export const compilePath = (text: string): CompiledPath => {
  const cached = cache.get(text)
  if (cached) return cached
  const compiled = parsePath(text)
  if (cache.size > 10_000) cache.clear()
  cache.set(text, compiled)
  return compiled
}

const parsePath = (text: string): CompiledPath => {
  const fail = (why: string): never => {
    throw new InvalidJsonPath(`Invalid JSONPath '${text}': ${why}`)
  }
  if (!text.startsWith('$')) fail('a path starts with $')
  const root: '$' | '$$' = text.startsWith('$$') ? '$$' : '$'
  const segments: Segment[] = []
  let at = root.length
  const nameChar = /[^.[\]\s]/
  while (at < text.length) {
    const char = text[at]
    if (char === '.') {
      if (text[at + 1] === '.') {
        at += 2
        if (text[at] === '*') {
          at += 1
          segments.push({ kind: 'deep', name: undefined })
          continue
        }
        if (text[at] === '[') {
          segments.push({ kind: 'deep', name: undefined })
          continue
        }
        let end = at
        while (end < text.length && nameChar.test(text[end] ?? '')) end++
        if (end === at) fail('a name must follow ..')
        segments.push({ kind: 'deep', name: text.slice(at, end) })
        at = end
        continue
      }
      at += 1
      if (text[at] === '*') {
        segments.push({ kind: 'wildcard' })
        at += 1
        continue
      }
      let end = at
      while (end < text.length && nameChar.test(text[end] ?? '')) end++
      if (end === at) fail('a name must follow .')
      segments.push({ kind: 'property', name: text.slice(at, end) })
      at = end
      continue
    }
    if (char === '[') {
      const close = findClose(text, at)
      if (close < 0) fail('unclosed [')
      segments.push(parseBracket(text.slice(at + 1, close).trim(), fail))
      at = close + 1
      continue
    }
    fail(`unexpected '${char}' at ${at}`)
  }
  const definite = segments.every((segment) => segment.kind === 'property' || segment.kind === 'index')
  const names = definite
    ? segments.map((segment) => (segment.kind === 'property' ? segment.name : (segment as { index: number }).index))
    : undefined
  return { text, root, definite, segments, names }
}

/** The `]` closing the `[` at `open`, skipping quoted strings and nested brackets of filters. */
const findClose = (text: string, open: number): number => {
  let depth = 0
  let quote: string | undefined
  for (let at = open; at < text.length; at++) {
    const char = text[at]
    if (quote) {
      if (char === '\\') at++
      else if (char === quote) quote = undefined
      continue
    }
    if (char === "'" || char === '"') quote = char
    else if (char === '[') depth++
    else if (char === ']' && --depth === 0) return at
  }
  return -1
}

const parseBracket = (inner: string, fail: (why: string) => never): Segment => {
  if (inner === '*') return { kind: 'wildcard' }
  if (inner.startsWith('?')) {
    const body = inner.slice(1).trim()
    if (!body.startsWith('(') || !body.endsWith(')')) fail('a filter is written [?(...)]')
    return { kind: 'filter', test: parseFilter(body.slice(1, -1), fail) }
  }
  if (/^-?\d*\s*:\s*-?\d*(\s*:\s*-?\d*)?$/.test(inner)) {
    const [start, end, step] = inner.split(':').map((part) => (part.trim() === '' ? undefined : Number(part)))
    if (step === 0) fail('a slice step cannot be 0')
    return { kind: 'slice', start, end, step }
  }
  const keys = splitTopLevel(inner, ',').map((part) => {
    const trimmed = part.trim()
    if (/^-?\d+$/.test(trimmed)) return Number(trimmed)
    const quoted = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/.exec(trimmed)
    // Only the quote itself is escaped inside a quoted name: AWS keeps `\"` in `['a\"b']` as written.
    if (quoted) return quoted[1] !== undefined ? quoted[1].replace(/\\'/g, "'") : (quoted[2] ?? '').replace(/\\"/g, '"')
    return fail(`invalid bracket expression [${inner}]`)
  })
  if (keys.length === 1) {
    const [key] = keys
    return typeof key === 'number' ? { kind: 'index', index: key } : { kind: 'property', name: key as string }
  }
  return { kind: 'union', keys }
}

const splitTopLevel = (text: string, separator: string): string[] => {
  const parts: string[] = []
  let quote: string | undefined
  let depth = 0
  let start = 0
  for (let at = 0; at < text.length; at++) {
    const char = text[at]
    if (quote) {
      if (char === '\\') at++
      else if (char === quote) quote = undefined
    } else if (char === "'" || char === '"') quote = char
    else if (char === '(' || char === '[') depth++
    else if (char === ')' || char === ']') depth--
    else if (depth === 0 && text.startsWith(separator, at)) {
      parts.push(text.slice(start, at))
      start = at + separator.length
      at += separator.length - 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

type Operand = (node: unknown) => { present: boolean; value: unknown }

/** A filter: comparisons of `@...` against literals (or other `@` paths), joined by && and ||, with parentheses. */
const parseFilter = (source: string, fail: (why: string) => never): ((node: unknown) => boolean) => {
  const expression = source.trim()
  const ors = splitTopLevel(expression, '||')
  if (ors.length > 1) {
    const tests = ors.map((part) => parseFilter(part, fail))
    return (node) => tests.some((test) => test(node))
  }
  const ands = splitTopLevel(expression, '&&')
  if (ands.length > 1) {
    const tests = ands.map((part) => parseFilter(part, fail))
    return (node) => tests.every((test) => test(node))
  }
  if (expression.startsWith('(') && findParen(expression) === expression.length - 1)
    return parseFilter(expression.slice(1, -1), fail)
  if (expression.startsWith('!')) {
    const inner = parseFilter(expression.slice(1), fail)
    return (node) => !inner(node)
  }
  const comparison = /^(.+?)\s*(==|!=|<=|>=|<|>|=~)\s*(.+)$/.exec(expression)
  if (!comparison) {
    const operand = parseOperand(expression, fail)
    return (node) => operand(node).present
  }
  const [, leftText = '', operator, rightText = ''] = comparison
  const left = parseOperand(leftText.trim(), fail)
  if (operator === '=~') {
    const regex = /^\/(.*)\/([a-z]*)$/.exec(rightText.trim())
    if (!regex) fail('=~ needs a /regex/')
    const pattern = new RegExp(regex?.[1] ?? '', regex?.[2])
    return (node) => {
      const value = left(node)
      return value.present && typeof value.value === 'string' && pattern.test(value.value)
    }
  }
  const right = parseOperand(rightText.trim(), fail)
  return (node) => {
    const a = left(node)
    const b = right(node)
    if (!a.present || !b.present) return operator === '!=' && a.present !== b.present
    return compare(a.value, operator ?? '==', b.value)
  }
}

const findParen = (text: string): number => {
  let depth = 0
  for (let at = 0; at < text.length; at++) {
    if (text[at] === '(') depth++
    else if (text[at] === ')' && --depth === 0) return at
  }
  return -1
}

const compare = (a: unknown, operator: string, b: unknown): boolean => {
  if (operator === '==') return deepEqual(a, b)
  if (operator === '!=') return !deepEqual(a, b)
  if (typeof a === 'number' && typeof b === 'number') {
    return operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b
  }
  return false
}

const parseOperand = (text: string, fail: (why: string) => never): Operand => {
  if (text.startsWith('@') || text.startsWith('$')) {
    const path = compilePath(`$${text.slice(1)}`)
    return (node) => {
      const result = evaluatePath(path, node)
      return result.found ? { present: true, value: result.value } : { present: false, value: undefined }
    }
  }
  let literal: unknown
  if (/^'((?:[^'\\]|\\.)*)'$/.test(text)) literal = text.slice(1, -1).replace(/\\(.)/g, '$1')
  else {
    try {
      literal = JSON.parse(text) as unknown
    } catch {
      return fail(`invalid filter operand ${text}`)
    }
  }
  return () => ({ present: true, value: literal })
}

/** Structural equality of two JSON values. */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as unknown[]
    return a.length === other.length && a.every((item, index) => deepEqual(item, other[index]))
  }
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  if (keysA.length !== keysB.length) return false
  return keysA.every(
    (key) =>
      Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  )
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `$['a']['b'][0]`: how AWS's causes spell a path. */
export const bracketNotation = (keys: ReadonlyArray<string | number>): string =>
  `$${keys.map((key) => (typeof key === 'number' ? `[${key}]` : `['${key}']`)).join('')}`

/**
 * Evaluates a compiled path against `data`. A definite path finds one value or reports where it stopped; an
 * indefinite one (wildcard, slice, filter, union, deep scan) always finds the list of what it matched, [] when nothing.
 */
export const evaluatePath = (path: CompiledPath, data: unknown): PathResult => {
  if (path.definite) {
    let node = data
    const walked: Array<string | number> = []
    const segments = path.segments
    for (let position = 0; position < segments.length; position++) {
      const segment = segments[position] as Segment
      const leaf = position === segments.length - 1
      if (segment.kind === 'property') {
        walked.push(segment.name)
        if (!isObject(node) || !Object.hasOwn(node, segment.name))
          return { found: false, missing: bracketNotation(walked), leaf }
        node = node[segment.name]
      } else {
        const index = (segment as { index: number }).index
        walked.push(index)
        if (!Array.isArray(node)) return { found: false, missing: bracketNotation(walked), leaf }
        const at = index < 0 ? node.length + index : index
        if (at < 0 || at >= node.length) return { found: false, missing: bracketNotation(walked), leaf }
        node = node[at]
      }
    }
    return { found: true, value: node }
  }
  let nodes: unknown[] = [data]
  for (const segment of path.segments) nodes = nodes.flatMap((node) => step(segment, node))
  return { found: true, value: nodes }
}

const step = (segment: Segment, node: unknown): unknown[] => {
  switch (segment.kind) {
    case 'property':
      return isObject(node) && Object.hasOwn(node, segment.name) ? [node[segment.name]] : []
    case 'index': {
      if (!Array.isArray(node)) return []
      const at = segment.index < 0 ? node.length + segment.index : segment.index
      return at >= 0 && at < node.length ? [node[at]] : []
    }
    case 'wildcard':
      return Array.isArray(node) ? node : isObject(node) ? Object.values(node) : []
    case 'slice': {
      if (!Array.isArray(node)) return []
      const length = node.length
      const stride = segment.step ?? 1
      const clamp = (value: number) => (value < 0 ? Math.max(0, length + value) : Math.min(value, length))
      const out: unknown[] = []
      if (stride > 0) {
        const start = segment.start === undefined ? 0 : clamp(segment.start)
        const end = segment.end === undefined ? length : clamp(segment.end)
        for (let at = start; at < end; at += stride) out.push(node[at])
      } else {
        const start = segment.start === undefined ? length - 1 : Math.min(clamp(segment.start), length - 1)
        const end = segment.end === undefined ? -1 : clamp(segment.end)
        for (let at = start; at > end; at += stride) out.push(node[at])
      }
      return out
    }
    case 'union':
      return segment.keys.flatMap((key) =>
        step(typeof key === 'number' ? { kind: 'index', index: key } : { kind: 'property', name: key }, node),
      )
    case 'filter': {
      const items = Array.isArray(node) ? node : isObject(node) ? Object.values(node) : []
      return items.filter((item) => segment.test(item))
    }
    case 'deep': {
      const out: unknown[] = []
      const visit = (value: unknown) => {
        if (segment.name === undefined) {
          if (Array.isArray(value)) for (const item of value) out.push(item)
          else if (isObject(value)) for (const item of Object.values(value)) out.push(item)
        } else if (isObject(value) && Object.hasOwn(value, segment.name)) out.push(value[segment.name])
        if (Array.isArray(value)) for (const item of value) visit(item)
        else if (isObject(value)) for (const item of Object.values(value)) visit(item)
      }
      visit(node)
      return out
    }
  }
}

/**
 * Writes `value` at a ResultPath inside a copy of `input` (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html):
 * missing objects on the way are created; only the objects on the way are copied, the rest is shared.
 */
export const writeAtPath = (
  input: unknown,
  keys: ReadonlyArray<string | number>,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; at: string } => {
  if (keys.length === 0) return { ok: true, value }
  const write = (node: unknown, depth: number): unknown => {
    const key = keys[depth] as string | number
    const last = depth === keys.length - 1
    if (typeof key === 'number') {
      if (!Array.isArray(node) || key < 0 || key >= node.length) throw new PathWriteError(keys.slice(0, depth + 1))
      const copy = node.slice()
      copy[key] = last ? value : write(node[key], depth + 1)
      return copy
    }
    if (node !== undefined && !isObject(node)) throw new PathWriteError(keys.slice(0, depth + 1))
    const copy: Record<string, unknown> = node === undefined ? {} : { ...node }
    copy[key] = last ? value : write(copy[key], depth + 1)
    return copy
  }
  try {
    return { ok: true, value: write(input, 0) }
  } catch (error) {
    if (error instanceof PathWriteError) return { ok: false, at: bracketNotation(error.keys) }
    throw error
  }
}

class PathWriteError extends Error {
  constructor(readonly keys: ReadonlyArray<string | number>) {
    super('cannot write')
  }
}
