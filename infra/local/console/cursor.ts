import { HttpError } from '../../http/errors'

/**
 * Keyset cursors: the page's last row's sort key, opaque to clients (base64url JSON). Keyset, not OFFSET, so a page
 * deep in 100,000 rows costs what the first does, and rows inserted meanwhile shift nothing.
 */
export const encodeCursor = (key: ReadonlyArray<string | number>): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url')

/** Reads a cursor back, checking it has the shape `kinds` describes; anything else is a 400 naming the field. */
export const decodeCursor = <K extends ReadonlyArray<'string' | 'number'>>(
  cursor: string,
  kinds: K,
): { [I in keyof K]: K[I] extends 'string' ? string : number } => {
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    key = undefined
  }
  if (
    !Array.isArray(key) ||
    key.length !== kinds.length ||
    key.some((part, index) => typeof part !== kinds[index] || (typeof part === 'number' && !Number.isSafeInteger(part)))
  ) {
    throw new HttpError(400, 'InvalidCursor', 'cursor: not a cursor this list gave out')
  }
  return key as never
}
