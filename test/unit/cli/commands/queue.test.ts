import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseMessages } from '../../../../cli/commands/queue'
import { main } from '../../../../cli/main'
import { captureIo, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

let dir: string
let runtime: FakeRuntime | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-queue-'))
})

afterEach(async () => {
  await runtime?.close()
  runtime = undefined
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const order = (id: number) => ({ orderId: `ord-${id}`, customerId: 'c-1', totalAmount: 10 + id, currency: 'USD' })

describe('pipeline queue send', () => {
  it('sends --body as one message, as it is, to the orders queue', async () => {
    // Prepare
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })
    const body = '{"orderId": "ord-1", "customerId": "c-1", "totalAmount": 25, "currency": "USD"}'

    // Act
    const code = await main(['queue', 'send', '--body', body], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe('SENT msg-1\n')
    expect(stderr()).toBe('')
    expect(runtime.requests).toEqual([
      {
        method: 'POST',
        path: '/queues/orders/messages',
        query: {},
        contentType: 'text/plain; charset=utf-8',
        text: body,
      },
    ])
  })

  it('sends a file holding one JSON object as one message, compact', async () => {
    runtime = await startFakeRuntime()
    const path = file('order.json', `\uFEFF${JSON.stringify(order(1), null, 2)}\n`)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', '--file', path], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('SENT msg-1\n')
    expect(runtime.messages.map((message) => message.body)).toEqual([JSON.stringify(order(1))])
  })

  it('sends each element of a JSON array as its own message, in order, and prints a JSON array with --json', async () => {
    runtime = await startFakeRuntime()
    const path = file('orders.json', JSON.stringify([order(1), order(2), order(3)], null, 2))
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', '--file', path, '--json'], io)

    expect(code).toBe(0)
    expect(runtime.messages.map((message) => JSON.parse(message.body) as unknown)).toEqual([
      order(1),
      order(2),
      order(3),
    ])
    expect(JSON.parse(stdout())).toEqual([
      { queue: 'orders', messageId: 'msg-1' },
      { queue: 'orders', messageId: 'msg-2' },
      { queue: 'orders', messageId: 'msg-3' },
    ])
  })

  it('sends JSON Lines one message a line, skips blank lines, and sends a line that is not JSON as is, with a warning', async () => {
    runtime = await startFakeRuntime()
    const path = file(
      'orders.jsonl',
      `${JSON.stringify(order(1))}\r\n\n   \nnot json at all\n${JSON.stringify(order(2))}\n`,
    )
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', '--file', path], io)

    expect(code).toBe(0)
    expect(runtime.messages.map((message) => message.body)).toEqual([
      JSON.stringify(order(1)),
      'not json at all',
      JSON.stringify(order(2)),
    ])
    expect(stdout()).toBe('SENT msg-1\nSENT msg-2\nSENT msg-3\n')
    expect(stderr()).toBe(
      'pipeline queue send: line 4 is not JSON; sending as is (the consumer dead-letters what it cannot read)\n',
    )
  })

  it('sends to the queue --queue names', async () => {
    runtime = await startFakeRuntime({ queueNames: ['orders', 'audit'] })
    const { io } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', '--queue', 'audit', '--body', 'hello'], io)

    expect(code).toBe(0)
    expect(runtime.messages).toEqual([{ queue: 'audit', messageId: 'msg-1', body: 'hello' }])
  })

  it('exits 1 with the server message when the queue does not exist', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', '--queue', 'nope', '--body', 'hello'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe('')
    expect(stderr()).toBe('pipeline queue send: the server answered 404 QueueDoesNotExist: No queue named nope\n')
  })

  it('stops at the first message the server refuses and says how many were sent', async () => {
    runtime = await startFakeRuntime({ refuseMessage: (body) => body.includes('ord-2') })
    const path = file('orders.jsonl', [order(1), order(2), order(3)].map((value) => JSON.stringify(value)).join('\n'))
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', '--file', path], io)

    expect(code).toBe(1)
    expect(stdout()).toBe('SENT msg-1\n')
    expect(stderr()).toBe(
      'pipeline queue send: sent 1 of 3 messages; message 2 (line 2) was not sent\n' +
        'pipeline queue send: the server answered 400 InvalidMessage: body: the message holds characters SQS does not allow\n',
    )
    expect(runtime.messages).toHaveLength(1)
  })

  it('with --json, still prints what was sent before a failure', async () => {
    runtime = await startFakeRuntime({ refuseMessage: (body) => body.includes('ord-3') })
    const path = file('orders.json', JSON.stringify([order(1), order(2), order(3)]))
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', '--file', path, '--json'], io)

    expect(code).toBe(1)
    expect(JSON.parse(stdout())).toEqual([
      { queue: 'orders', messageId: 'msg-1' },
      { queue: 'orders', messageId: 'msg-2' },
    ])
  })

  it.each([
    {
      name: 'a missing file',
      argv: (): string[] => ['--file', join(dir, 'nope.json')],
      message: (): string => `--file ${join(dir, 'nope.json')}: no such file`,
    },
    { name: 'a directory', argv: (): string[] => ['--file', dir], message: (): string => `--file ${dir}: not a file` },
    {
      name: 'an empty file',
      argv: (): string[] => ['--file', file('empty.jsonl', '\n\n')],
      message: (): string => `--file ${join(dir, 'empty.jsonl')}: holds no messages`,
    },
    {
      name: 'an empty array',
      argv: (): string[] => ['--file', file('empty.json', '[]')],
      message: (): string => `--file ${join(dir, 'empty.json')}: holds no messages`,
    },
    {
      name: 'both --file and --body',
      argv: (): string[] => ['--file', file('a.json', '{}'), '--body', 'x'],
      message: (): string => 'give --file or --body, not both',
    },
    {
      name: 'neither --file nor --body',
      argv: (): string[] => [],
      message: (): string => 'give the messages: --file F or --body TEXT',
    },
    {
      name: 'an empty --body',
      argv: (): string[] => ['--body', ''],
      message: (): string => '--body is empty; a message needs a body',
    },
    {
      name: 'a message over 256 KiB',
      argv: (): string[] => ['--file', file('big.jsonl', `{"a":1}\n"${'x'.repeat(256 * 1024)}"\n`)],
      message: (): string =>
        `--file ${join(dir, 'big.jsonl')}: line 2 is 262146 bytes, over the 262144-byte (256 KiB) limit of a message; nothing was sent`,
    },
    {
      name: 'an unknown flag',
      argv: (): string[] => ['--body', 'x', '--bogus'],
      message: (): string => 'unknown option --bogus',
    },
  ])('exits 2 and sends nothing on $name', async ({ argv, message }) => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['queue', 'send', ...argv()], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(`pipeline queue send: ${message()}`)
    expect(stderr()).not.toMatch(/^\s+at /m)
    expect(stdout()).toBe('')
    expect(runtime.requests).toEqual([])
  })

  it('exits 2 on `pipeline queue` without a subcommand', async () => {
    const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(['queue'], io)

    expect(code).toBe(2)
    expect(stderr()).toBe("pipeline queue: missing subcommand: send\nRun 'pipeline queue --help' for usage.\n")
  })

  it('draws a progress bar on a terminal for more than 20 messages and clears it at the end', async () => {
    runtime = await startFakeRuntime()
    const path = file('many.json', JSON.stringify(Array.from({ length: 25 }, (_, index) => order(index + 1))))
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url }, { tty: true, columns: 120 })

    const code = await main(['queue', 'send', '--file', path], io)

    expect(code).toBe(0)
    expect(stdout().trim().split('\n')).toHaveLength(25)
    expect(stderr()).toContain('0/25 messages sent')
    expect(stderr()).toContain('25/25 messages sent')
    expect(stderr().endsWith('\r\x1b[2K')).toBe(true)
  })

  it.each([
    { name: '20 messages on a terminal', count: 20, tty: true },
    { name: '25 messages piped', count: 25, tty: false },
  ])('draws no progress for $name', async ({ count, tty }) => {
    runtime = await startFakeRuntime()
    const path = file('some.json', JSON.stringify(Array.from({ length: count }, (_, index) => order(index + 1))))
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url }, { tty })

    const code = await main(['queue', 'send', '--file', path], io)

    expect(code).toBe(0)
    expect(stderr()).toBe('')
    expect(runtime.messages).toHaveLength(count)
  })
})

describe('parseMessages', () => {
  it.each([
    { name: 'a JSON scalar as one message', text: '"hello"', bodies: ['"hello"'] },
    { name: 'nested arrays one element each', text: '[[1, 2], {"a": [3]}]', bodies: ['[1,2]', '{"a":[3]}'] },
    { name: 'JSON Lines of arrays line by line, as written', text: '[1, 2]\n[3]\n', bodies: ['[1, 2]', '[3]'] },
  ])('reads $name', ({ text, bodies }) => {
    expect(parseMessages(text, 'f.json').map((message) => message.body)).toEqual(bodies)
  })
})
