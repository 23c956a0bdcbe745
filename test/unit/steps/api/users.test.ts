import { Schema } from 'effect'
import { User } from '../../../../contracts/users'
import { apiHarness, cors, fixture, request } from './support'

const Now = '2026-06-01T12:00:00.000Z'
const ada = { username: 'ada.lovelace', email: 'ada@example.com' }

let harness: ReturnType<typeof apiHarness>
beforeEach(() => {
  harness = apiHarness()
})
afterEach(() => harness.dispose())

/** `POST /users` with `body`. */
const createUser = (body: unknown) => harness.call(request('post-users', { body }))
/** A request to `path` with the users fixture as its base. */
const call = (method: string, path: string, body: unknown = null, headers: Record<string, string | undefined> = {}) =>
  harness.call(request('post-users', { method, path, body, headers }))

describe('POST /users', () => {
  it('creates an active user and answers 201 with it and its location', async () => {
    // Act
    const answer = await harness.call(fixture('post-users'))

    // Assess
    expect(answer.statusCode).toBe(201)
    const user = Schema.decodeUnknownSync(User)(answer.json)
    expect(user).toEqual({
      userId: expect.stringMatching(/^usr_[0-9a-f]{24}$/),
      ...ada,
      status: 'active',
      createdAt: Now,
      updatedAt: Now,
      version: 1,
    })
    expect(answer.headers).toMatchObject({ location: `/users/${user.userId}`, ...cors })
    expect([...harness.services.users.values()]).toEqual([user])
  })

  it('answers 409 UsernameTaken for a username in use, and keeps the first user', async () => {
    await harness.call(fixture('post-users'))

    const answer = await createUser({ username: ada.username, email: 'someone.else@example.com' })

    expect(answer.statusCode).toBe(409)
    expect(answer.json).toEqual({
      error: 'UsernameTaken',
      message: 'The username ada.lovelace is taken',
      fields: [{ path: 'username', message: 'is taken' }],
    })
    expect([...harness.services.users.values()].map((user) => user.email)).toEqual([ada.email])
  })

  it.each([
    [
      'a malformed email',
      { ...ada, email: 'ada.example.com' },
      [{ path: 'email', message: 'must be a well-formed email address' }],
    ],
    [
      'an email with a space',
      { ...ada, email: 'ada @example.com' },
      [{ path: 'email', message: 'must be a well-formed email address' }],
    ],
    [
      'an email over 254 characters',
      { ...ada, email: `${'a'.repeat(250)}@example.com` },
      [{ path: 'email', message: 'must be at most 254 characters long' }],
    ],
    [
      'a username too short',
      { ...ada, username: 'ad' },
      [{ path: 'username', message: 'must be 3 to 32 letters, digits, "_", "." or "-"' }],
    ],
    [
      'a username with a space',
      { ...ada, username: 'ada lovelace' },
      [{ path: 'username', message: 'must be 3 to 32 letters, digits, "_", "." or "-"' }],
    ],
    [
      'a username that is a number',
      { ...ada, username: 1815 },
      [{ path: 'username', message: 'must be a string (got 1815)' }],
    ],
    [
      'no fields at all',
      {},
      [
        { path: 'username', message: 'is required' },
        { path: 'email', message: 'is required' },
      ],
    ],
  ])('answers 400 ValidationFailed for %s, and creates nobody', async (_name, body, fields) => {
    const answer = await createUser(body)

    expect(answer.statusCode).toBe(400)
    expect(answer.json).toEqual({ error: 'ValidationFailed', message: 'The user is not valid', fields })
    expect(harness.services.users.size).toBe(0)
  })

  it('answers 400 MalformedJson for a body that is not JSON', async () => {
    const answer = await createUser('{"username": "ada"')

    expect(answer.statusCode).toBe(400)
    expect(answer.json.error).toBe('MalformedJson')
  })

  it('answers 415 for a body that is not sent as JSON', async () => {
    const answer = await harness.call(request('post-users', { headers: { 'content-type': 'text/plain' } }))

    expect(answer.statusCode).toBe(415)
    expect(harness.services.users.size).toBe(0)
  })

  it('answers 413 for a body over 256 KB', async () => {
    const answer = await createUser({ ...ada, bio: 'x'.repeat(300_000) })

    expect(answer.statusCode).toBe(413)
  })
})

describe('GET /users/{userId}', () => {
  it('answers the user', async () => {
    const created = await harness.call(fixture('post-users'))

    const answer = await call('GET', `/users/${created.json.userId}`)

    expect(answer.statusCode).toBe(200)
    expect(answer.json).toEqual(created.json)
  })

  it('answers 404 NotFound for an unknown user', async () => {
    const answer = await call('GET', '/users/usr_missing')

    expect(answer.statusCode).toBe(404)
    expect(answer.json).toEqual({ error: 'NotFound', message: 'No user usr_missing' })
  })
})

