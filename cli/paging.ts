import { type CursorPage } from './client'
import { InvalidResponse } from './errors'

/** The most one page of `/orders` or `/users` holds: their `limit` is 1 to 100. */
export const CursorPageSize = 100

/**
 * Follows `next` from page to page until `limit` items are in. Each page asks for one item more than it still needs
 * (within the page size), so the extra item, not a `next` a full page may carry anyway, tells whether more follow.
 */
export const collectPages = async <T>(
  fetchPage: (limit: number, cursor: string | undefined) => Promise<CursorPage<T>>,
  limit: number,
  call: string,
): Promise<{ readonly items: ReadonlyArray<T>; readonly more: boolean }> => {
  const collected: T[] = []
  let cursor: string | undefined
  for (;;) {
    const wanted = limit - collected.length
    const page = await fetchPage(Math.min(wanted + 1, CursorPageSize), cursor)
    collected.push(...page.items.slice(0, wanted))
    if (page.items.length > wanted) return { items: collected, more: true }
    if (page.next === undefined || page.items.length === 0) return { items: collected, more: false }
    // A next that does not move would page forever.
    if (page.next === cursor) throw new InvalidResponse(`${call} answered next=${page.next} again`)
    cursor = page.next
  }
}
