import type { AnyEvent } from '../../contracts/envelope'
import type { SearchAnswer } from '../../contracts/search'
import { getJson, postJson, settle, startPipeline, type RunningPipeline } from '../support/pipeline'

interface User {
  userId: string
  username: string
  email: string
  status: string
}
interface Order {
  orderId: string
  customerId: string
  status: string
  reasons?: string[]
  totalAmount: number
  origin: string
}
interface ErrorBody {
  error: string
  message: string
  fields?: Array<{ path: string; message: string }>
}

let pipeline: RunningPipeline
let ada: User

const request = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const response = await fetch(`${pipeline.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T }
}

/** The outcome events on the pipeline bus, by detail-type, that concern one order or user id. */
const published = (detailType: string, id: string) =>
  pipeline.events.filter(
    ({ bus, event }) =>
      bus === 'Pipeline' && event['detail-type'] === detailType && JSON.stringify(event.detail).includes(`"${id}"`),
  )

const placeOrder = async (order: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const placed = await request<{ orderId: string; status: string }>('POST', '/orders', order, headers)
  expect(placed.status).toBe(202)
  return placed
}

beforeAll(async () => {
  pipeline = await startPipeline({ queueVisibilityMs: 20 })
  ada = (await request<User>('POST', '/users', { username: 'ada', email: 'ada@example.com' })).body
  await settle(pipeline)
})
afterAll(() => pipeline.close())

describe('users over the HTTP API', () => {
  it('creates a user, welcomes them once, and refuses a taken username with 409', async () => {
    const taken = await request<ErrorBody>('POST', '/users', { username: 'ada', email: 'other@example.com' })

    expect(ada).toMatchObject({ username: 'ada', email: 'ada@example.com', status: 'active' })
    expect(taken).toMatchObject({ status: 409, body: { error: 'UsernameTaken' } })
    expect(published('UserWelcomed', ada.userId)).toHaveLength(1)
  })

  it.each([
    ['no fields', {}, ['username', 'email']],
    ['a malformed email', { username: 'bob', email: 'not-an-email' }, ['email']],
    ['a username with spaces', { username: 'b o b', email: 'bob@example.com' }, ['username']],
  ])('answers 400 naming each failing field for %s', async (_name, body, fields) => {
    const answer = await request<ErrorBody>('POST', '/users', body)
    expect(answer.status).toBe(400)
    expect(answer.body.fields!.map((field) => field.path).sort()).toEqual([...fields].sort())
  })

  it('suspends a user, announcing the old and new status, then deletes them from the table and the index', async () => {
    const grace = (await request<User>('POST', '/users', { username: 'grace', email: 'grace@example.com' })).body
    const suspended = await request<User>('PATCH', `/users/${grace.userId}`, { status: 'suspended' })
    const badStatus = await request<ErrorBody>('PATCH', `/users/${grace.userId}`, { status: 'gone' })
    await settle(pipeline)
    const foundBefore = (await getJson<{ results: Array<{ id: string }> }>(`${pipeline.url}/search?q=grace`)).body
      .results
    const deleted = await request('DELETE', `/users/${grace.userId}`)
    await settle(pipeline)

    expect(suspended).toMatchObject({ status: 200, body: { status: 'suspended' } })
    expect(badStatus.status).toBe(400)
    expect(published('UserStatusChanged', grace.userId).map(({ event }) => event.detail)).toEqual([
      expect.objectContaining({ oldStatus: 'active', newStatus: 'suspended' }),
    ])
    expect(foundBefore.map((result) => result.id)).toEqual([`user:${grace.userId}`])
    expect(deleted.status).toBe(204)
    expect((await request('GET', `/users/${grace.userId}`)).status).toBe(404)
    expect((await getJson<{ results: unknown[] }>(`${pipeline.url}/search?q=grace`)).body.results).toEqual([])
  })
})

describe('orders over the HTTP API', () => {
  it('answers 202 PENDING with a Location, then decides the order ACCEPTED and announces it once', async () => {
    const placed = await placeOrder({
      customerId: ada.userId,
      items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 }],
      currency: 'EUR',
    })
    await settle(pipeline)
    const order = await request<Order>('GET', `/orders/${placed.body.orderId}`)

    expect(placed.body.status).toBe('PENDING')
    expect(placed.headers.get('location')).toBe(`/orders/${placed.body.orderId}`)
    expect(order.body).toMatchObject({ status: 'ACCEPTED', totalAmount: 25, origin: 'api' })
    expect(published('OrderAccepted', placed.body.orderId)).toHaveLength(1)
    expect(published('OrderStatusChanged', placed.body.orderId).map(({ event }) => event.detail)).toEqual([
      expect.objectContaining({ oldStatus: 'PENDING', newStatus: 'ACCEPTED' }),
    ])
    // The orders pipe passes the placement (search finds a PENDING order) and the decision.
    expect(
      published('OrderChanged', placed.body.orderId).map(
        ({ event }) => (event.detail as { eventName: string }).eventName,
      ),
    ).toEqual(['INSERT', 'MODIFY'])
  })

  it.each([
    [
      'an unknown customer',
      { customerId: 'usr_nobody', totalAmount: 10, currency: 'EUR' },
      /customer "usr_nobody" is not known/,
    ],
    [
      'an unsupported currency',
      { customerId: 'ADA', totalAmount: 10, currency: 'XYZ' },
      /currency "XYZ" is not supported/,
    ],
  ])('decides an order with %s REJECTED, with the reason', async (_name, order, reason) => {
    const placed = await placeOrder({
      ...order,
      customerId: order.customerId === 'ADA' ? ada.userId : order.customerId,
    })
    await settle(pipeline)
    const decided = (await request<Order>('GET', `/orders/${placed.body.orderId}`)).body

    expect(decided.status).toBe('REJECTED')
    expect(decided.reasons!.join('; ')).toMatch(reason)
    expect(published('OrderRejected', placed.body.orderId)).toHaveLength(1)
  })

  it("takes the original design's customer_id and total_amount", async () => {
    const placed = await placeOrder({ customer_id: ada.userId, total_amount: 99.9, currency: 'USD' })
    await settle(pipeline)
    expect((await request<Order>('GET', `/orders/${placed.body.orderId}`)).body).toMatchObject({
      status: 'ACCEPTED',
      totalAmount: 99.9,
    })
  })

  it('answers a retried POST with the same Idempotency-Key with the first answer, placing nothing new', async () => {
    const body = { customerId: ada.userId, totalAmount: 42, currency: 'GBP' }
    const first = await placeOrder(body, { 'idempotency-key': 'retry-me-1' })
    const retry = await placeOrder(body, { 'idempotency-key': 'retry-me-1' })
    const reused = await request<ErrorBody>(
      'POST',
      '/orders',
      { ...body, totalAmount: 43 },
      { 'idempotency-key': 'retry-me-1' },
    )
    await settle(pipeline)

    expect(retry.body).toEqual(first.body)
    expect(reused.status).toBe(422)
    expect(published('OrderPlaced', first.body.orderId)).toHaveLength(1)
    expect(published('OrderAccepted', first.body.orderId)).toHaveLength(1)
  })

  it.each([
    [
      'malformed JSON',
      'POST',
      '/orders',
      '{"customerId":',
      { 'content-type': 'application/json' },
      400,
      'MalformedJson',
    ],
    [
      'a wrong content type',
      'POST',
      '/orders',
      'customerId=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'UnsupportedMediaType',
    ],
    [
      'a body over 256 KB',
      'POST',
      '/orders',
      JSON.stringify({ pad: 'x'.repeat(257 * 1024) }),
      { 'content-type': 'application/json' },
      413,
      'PayloadTooLarge',
    ],
    ['an unknown route', 'GET', '/orders/a/b', undefined, {}, 404, 'NotFound'],
    ['a wrong method', 'PUT', '/orders', '{}', { 'content-type': 'application/json' }, 405, 'MethodNotAllowed'],
    ['an unknown order', 'GET', '/orders/ord_missing', undefined, {}, 404, 'NotFound'],
    ['a listing without customerId', 'GET', '/orders', undefined, {}, 400, 'ValidationFailed'],
  ])('answers %s with a JSON error and CORS headers', async (_name, method, path, body, headers, status, error) => {
    const response = await fetch(`${pipeline.url}${path}`, { method, ...(body === undefined ? {} : { body }), headers })
    const answer = (await response.json()) as ErrorBody

    expect(response.status).toBe(status)
    expect(answer.error).toBe(error)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(JSON.stringify(answer)).not.toMatch(/\n\s+at /)
  })

  it('answers 400 naming every missing or wrong field', async () => {
    const answer = await request<ErrorBody>('POST', '/orders', {
      items: [{ sku: '', quantity: 0, unitPrice: -1 }],
      currency: 'euro',
    })
    expect(answer.status).toBe(400)
    expect(answer.body.fields!.map((field) => field.path).sort()).toEqual([
      'currency',
      'customerId',
      'items[0].quantity',
      'items[0].sku',
      'items[0].unitPrice',
    ])
  })

  it("lists a customer's orders a page at a time", async () => {
    const first = await request<{ orders: Order[]; next?: string }>('GET', `/orders?customerId=${ada.userId}&limit=2`)
    const second = await request<{ orders: Order[]; next?: string }>(
      'GET',
      `/orders?customerId=${ada.userId}&limit=2&cursor=${encodeURIComponent(first.body.next!)}`,
    )

    expect(first.body.orders).toHaveLength(2)
    expect(second.body.orders.length).toBeGreaterThan(0)
    expect(second.body.orders.map((order) => order.orderId)).not.toContain(first.body.orders[0]!.orderId)
  })
})

describe('the orders queue', () => {
  it('turns each valid message of a batch into an order once, and dead-letters the poison ones with the reason', async () => {
    // Prepare: one good order, sent twice (a redelivery), and two poison messages.
    const good = JSON.stringify({
      orderId: 'q-good-1',
      customerId: ada.userId,
      items: [{ sku: 'PEN', quantity: 3, unitPrice: 1.5 }],
      currency: 'EUR',
    })
    const sends = [
      good,
      'this is not JSON',
      JSON.stringify({ orderId: 'q-bad-1', customerId: ada.userId, currency: 'EUR' }),
      good,
    ]

    // Act
    for (const body of sends)
      expect((await fetch(`${pipeline.url}/queues/orders/messages`, { method: 'POST', body })).status).toBe(202)
    await settle(pipeline)

    // Assess
    expect((await request<Order>('GET', '/orders/q-good-1')).body).toMatchObject({
      status: 'ACCEPTED',
      origin: 'queue',
      totalAmount: 4.5,
    })
    expect(published('OrderAccepted', 'q-good-1')).toHaveLength(1)
    expect((await request('GET', '/orders/q-bad-1')).status).toBe(404)
    const dlq = (
      await getJson<{
        queues: Array<{
          name: string
          messages: Array<{ body: unknown; deadLetter?: { reason: string; receiveCount: number } }>
        }>
      }>(`${pipeline.url}/dlq`)
    ).body.queues.find((queue) => queue.name === 'OrdersQueueDeadLetters')!
    expect(dlq.messages.map((message) => [message.deadLetter!.reason, message.deadLetter!.receiveCount])).toEqual([
      [expect.stringMatching(/malformed JSON/), 3],
      [expect.stringMatching(/items or totalAmount is required/), 3],
    ])
  })

  it('refuses an empty message with 400 and an unknown queue with 404', async () => {
    expect((await fetch(`${pipeline.url}/queues/orders/messages`, { method: 'POST', body: '' })).status).toBe(400)
    expect((await fetch(`${pipeline.url}/queues/nope/messages`, { method: 'POST', body: 'x' })).status).toBe(404)
  })
})

describe('the order workflow under duplicate events', () => {
  it('decides an OrderPlaced delivered twice once, and announces it once', async () => {
    const order = {
      orderId: 'dup-1',
      customerId: ada.userId,
      totalAmount: 10,
      currency: 'EUR',
      origin: 'api',
      placedAt: new Date().toISOString(),
    }
    const entry = {
      EventBusName: 'Pipeline',
      Source: 'pipeline.orders',
      DetailType: 'OrderPlaced',
      Detail: JSON.stringify(order),
    }

    await postJson(`${pipeline.url}/events`, { Entries: [entry, entry] })
    await settle(pipeline)

    const runs = (
      await getJson<{ executions: Array<{ status: string }> }>(`${pipeline.url}/executions?workflow=order&key=dup-1`)
    ).body.executions
    expect(runs.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED'])
    expect(published('OrderAccepted', 'dup-1')).toHaveLength(1)
  })
})

describe('maintenance, on its schedule or on demand', () => {
  it('publishes the dead-letter depths and re-publishes an order whose placement event was lost', async () => {
    // Prepare: a PENDING order written ten minutes ago whose OrderPlaced never reached the bus.
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000).toISOString()
    pipeline.runtime.tables.put('Orders', 'lost-1', 'orderId', {
      orderId: 'lost-1',
      customerId: ada.userId,
      totalAmount: 7,
      currency: 'EUR',
      status: 'PENDING',
      origin: 'api',
      createdAt: tenMinutesAgo,
      updatedAt: tenMinutesAgo,
    })
    await settle(pipeline)
    // Search finds it PENDING: the change workflow indexed its INSERT.
    const pending = (await getJson<SearchAnswer>(`${pipeline.url}/search?q=lost-1`)).body.results
    expect(pending).toEqual([
      expect.objectContaining({ id: 'order:lost-1', data: expect.objectContaining({ status: 'PENDING' }) }),
    ])

    // Act
    const run = await postJson<{ executionArn: string }>(`${pipeline.url}/schedules/MaintenanceSchedule/run`, {})
    await settle(pipeline)

    // Assess
    expect(run.status).toBe(202)
    expect(
      (await getJson<{ status: string }>(`${pipeline.url}/executions/${encodeURIComponent(run.body.executionArn)}`))
        .body.status,
    ).toBe('SUCCEEDED')
    const summary = pipeline.events.find(({ event }) => event['detail-type'] === 'DlqDepthSummary')!.event.detail as {
      queues: Array<{ name: string; depth: number }>
    }
    expect(summary.queues).toContainEqual({ name: 'OrdersQueueDeadLetters', depth: 2 })
    expect((await request<Order>('GET', '/orders/lost-1')).body.status).toBe('ACCEPTED')
  })
})

describe('search and reconciliation', () => {
  it.each([
    ['an order by its id', 'q-good-1', 'order:q-good-1'],
    ['orders by customer', 'ADA_ID', 'order:q-good-1'],
    ['a user by username', 'ada', 'user:ADA_ID'],
    ['a user by email', 'ada@example.com', 'user:ADA_ID'],
  ])('finds %s', async (_name, query, expected) => {
    const q = query.replace('ADA_ID', ada.userId)
    const { body } = await getJson<{ results: Array<{ id: string }> }>(
      `${pipeline.url}/search?q=${encodeURIComponent(q)}`,
    )
    expect(body.results.map((result) => result.id)).toContain(expected.replace('ADA_ID', ada.userId))
  })

  it('ends every order accepted or rejected, each announced exactly once', async () => {
    await settle(pipeline)
    const orders = pipeline.runtime.db
      .prepare(
        "SELECT json_extract(item, '$.orderId') AS id, json_extract(item, '$.status') AS status FROM table_items WHERE table_name = 'Orders'",
      )
      .all() as Array<{ id: string; status: string }>
    const decisions = (id: string) =>
      pipeline.events.filter(
        ({ event }: { event: AnyEvent }) =>
          ['OrderAccepted', 'OrderRejected'].includes(event['detail-type']) &&
          (event.detail as { orderId: string }).orderId === id,
      )

    expect(orders.length).toBeGreaterThan(5)
    for (const order of orders) {
      expect(['ACCEPTED', 'REJECTED']).toContain(order.status)
      expect(decisions(order.id)).toHaveLength(1)
    }
  })
})
