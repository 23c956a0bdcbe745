import { Effect, Layer, ManagedRuntime } from 'effect'
import { InvalidInput, TransientError } from '../../../../contracts/errors'
import { StepNames } from '../../../../steps/kit/catalog'
import { httpApi } from '../../../../steps/api/program'
import { UserTable } from '../../../../steps/services/user-table'
import { invokeStep, StepError } from '../../../../steps/kit/step'
import { memoryServices } from '../../../support/memory-services'
import { apiHarness, cors, fixture, memoryUserTable, request } from './support'

let harness: ReturnType<typeof apiHarness>
beforeEach(() => {
  harness = apiHarness()
})
afterEach(() => harness.dispose())

const call = (method: string, path: string, headers: Record<string, string | undefined> = {}) =>
  harness.call(request('get-order', { method, path, headers }))

describe('httpApi', () => {
  it('is the http-api step', () => {
    expect(httpApi.name).toBe(StepNames.httpApi)
  })

  it.each([
    ['an unknown top-level path', '/invoices'],
    ['the root', '/'],
    ['a path below an order', '/orders/ord_1/items'],
    ['a path in another case', '/Orders'],
    ['an empty segment', '/users//usr_1'],
  ])('answers 404 NotFound for %s', async (_name, path) => {
    const answer = await call('GET', path)

    expect(answer.statusCode).toBe(404)
    expect(answer.json).toEqual({ error: 'NotFound', message: `No route for ${path}` })
    expect(answer.headers).toMatchObject(cors)
  })

  it.each([
    ['DELETE /orders', 'DELETE', '/orders', 'GET, HEAD, POST, OPTIONS'],
    ['PUT /orders/{orderId}', 'PUT', '/orders/ord_1', 'GET, HEAD, OPTIONS'],
    ['POST /orders/{orderId}', 'POST', '/orders/ord_1', 'GET, HEAD, OPTIONS'],
    ['PATCH /users', 'PATCH', '/users', 'GET, HEAD, POST, OPTIONS'],
    ['POST /users/{userId}', 'POST', '/users/usr_1', 'GET, HEAD, PATCH, DELETE, OPTIONS'],
  ])('answers 405 MethodNotAllowed with allow for %s', async (_name, method, path, allow) => {
    const answer = await call(method, path)

    expect(answer.statusCode).toBe(405)
    expect(answer.json).toEqual({ error: 'MethodNotAllowed', message: `${method} is not allowed on ${path}` })
    expect(answer.headers).toMatchObject({ allow, ...cors })
  })

  it('answers a CORS preflight 204 with the CORS headers and no body', async () => {
    const answer = await harness.call(fixture('options-preflight'))

    expect(answer.statusCode).toBe(204)
    expect(answer.body).toBe('')
    expect(answer.headers).toEqual({
      ...cors,
      'access-control-expose-headers': 'location, retry-after, idempotent-replayed',
      'access-control-max-age': '600',
      allow: 'GET, HEAD, POST, OPTIONS',
    })
    expect(harness.services.orders.size).toBe(0)
  })

  it('answers a preflight for a user', async () => {
    const answer = await call('OPTIONS', '/users/usr_1')

    expect(answer.statusCode).toBe(204)
    expect(answer.headers).toMatchObject({ allow: 'GET, HEAD, PATCH, DELETE, OPTIONS', ...cors })
  })

  it('answers a preflight for an unknown path 404', async () => {
    const answer = await call('OPTIONS', '/invoices')

    expect(answer.statusCode).toBe(404)
  })

  it('answers HEAD as GET without the body', async () => {
    const created = await harness.call(fixture('post-users'))

    const answer = await call('HEAD', `/users/${created.json.userId}`)

    expect(answer.statusCode).toBe(200)
    expect(answer.body).toBe('')
    expect(answer.headers['content-type']).toBe('application/json')
  })

  it('tolerates one trailing slash', async () => {
    const answer = await call('GET', '/orders/?customerId=cus_1042')

    expect(answer.statusCode).toBe(200)
    expect(answer.json).toEqual({ orders: [] })
  })

  it('answers 400 InvalidPath for a parameter that is not valid percent-encoding', async () => {
    const answer = await call('GET', '/users/%E0%A4%A')

    expect(answer.statusCode).toBe(400)
    expect(answer.json.error).toBe('InvalidPath')
  })

  it('decodes percent-encoded parameters', async () => {
    harness.services.users.set('usr 1', {
      userId: 'usr 1',
      username: 'spaced',
      email: 's@example.com',
      status: 'active',
      createdAt: 'x',
      updatedAt: 'x',
    })

    const answer = await call('GET', '/users/usr%201')

    expect(answer.json.username).toBe('spaced')
  })

  it('reads header names in any case, and the method in lower case', async () => {
    const event = request('post-users', { headers: { 'content-type': undefined, 'Content-Type': 'application/json' } })
    event.requestContext.http.method = 'post'

    const answer = await harness.call(event)

    expect(answer.statusCode).toBe(201)
  })

  it('reads the query from rawQueryString when queryStringParameters is absent', async () => {
    const event = fixture('get-orders')
    delete event.queryStringParameters

    const answer = await harness.call(event)

    expect(answer.statusCode).toBe(200)
  })

  it('accepts the nulls that payload 1.0 and some emulators send', async () => {
    const event = { ...fixture('get-orders'), body: null, pathParameters: null, headers: null }

    const answer = await harness.call(event)

    expect(answer.statusCode).toBe(200)
  })

  it('fails with InvalidInput for a payload that is not an API Gateway event: no client can send one', async () => {
    const runtime = ManagedRuntime.make(memoryServices().layer)

    const rejection = await invokeStep(httpApi, runtime, { records: [] }).catch((error: unknown) => error)
    await runtime.dispose()

    expect(rejection).toBeInstanceOf(StepError)
    expect((rejection as StepError).name).toBe(new InvalidInput({ message: '' })._tag)
  })
})

