import { main } from '../../../cli/main'
import { captureIo, closedUrl, startFakeRuntime, type FakeRuntime } from './fake-runtime'

const commandNames = [
  'upload',
  'executions',
  'execution',
  'dlq',
  'events',
  'replay',
  'replays',
  'rules',
  'test-pattern',
  'queue',
  'import',
  'schedules',
  'schedule',
  'search',
  'orders',
  'users',
  'health',
]

describe('pipeline --help', () => {
  it('lists every command and the exit codes on stdout', async () => {
    // Prepare
    const { io, stdout, stderr } = captureIo()

    // Act
    const code = await main(['--help'], io)

    // Assess
    expect(code).toBe(0)
    for (const name of commandNames) expect(stdout()).toMatch(new RegExp(`^  ${name}\\b`, 'm'))
    expect(stdout()).toMatch(/^ {2}replay cancel NAME\b/m)
    for (const line of [
      'queue send',
      'schedule run NAME',
      'orders place',
      'orders get ID',
      'orders list',
      'users create',
      'users list',
    ]) {
      expect(stdout()).toMatch(new RegExp(`^ {2}${line}\\b`, 'm'))
    }
    // A group is only a name for its subcommands: no line of its own.
    expect(stdout()).not.toMatch(/^ {2}(queue|schedule|orders|users) SUBCOMMAND/m)
    expect(stdout()).toContain('Exit codes:')
    expect(stdout()).toContain('PIPELINE_URL')
    expect(stderr()).toBe('')
  })

  it.each(commandNames)('documents `pipeline %s --help` with its usage and exit codes', async (name) => {
    const { io, stdout } = captureIo()

    const code = await main([name, '--help'], io)

    expect(code).toBe(0)
    expect(stdout()).toContain(`Usage: pipeline ${name}`)
    expect(stdout()).toContain('Exit codes:')
    expect(stdout()).toMatch(/-h, --help/)
  })

  it('reads `pipeline help upload` as `pipeline upload --help`', async () => {
    const viaHelp = captureIo()
    const viaFlag = captureIo()

    await main(['help', 'upload'], viaHelp.io)
    await main(['upload', '--help'], viaFlag.io)

    expect(viaHelp.stdout()).toBe(viaFlag.stdout())
  })

  it('reads `pipeline help orders place` as `pipeline orders place --help`', async () => {
    const viaHelp = captureIo()
    const viaFlag = captureIo()

    const code = await main(['help', 'orders', 'place'], viaHelp.io)
    await main(['orders', 'place', '--help'], viaFlag.io)

    expect(code).toBe(0)
    expect(viaHelp.stdout()).toBe(viaFlag.stdout())
    expect(viaHelp.stdout()).toContain('Usage: pipeline orders place --customer ID --currency CUR [options]')
  })

  it.each([
    ['queue', 'send'],
    ['schedule', 'run'],
    ['orders', 'place'],
    ['orders', 'get'],
    ['orders', 'list'],
    ['users', 'create'],
    ['users', 'list'],
  ])('documents `pipeline %s %s --help` with its usage and exit codes', async (group, name) => {
    const { io, stdout } = captureIo()

    const code = await main([group, name, '--help'], io)

    expect(code).toBe(0)
    expect(stdout()).toContain(`Usage: pipeline ${group} ${name}`)
    expect(stdout()).toContain('Exit codes:')
  })

  it('prints the help on stderr and exits 2 without a command', async () => {
    const { io, stdout, stderr } = captureIo()

    const code = await main([], io)

    expect(code).toBe(2)
    expect(stdout()).toBe('')
    expect(stderr()).toContain('Usage: pipeline COMMAND')
  })
})

describe('usage errors', () => {
  it.each([
    { name: 'an unknown command', argv: ['frobnicate'], message: "unknown command 'frobnicate'" },
    { name: 'an unknown global flag', argv: ['--verbose'], message: 'unknown option --verbose' },
    {
      name: 'an unknown flag',
      argv: ['upload', 'a.jpg', '--bogus'],
      message: 'pipeline upload: unknown option --bogus',
    },
    {
      name: 'a flag without its value',
      argv: ['upload', 'a.jpg', '--prefix'],
      message: 'option --prefix needs a value',
    },
    { name: 'a value on a boolean flag', argv: ['dlq', '--json=yes'], message: 'option --json takes no value' },
    { name: 'no file to upload', argv: ['upload'], message: 'pipeline upload: missing FILE' },
    {
      name: '--timeout without --wait',
      argv: ['upload', 'a.jpg', '--timeout', '5'],
      message: '--timeout only applies with --wait',
    },
    {
      name: 'a negative --timeout',
      argv: ['upload', 'a.jpg', '--wait', '--timeout', '-1'],
      message: 'option --timeout needs a value',
    },
    {
      name: 'a --timeout that is not a number',
      argv: ['upload', 'a.jpg', '--wait', '--timeout', 'soon'],
      message: '--timeout must be a positive number',
    },
    {
      name: 'an unknown --status',
      argv: ['executions', '--status', 'DONE'],
      message: '--status must be one of PENDING, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (got DONE)',
    },
    { name: 'a missing execution id', argv: ['execution'], message: 'pipeline execution: missing ID' },
    { name: 'an extra argument', argv: ['dlq', 'now'], message: 'pipeline dlq: takes no arguments (got now)' },
    {
      name: 'a group without its subcommand',
      argv: ['users'],
      message: 'pipeline users: missing subcommand: create or list',
    },
    { name: 'a flag on a group', argv: ['orders', '--json'], message: 'pipeline orders: unknown option --json' },
    {
      name: 'an unknown flag of a subcommand',
      argv: ['users', 'list', '--all'],
      message: 'pipeline users list: unknown option --all',
    },
  ])('exits 2 on $name, with one message and no stack trace', async ({ argv, message }) => {
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(argv, io)

    expect(code).toBe(2)
    expect(stderr()).toContain(message)
    expect(stderr()).not.toMatch(/^\s+at /m)
    expect(stdout()).toBe('')
  })

  it('exits 2 when PIPELINE_URL is not an http URL', async () => {
    const { io, stderr } = captureIo({ PIPELINE_URL: 'ftp://example.com' })

    const code = await main(['health'], io)

    expect(code).toBe(2)
    expect(stderr()).toBe('pipeline health: PIPELINE_URL must be an http:// or https:// URL: ftp://example.com\n')
  })
})

