import type { CursorPage } from '../../../cli/client'
import { InvalidResponse } from '../../../cli/errors'
import { collectPages } from '../../../cli/paging'

/** A stub list of `total` numbers, `pageSize` a page at most, whose cursor is the offset; `stuck` answers next "0" always. */
const pages = (total: number, pageSize: number, options: { readonly stuck?: boolean } = {}) => {
  const asked: Array<{ limit: number; cursor: string | undefined }> = []
  const fetchPage = async (limit: number, cursor: string | undefined): Promise<CursorPage<number>> => {
    asked.push({ limit, cursor })
    const start = options.stuck ? 0 : Number(cursor ?? '0')
    const size = Math.min(limit, pageSize)
    const items = Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, index) => start + index)
    return items.length === size ? { items, next: options.stuck ? '0' : String(start + size) } : { items }
  }
  return { asked, fetchPage }
}

describe('collectPages', () => {
  it('follows next until the list ends', async () => {
    const { asked, fetchPage } = pages(5, 2)

    const result = await collectPages(fetchPage, 100, 'GET /things')

    expect(result).toEqual({ items: [0, 1, 2, 3, 4], more: false })
    expect(asked).toEqual([
      { limit: 100, cursor: undefined },
      { limit: 99, cursor: '2' },
      { limit: 97, cursor: '4' },
    ])
  })

  it('stops at the limit and tells whether more follow by one extra item', async () => {
    const { fetchPage } = pages(5, 100)

    expect(await collectPages(fetchPage, 4, 'GET /things')).toEqual({ items: [0, 1, 2, 3], more: true })
    expect(await collectPages(fetchPage, 5, 'GET /things')).toEqual({ items: [0, 1, 2, 3, 4], more: false })
  })

  it('asks once more when a page filled the limit exactly and carries a next', async () => {
    const { asked, fetchPage } = pages(3, 2)

    const result = await collectPages(fetchPage, 2, 'GET /things')

    expect(result).toEqual({ items: [0, 1], more: true })
    expect(asked).toEqual([
      { limit: 3, cursor: undefined },
      { limit: 1, cursor: '2' },
    ])
  })

  it('refuses a next that does not move, rather than page forever', async () => {
    const { fetchPage } = pages(10, 2, { stuck: true })

    await expect(collectPages(fetchPage, 100, 'GET /things')).rejects.toThrow(
      new InvalidResponse('GET /things answered next=0 again'),
    )
  })
})
