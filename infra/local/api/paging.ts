/**
 * Paging tokens for the list operations: opaque to callers (base64 of where the next page starts), bound to the
 * operation that issued them, so a token round-trips and a token from elsewhere is refused, as AWS refuses it.
 */
export const pageToken = (operation: string, after: string): string =>
  Buffer.from(JSON.stringify({ operation, after })).toString('base64')

/** Where the page a token asks for starts, or undefined when the token was not issued by `operation`. */
export const readPageToken = (operation: string, token: string): string | undefined => {
  try {
    const read = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown
    if (typeof read !== 'object' || read === null) return undefined
    const { operation: issuedBy, after } = read as { operation?: unknown; after?: unknown }
    return issuedBy === operation && typeof after === 'string' ? after : undefined
  } catch {
    return undefined
  }
}

/**
 * One page of `items`, sorted by `keyOf`: those after the token's key, at most `limit`, and the token for the rest.
 * `refuse` words the service's error for a token it did not issue.
 */
export const pageOf = <T>(
  operation: string,
  items: ReadonlyArray<T>,
  keyOf: (item: T) => string,
  request: { readonly token?: string | undefined; readonly limit?: number | undefined },
  refuse: () => Error,
): { readonly page: ReadonlyArray<T>; readonly nextToken?: string } => {
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
  let start = 0
  if (request.token !== undefined) {
    const after = readPageToken(operation, request.token)
    if (after === undefined) throw refuse()
    start = sorted.findIndex((item) => keyOf(item) > after)
    if (start < 0) start = sorted.length
  }
  const limit = request.limit ?? sorted.length
  const page = sorted.slice(start, start + limit)
  const more = start + limit < sorted.length
  return { page, ...(more && page.length > 0 ? { nextToken: pageToken(operation, keyOf(page.at(-1)!)) } : {}) }
}