describe('server unreachable', () => {
  it.each([
    { name: 'health', argv: ['health'] },
    { name: 'executions', argv: ['executions'] },
    { name: 'execution', argv: ['execution', 'image-7f3c'] },
    { name: 'dlq', argv: ['dlq'] },
    { name: 'upload', argv: ['upload', __filename] },
    { name: 'events', argv: ['events', '--from', '1h'] },
    { name: 'replay', argv: ['replay', '--from', '1h', '--to', 'now'] },
    { name: 'replay cancel', argv: ['replay', 'cancel', 'replay-1'] },
    { name: 'replays', argv: ['replays'] },
    { name: 'rules', argv: ['rules'] },
    { name: 'queue send', argv: ['queue', 'send', '--body', 'x'] },
    { name: 'import', argv: ['import', __filename] },
    { name: 'schedules', argv: ['schedules'] },
    { name: 'schedule run', argv: ['schedule', 'run', 'Nightly'] },
    { name: 'search', argv: ['search', 'alice'] },
    { name: 'orders place', argv: ['orders', 'place', '--customer', 'c', '--total', '5', '--currency', 'EUR'] },
    { name: 'orders get', argv: ['orders', 'get', 'ord_1'] },
    { name: 'orders list', argv: ['orders', 'list', '--customer', 'c'] },
    { name: 'users create', argv: ['users', 'create', '--username', 'alice', '--email', 'a@example.com'] },
    { name: 'users list', argv: ['users', 'list'] },
  ])('exits 3 from `$name` naming PIPELINE_URL and its address', async ({ argv }) => {
    const url = await closedUrl()
    const { io, stderr } = captureIo({ PIPELINE_URL: url })

    const code = await main(argv, io)

    expect(code).toBe(3)
    expect(stderr()).toContain(`cannot reach the pipeline runtime at ${url} (connection refused)`)
    expect(stderr()).toContain('PIPELINE_URL')
    expect(stderr()).not.toMatch(/^\s+at /m)
  })
})

describe('server errors', () => {
  let runtime: FakeRuntime | undefined
  afterEach(async () => {
    await runtime?.close()
    runtime = undefined
  })

  it.each([
    {
      name: 'a 500 with the JSON error body',
      failWith: { status: 500, body: '{"error":"InternalError","message":"table is locked"}' },
      code: 3,
      message: '500 InternalError: table is locked',
    },
    {
      name: 'a 503 with a text body',
      failWith: { status: 503, body: 'starting up' },
      code: 3,
      message: '503 Service Unavailable: starting up',
    },
    {
      name: 'a 200 that is not JSON',
      failWith: { status: 200, body: '<html>' },
      code: 3,
      message: 'outside its contract',
    },
    {
      name: 'a 400',
      failWith: { status: 400, body: '{"error":"BadRequest","message":"bad filter"}' },
      code: 1,
      message: '400 BadRequest: bad filter',
    },
  ])('maps $name to exit $code', async ({ failWith, code, message }) => {
    runtime = await startFakeRuntime({ failWith })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const exit = await main(['executions'], io)

    expect(exit).toBe(code)
    expect(stderr()).toContain(message)
  })

  it('answers health with ok and the address', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['health'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe(`ok  ${runtime.url}\n`)
  })

  it.each([
    { name: 'a route of its own', argv: ['health'], path: '/api/health' },
    // The AWS APIs on the local endpoint: the stack is read first (CloudFormation's query protocol posts to the root).
    { name: 'an AWS API', argv: ['dlq'], path: '/api/' },
  ])('keeps a base path in PIPELINE_URL for $name', async ({ argv, path }) => {
    runtime = await startFakeRuntime()
    const { io } = captureIo({ PIPELINE_URL: `${runtime.url}/api` })

    await main(argv, io, { aws: { pollMs: 1 } })

    expect(runtime.requests[0]?.path).toBe(path)
  })
})
