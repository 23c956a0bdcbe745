import type { User } from '../../../../cli/client'
import { main } from '../../../../cli/main'
import { captureIo, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

const user = (index: number, overrides: Partial<User> = {}): User => ({
  userId: `usr_${String(index).padStart(4, '0')}`,
  username: `user${index}`,
  email: `user${index}@example.com`,
  status: 'active',
  createdAt: '2024-05-01T12:00:00.000Z',
  updatedAt: '2024-05-01T12:00:00.000Z',
  ...overrides,
})

describe('pipeline users create', () => {
  it('creates the user and prints its id, username, e-mail and status', async () => {
    // Prepare
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['users', 'create', '--username', 'alice', '--email', 'alice@example.com'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe('usr_0001  alice  alice@example.com  active\n')
    expect(stderr()).toBe('')
    expect(runtime.requests).toEqual([
      {
        method: 'POST',
        path: '/users',
        query: {},
        contentType: 'application/json',
        body: { username: 'alice', email: 'alice@example.com' },
      },
    ])
  })

  it('prints the created user as JSON with --json', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['users', 'create', '--username', 'bob', '--email', 'bob@example.com', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual(runtime.users.get('usr_0001'))
  })

  it('exits 1 and names the field when the username is taken', async () => {
    runtime = await startFakeRuntime({ users: [user(1, { username: 'alice' })] })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['users', 'create', '--username', 'alice', '--email', 'alice@example.com'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe('')
    expect(stderr()).toBe(
      'pipeline users create: the server answered 409 UsernameTaken: The username alice is taken\npipeline users create: username: is taken\n',
    )
  })

  it('prints each invalid field on stderr and exits 1 on a 400 ValidationError', async () => {
    runtime = await startFakeRuntime()
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['users', 'create', '--username', 'a!', '--email', 'nope'], io)

    expect(code).toBe(1)
    expect(stderr()).toBe(
      [
        'pipeline users create: the server answered 400 ValidationError: The user is not valid',
        'pipeline users create: username: must be 3 to 32 letters, digits, "_", "." or "-"',
        'pipeline users create: email: must be a well-formed email address',
        '',
      ].join('\n'),
    )
  })

  it.each([
    { name: 'no --username', argv: ['--email', 'a@example.com'], message: '--username U is required' },
    { name: 'no --email', argv: ['--username', 'alice'], message: '--email E is required' },
    { name: 'a blank --email', argv: ['--username', 'alice', '--email', ' '], message: '--email E is required' },
  ])('exits 2 and sends nothing on $name', async ({ argv, message }) => {
    runtime = await startFakeRuntime()
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['users', 'create', ...argv], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(`pipeline users create: ${message}`)
    expect(runtime.requests).toEqual([])
  })
})

describe('pipeline users list', () => {
  const many = [
    user(1, { username: 'alice' }),
    user(2, { username: 'bob', status: 'suspended' }),
    user(3, { username: 'carol' }),
  ]

  it('lists the users, following the pages', async () => {
    // Prepare
    runtime = await startFakeRuntime({ users: many, cursorPageSize: 2 })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['users', 'list'], io)

    // Assess
    expect(code).toBe(0)
    const lines = stdout().trim().split('\n')
    expect(lines[0]).toBe('ID        USERNAME  EMAIL              STATUS     CREATED')
    expect(lines.slice(1).map((line) => line.slice(0, 48).trimEnd())).toEqual([
      'usr_0001  alice     user1@example.com  active',
      'usr_0002  bob       user2@example.com  suspended',
      'usr_0003  carol     user3@example.com  active',
    ])
    expect(runtime.requests.map((request) => request.query)).toEqual([{ limit: '100' }, { limit: '99', cursor: '2' }])
  })

  it('prints the users as a JSON array with --json, up to --limit', async () => {
    runtime = await startFakeRuntime({ users: many })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['users', 'list', '--limit', '2', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual(many.slice(0, 2))
    expect(stderr()).toBe(
      'pipeline users list: showing the first 2 users; there are more (raise --limit to see them)\n',
    )
  })

  it('says so when there are none', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['users', 'list'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No users.\n')
  })
})