describe('GET /users', () => {
  it('pages through the users with limit and cursor', async () => {
    // Prepare
    for (const username of ['alan', 'grace', 'edsger']) await createUser({ username, email: `${username}@example.com` })

    // Act
    const first = await call('GET', '/users?limit=2')
    const second = await call('GET', `/users?limit=2&cursor=${encodeURIComponent(first.json.next)}`)

    // Assess
    expect(first.statusCode).toBe(200)
    expect(first.json.users).toHaveLength(2)
    expect(second.json.users).toHaveLength(1)
    expect(second.json).not.toHaveProperty('next')
    expect([...first.json.users, ...second.json.users].map((user) => user.username).sort()).toEqual([
      'alan',
      'edsger',
      'grace',
    ])
  })

  it('answers everyone on one page when they fit the default limit of 20', async () => {
    for (const username of ['alan', 'grace']) await createUser({ username, email: `${username}@example.com` })

    const answer = await call('GET', '/users')

    expect(answer.json.users).toHaveLength(2)
    expect(answer.json).not.toHaveProperty('next')
  })

  it.each([['0'], ['500'], ['all']])('answers 400 ValidationFailed naming limit for limit=%s', async (limit) => {
    const answer = await call('GET', `/users?limit=${limit}`)

    expect(answer.statusCode).toBe(400)
    expect(answer.json.fields).toEqual([{ path: 'limit', message: 'must be an integer from 1 to 100' }])
  })
})

describe('PATCH /users/{userId}', () => {
  it('sets the status and answers the updated user', async () => {
    const created = await harness.call(fixture('post-users'))

    const answer = await call('PATCH', `/users/${created.json.userId}`, { status: 'suspended' })

    expect(answer.statusCode).toBe(200)
    expect(answer.json).toEqual({ ...created.json, status: 'suspended', version: 2 })
    expect(harness.services.users.get(created.json.userId)?.status).toBe('suspended')
  })

  it.each([
    [
      'a status it does not know',
      { status: 'banned' },
      [{ path: 'status', message: 'must be one of "active", "suspended"' }],
    ],
    [
      'a status in the wrong case',
      { status: 'Active' },
      [{ path: 'status', message: 'must be one of "active", "suspended"' }],
    ],
    ['no status', { username: 'renamed' }, [{ path: 'status', message: 'is required' }]],
  ])('answers 400 ValidationFailed for %s, and changes nothing', async (_name, body, fields) => {
    const created = await harness.call(fixture('post-users'))

    const answer = await call('PATCH', `/users/${created.json.userId}`, body)

    expect(answer.statusCode).toBe(400)
    expect(answer.json).toEqual({ error: 'ValidationFailed', message: 'The update is not valid', fields })
    expect(harness.services.users.get(created.json.userId)?.status).toBe('active')
  })

  it('answers 404 NotFound for an unknown user', async () => {
    const answer = await call('PATCH', '/users/usr_missing', { status: 'active' })

    expect(answer.statusCode).toBe(404)
    expect(answer.json.error).toBe('NotFound')
  })

  it('answers 400 MissingBody without a body', async () => {
    const answer = await call('PATCH', '/users/usr_missing')

    expect(answer.statusCode).toBe(400)
    expect(answer.json.error).toBe('MissingBody')
  })
})

describe('DELETE /users/{userId}', () => {
  it('answers 204 without a body, and the user is gone', async () => {
    // Prepare
    const created = await harness.call(fixture('post-users'))

    // Act
    const deleted = await call('DELETE', `/users/${created.json.userId}`)
    const after = await call('GET', `/users/${created.json.userId}`)

    // Assess
    expect(deleted.statusCode).toBe(204)
    expect(deleted.body).toBe('')
    expect(deleted.headers).toMatchObject(cors)
    expect(deleted.headers).not.toHaveProperty('content-type')
    expect(after.statusCode).toBe(404)
    expect(harness.services.users.size).toBe(0)
  })

  it('answers 404 NotFound for an unknown user, and a second delete', async () => {
    const created = await harness.call(fixture('post-users'))
    await call('DELETE', `/users/${created.json.userId}`)

    const again = await call('DELETE', `/users/${created.json.userId}`)

    expect(again.statusCode).toBe(404)
    expect(again.json.error).toBe('NotFound')
  })

  it('frees the username for a new user', async () => {
    const created = await harness.call(fixture('post-users'))
    await call('DELETE', `/users/${created.json.userId}`)

    const again = await harness.call(fixture('post-users'))

    expect(again.statusCode).toBe(201)
    expect(again.json.userId).not.toBe(created.json.userId)
  })
})
