import type { SearchResult } from '../../../../cli/client'
import { main } from '../../../../cli/main'
import { captureIo, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

const searchIndex: SearchResult[] = [
  { id: 'usr_0001', kind: 'user', title: 'alice (alice@example.com)', data: { username: 'alice' } },
  { id: 'ord_0001', kind: 'order', title: 'Order ord_0001 by alice: 25 USD', data: { status: 'ACCEPTED' } },
  { id: 'ord_0002', kind: 'order', title: 'Order ord_0002 by bob: 12 EUR', data: { status: 'PENDING' } },
]

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

describe('pipeline search', () => {
  it('searches for the words given, joined, and prints kind, id and title', async () => {
    // Prepare
    runtime = await startFakeRuntime({ searchIndex })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['search', 'ali', ' '], io)

    // Assess
    expect(code).toBe(0)
    expect(runtime.requests[0]?.query).toEqual({ q: 'ali' })
    expect(stdout()).toBe(
      [
        'KIND   ID        TITLE',
        'user   usr_0001  alice (alice@example.com)',
        'order  ord_0001  Order ord_0001 by alice: 25 USD',
        '',
      ].join('\n'),
    )
  })

  it('sends several words as one text', async () => {
    runtime = await startFakeRuntime({ searchIndex })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['search', 'order', 'bob'], io)

    expect(code).toBe(0)
    expect(runtime.requests[0]?.query).toEqual({ q: 'order bob' })
    expect(stdout()).toBe('KIND   ID        TITLE\norder  ord_0002  Order ord_0002 by bob: 12 EUR\n')
  })

  it("prints the server's JSON, data included, with --json", async () => {
    runtime = await startFakeRuntime({ searchIndex })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['search', 'bob', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual({ results: [searchIndex[2]] })
  })

  it('says so when nothing matches', async () => {
    runtime = await startFakeRuntime({ searchIndex })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['search', 'carol'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No results for "carol".\n')
  })

  it.each([
    { name: 'no text', argv: ['search'], message: 'pipeline search: missing TEXT' },
    {
      name: 'blank text',
      argv: ['search', '  ', ''],
      message: 'pipeline search: missing TEXT: give the words to search for',
    },
  ])('exits 2 and sends nothing on $name', async ({ argv, message }) => {
    runtime = await startFakeRuntime({ searchIndex })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(argv, io)

    expect(code).toBe(2)
    expect(stderr()).toContain(message)
    expect(runtime.requests).toEqual([])
  })
})
