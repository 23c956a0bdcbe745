/**
 * The deepest nesting of arrays and objects in a parsed JSON value (a scalar is 0, `[]` is 1), measured without
 * recursion so any depth is safe to measure. Stops early once past `stopAt`.
 *
 * JSON.parse takes 100,000 nested arrays in its stride, but what comes after it does not: schema error formatting,
 * JSON.stringify and pattern matching recurse and overflow the stack. Values are measured before they go on.
 */
export const jsonDepth = (value: unknown, stopAt = Number.POSITIVE_INFINITY): number => {
  let deepest = 0
  const pending: Array<readonly [unknown, number]> = [[value, 1]]
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!
    if (typeof current !== 'object' || current === null) continue
    if (depth > deepest) deepest = depth
    if (deepest > stopAt) return deepest
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1])
    }
  }
  return deepest
}

/** The deepest nesting a request body or message may have; the pipeline's own documents need a handful of levels. */
export const MaxJsonDepth = 32

/** The fields of an object whose values nest past `MaxJsonDepth` with the object itself counted: name them, never decode them. */
export const fieldsNestedTooDeep = (object: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  Object.entries(object)
    .filter(([, field]) => jsonDepth(field, MaxJsonDepth - 1) > MaxJsonDepth - 1)
    .map(([name]) => name)

/** The message for a field that nests too deep. */
export const nestedTooDeep = `must not nest more than ${MaxJsonDepth - 1} levels deep`