describe('httpApi when a backing service fails', () => {
  let failing: ReturnType<typeof apiHarness>
  afterEach(() => failing.dispose())

  it('answers 503 ServiceUnavailable with retry-after and CORS for a TransientError, and logs it', async () => {
    failing = apiHarness({
      override: (services) =>
        Layer.succeed(UserTable, {
          ...memoryUserTable(services),
          list: () => Effect.fail(new TransientError({ operation: 'dynamodb:Scan', message: 'RequestLimitExceeded' })),
        }),
    })

    const answer = await failing.call(request('get-order', { path: '/users' }))

    expect(answer.statusCode).toBe(503)
    expect(answer.json).toEqual({
      error: 'ServiceUnavailable',
      message: 'A backing service is unavailable; retry shortly',
    })
    expect(answer.headers).toMatchObject({ 'retry-after': '1', ...cors })
    expect(failing.logs).toEqual([expect.objectContaining({ level: 'WARN' })])
  })

  it('answers 500 InternalError in JSON with CORS for a defect, naming the request, and logs the cause', async () => {
    failing = apiHarness({
      override: (services) =>
        Layer.succeed(UserTable, {
          ...memoryUserTable(services),
          get: () => Effect.die(new TypeError('Cannot read properties of undefined')),
        }),
    })

    const answer = await failing.call(request('get-order', { path: '/users/usr_1' }))

    expect(answer.statusCode).toBe(500)
    expect(answer.json).toEqual({
      error: 'InternalError',
      message: 'The request failed unexpectedly (request ZhNHMx8FjoEEQ4w=)',
    })
    expect(answer.headers).toMatchObject(cors)
    expect(failing.logs).toHaveLength(1)
    expect(failing.logs[0]).toMatchObject({ level: 'ERROR' })
    expect(JSON.stringify(failing.logs[0]!.message)).toContain('Cannot read properties of undefined')
  })
})
