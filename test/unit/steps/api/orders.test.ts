import { Effect, Layer, Schema } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import { PlacedOrder, PlaceOrderRequest } from '../../../../contracts/orders'
import { OrderPlacedType, OrdersSource } from '../../../../contracts/sources'
import { fingerprintOf, fromSnakeCase } from '../../../../steps/api/orders'
import { EventPublisher } from '../../../../steps/services/event-publisher'
import { IdempotencyStore } from '../../../../steps/services/idempotency'
import { OrderTable } from '../../../../steps/services/order-table'
import { apiHarness, cors, fixture, memoryOrderTable, request } from './support'

const Now = '2026-06-01T12:00:00.000Z'
const Key = '5f0c8a4e-2b7d-4c61-9a3e-0d6f1b2c3a4d'
const orderBody = JSON.parse(fixture('post-orders').body)
const items = orderBody.items
const unavailable = (operation: string) =>
  new TransientError({ operation, message: 'ProvisionedThroughputExceededException' })

/** `POST /orders` with the fixture's `Idempotency-Key` removed, carrying `body`. */
const postOrder = (body: unknown, headers: Record<string, string | undefined> = {}) =>
  request('post-orders', { body, headers: { 'idempotency-key': undefined, ...headers } })

let harness: ReturnType<typeof apiHarness>
beforeEach(() => {
  harness = apiHarness()
})
afterEach(() => harness.dispose())

describe('POST /orders', () => {
  it('creates the order PENDING, publishes one OrderPlaced and answers 202 with its location', async () => {
    // Act
    const answer = await harness.call(fixture('post-orders'))

    // Assess
    expect(answer.statusCode).toBe(202)
    const { orderId } = answer.json
    expect(answer.json).toEqual({ orderId, status: 'PENDING' })
    expect(orderId).toMatch(/^ord_[0-9a-f]{24}$/)
    expect(answer.headers).toMatchObject({
      location: `/orders/${orderId}`,
      'content-type': 'application/json',
      ...cors,
    })
    expect([...harness.services.orders.values()]).toEqual([
      {
        orderId,
        customerId: 'cus_1042',
        items,
        totalAmount: 32.25,
        currency: 'EUR',
        status: 'PENDING',
        origin: 'api',
        createdAt: Now,
        updatedAt: Now,
        version: 1,
      },
    ])
    expect(harness.services.published).toHaveLength(1)
    const [entry] = harness.services.published
    expect(entry).toMatchObject({ EventBusName: 'pipeline', Source: OrdersSource, DetailType: OrderPlacedType })
    expect(Schema.decodeUnknownSync(PlacedOrder)(JSON.parse(entry!.Detail))).toEqual({
      orderId,
      customerId: 'cus_1042',
      items,
      totalAmount: 32.25,
      currency: 'EUR',
      origin: 'api',
      placedAt: Now,
    })
  })

  it('reads a base64-encoded body, as API Gateway sends binary media', async () => {
    const answer = await harness.call(fixture('post-orders-base64'))

    expect(answer.statusCode).toBe(202)
    expect(harness.services.orders.get(answer.json.orderId)?.totalAmount).toBe(32.25)
  })

  it('gives every placement without an Idempotency-Key its own order', async () => {
    const first = await harness.call(postOrder(orderBody))
    const second = await harness.call(postOrder(orderBody))

    expect(first.json.orderId).not.toBe(second.json.orderId)
    expect(harness.services.orders.size).toBe(2)
    expect(harness.services.published).toHaveLength(2)
  })

  it('places an order by its total alone, as the original design did', async () => {
    const answer = await harness.call(postOrder({ customerId: 'cus_7', totalAmount: 99.9, currency: 'USD' }))

    expect(answer.statusCode).toBe(202)
    const order = harness.services.orders.get(answer.json.orderId)
    expect(order).toMatchObject({ customerId: 'cus_7', totalAmount: 99.9, currency: 'USD', status: 'PENDING' })
    expect(order).not.toHaveProperty('items')
    expect(JSON.parse(harness.services.published[0]!.Detail)).not.toHaveProperty('items')
  })

  it('accepts the snake_case customer_id and total_amount', async () => {
    const answer = await harness.call(postOrder({ customer_id: 'cus_legacy', total_amount: 15, currency: 'GBP' }))

    expect(answer.statusCode).toBe(202)
    expect(harness.services.orders.get(answer.json.orderId)).toMatchObject({
      customerId: 'cus_legacy',
      totalAmount: 15,
      currency: 'GBP',
    })
    expect(JSON.parse(harness.services.published[0]!.Detail)).toMatchObject({
      customerId: 'cus_legacy',
      totalAmount: 15,
    })
  })

  it('accepts items with a totalAmount that agrees within a cent, and keeps the items total', async () => {
    const answer = await harness.call(postOrder({ ...orderBody, totalAmount: 32.26 }))

    expect(answer.statusCode).toBe(202)
    expect(harness.services.orders.get(answer.json.orderId)?.totalAmount).toBe(32.25)
  })

  it('trims the customer id, as the contract does', async () => {
    const answer = await harness.call(postOrder({ ...orderBody, customerId: '  cus_1042 ' }))

    expect(harness.services.orders.get(answer.json.orderId)?.customerId).toBe('cus_1042')
  })

  it.each([
    [
      'an empty object names every required field',
      {},
      [
        { path: 'customerId', message: 'is required' },
        { path: 'currency', message: 'is required' },
        { path: 'items', message: 'items or totalAmount is required' },
      ],
    ],
    [
      'neither items nor totalAmount',
      { customerId: 'c1', currency: 'USD' },
      [{ path: 'items', message: 'items or totalAmount is required' }],
    ],
    ['a blank customerId', { ...orderBody, customerId: '   ' }, [{ path: 'customerId', message: 'must not be empty' }]],
    [
      'a customerId that is not a string',
      { ...orderBody, customerId: 42 },
      [{ path: 'customerId', message: 'must be a string (got 42)' }],
    ],
    [
      'a customerId over 128 characters',
      { ...orderBody, customerId: 'c'.repeat(129) },
      [{ path: 'customerId', message: 'must be at most 128 characters long' }],
    ],
    [
      'a lower-case currency',
      { ...orderBody, currency: 'eur' },
      [{ path: 'currency', message: 'must be a three-letter ISO 4217 code' }],
    ],
    ['empty items', { ...orderBody, items: [] }, [{ path: 'items', message: 'must not be empty' }]],
    [
      'items that are not an array',
      { ...orderBody, items: 'SKU-RED-MUG' },
      [{ path: 'items', message: 'must be a non-empty array' }],
    ],
    [
      'an item that is not an object',
      { ...orderBody, items: [null] },
      [{ path: 'items[0]', message: 'must be an object' }],
    ],
    [
      'a zero quantity',
      { ...orderBody, items: [{ ...items[0], quantity: 0 }] },
      [{ path: 'items[0].quantity', message: 'must be a positive integer' }],
    ],
    [
      'a fractional quantity',
      { ...orderBody, items: [items[0], { ...items[1], quantity: 1.5 }] },
      [{ path: 'items[1].quantity', message: 'must be an integer (got 1.5)' }],
    ],
    [
      'a negative unit price',
      { ...orderBody, items: [{ ...items[0], unitPrice: -1 }] },
      [{ path: 'items[0].unitPrice', message: 'must be a positive number' }],
    ],
    [
      'an item without a sku',
      { ...orderBody, items: [{ quantity: 1, unitPrice: 2 }] },
      [{ path: 'items[0].sku', message: 'is required' }],
    ],
    [
      'a totalAmount sent as a string',
      { customerId: 'c1', currency: 'USD', totalAmount: '12' },
      [{ path: 'totalAmount', message: 'must be a number (got "12")' }],
    ],
    [
      'a zero totalAmount',
      { customerId: 'c1', currency: 'USD', totalAmount: 0 },
      [{ path: 'totalAmount', message: 'must be a positive number' }],
    ],
    [
      'a totalAmount that disagrees with the items',
      { ...orderBody, totalAmount: 40 },
      [{ path: 'totalAmount', message: "must equal the items' total, 32.25" }],
    ],
    [
      'both customer_id and customerId',
      { ...orderBody, customer_id: 'cus_other' },
      [{ path: 'customer_id', message: 'conflicts with customerId: send one spelling' }],
    ],
    [
      'both total_amount and totalAmount',
      { customerId: 'c1', currency: 'USD', totalAmount: 5, total_amount: 5 },
      [{ path: 'total_amount', message: 'conflicts with totalAmount: send one spelling' }],
    ],
    [
      'many faults at once, each named',
      {
        customerId: '',
        currency: 'euro',
        items: [
          { sku: 'A', quantity: -2, unitPrice: 1 },
          { sku: '', quantity: 1, unitPrice: 'free' },
        ],
      },
      [
        { path: 'customerId', message: 'must not be empty' },
        { path: 'items[0].quantity', message: 'must be a positive integer' },
        { path: 'items[1].sku', message: 'must not be empty' },
        { path: 'items[1].unitPrice', message: 'must be a number (got "free")' },
        { path: 'currency', message: 'must be a three-letter ISO 4217 code' },
      ],
    ],
  ])('answers 400 ValidationFailed for %s, and places nothing', async (_name, body, fields) => {
    const answer = await harness.call(postOrder(body))

    expect(answer.statusCode).toBe(400)
    expect(answer.json).toEqual({ error: 'ValidationFailed', message: 'The order is not valid', fields })
    expect(answer.headers).toMatchObject(cors)
    expect(harness.services.orders.size).toBe(0)
    expect(harness.services.published).toHaveLength(0)
  })

  it.each([
    ['a truncated object', '{"customerId": "c1", "currency": "USD"'],
    ['a trailing comma', '{"customerId": "c1",}'],
    ['a bare word', 'order please'],
  ])('answers 400 MalformedJson for %s', async (_name, body) => {
    const answer = await harness.call(postOrder(body))

    expect(answer.statusCode).toBe(400)
    expect(answer.json.error).toBe('MalformedJson')
    expect(answer.json.message).toMatch(/^The body is not valid JSON: /)
  })

  it('answers 400 MalformedJson for a body that is not UTF-8', async () => {
    const event = fixture('post-orders-base64')
    event.body = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('base64')

    const answer = await harness.call(event)

    expect(answer.statusCode).toBe(400)
    expect(answer.json).toEqual({
      error: 'MalformedJson',
      message: 'The body is not valid JSON: the body is not valid UTF-8',
    })
  })

  it.each([
    ['an array', '[]'],
    ['a string', '"order"'],
    ['null', 'null'],
  ])('answers 400 ValidationFailed for a JSON body that is %s', async (_name, body) => {
    const answer = await harness.call(postOrder(body))

    expect(answer.statusCode).toBe(400)
    expect(answer.json).toEqual({ error: 'ValidationFailed', message: 'The body must be a JSON object' })
  })

  it('answers 400 MissingBody for a request without a body', async () => {
    const answer = await harness.call(request('post-orders', { body: null, headers: { 'idempotency-key': undefined } }))

    expect(answer.statusCode).toBe(400)
    expect(answer.json.error).toBe('MissingBody')
  })

  it.each([
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
    ['XML', 'application/xml'],
    ['JSON in Latin-1', 'application/json; charset=iso-8859-1'],
    ['no content-type at all', undefined],
  ])('answers 415 UnsupportedMediaType for %s, and places nothing', async (_name, contentType) => {
    const answer = await harness.call(postOrder(orderBody, { 'content-type': contentType }))

    expect(answer.statusCode).toBe(415)
    expect(answer.json.error).toBe('UnsupportedMediaType')
    expect(harness.services.orders.size).toBe(0)
  })

  it.each([
    ['with a UTF-8 charset', 'application/json; charset=UTF-8'],
    ['as a +json media type', 'application/vnd.shop.order+json'],
    ['in upper case', 'Application/JSON'],
  ])('accepts JSON %s', async (_name, contentType) => {
    const answer = await harness.call(postOrder(orderBody, { 'content-type': contentType }))

    expect(answer.statusCode).toBe(202)
  })

  it('answers 413 PayloadTooLarge for a body over 256 KB, and places nothing', async () => {
    const body = JSON.stringify({ ...orderBody, note: 'x'.repeat(256 * 1024) })

    const answer = await harness.call(postOrder(body))

    expect(answer.statusCode).toBe(413)
    expect(answer.json).toEqual({
      error: 'PayloadTooLarge',
      message: `The body is ${Buffer.byteLength(body)} bytes; the limit is 262144`,
    })
    expect(harness.services.orders.size).toBe(0)
  })

  it('reads a body of exactly 256 KB', async () => {
    const json = JSON.stringify(orderBody)
    const body = json + ' '.repeat(256 * 1024 - Buffer.byteLength(json))

    const answer = await harness.call(postOrder(body))

    expect(answer.statusCode).toBe(202)
  })
})

describe('POST /orders with an Idempotency-Key', () => {
  it('stores the first answer and replays it for a retry, placing and publishing nothing new', async () => {
    // Prepare
    const first = await harness.call(fixture('post-orders'))

    // Act
    const retry = await harness.call(fixture('post-orders'))

    // Assess
    expect(retry.statusCode).toBe(202)
    expect(retry.body).toBe(first.body)
    expect(retry.headers).toEqual({ ...first.headers, 'idempotent-replayed': 'true' })
    expect(harness.services.orders.size).toBe(1)
    expect(harness.services.published).toHaveLength(1)
    const record = harness.services.idempotency.get(Key)
    expect(record?.response).toMatchObject({ statusCode: 202, headers: { location: `/orders/${first.json.orderId}` } })
    expect(record?.expiresAt).toBe('2026-06-02T12:00:00.000Z')
  })

  it('replays for the same order however it is spelled: key order, whitespace, snake_case', async () => {
    const first = await harness.call(
      postOrder({ customerId: 'cus_1', totalAmount: 10, currency: 'USD' }, { 'idempotency-key': 'k-1' }),
    )

    const retry = await harness.call(
      postOrder('{ "currency": "USD",\n "total_amount": 10, "customer_id": "cus_1" }', { 'idempotency-key': 'k-1' }),
    )

    expect(retry.json).toEqual(first.json)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(harness.services.published).toHaveLength(1)
  })

  it('answers 422 IdempotencyKeyReused when the key comes back with another body', async () => {
    await harness.call(fixture('post-orders'))

    const reused = await harness.call(request('post-orders', { body: { ...orderBody, currency: 'USD' } }))

    expect(reused.statusCode).toBe(422)
    expect(reused.json.error).toBe('IdempotencyKeyReused')
    expect(harness.services.orders.size).toBe(1)
    expect(harness.services.published).toHaveLength(1)
  })

  it('answers 409 RequestInProgress with retry-after while the first request with the key still runs', async () => {
    const order = Schema.decodeUnknownSync(PlaceOrderRequest)(orderBody)
    harness.services.idempotency.set(Key, { fingerprint: fingerprintOf(order), expiresAt: '2026-06-02T12:00:00.000Z' })

    const answer = await harness.call(fixture('post-orders'))

    expect(answer.statusCode).toBe(409)
    expect(answer.json.error).toBe('RequestInProgress')
    expect(answer.headers['retry-after']).toBe('1')
    expect(harness.services.orders.size).toBe(0)
  })

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
  ])('answers 400 InvalidIdempotencyKey for a key that is %s', async (_name, key) => {
    const answer = await harness.call(request('post-orders', { headers: { 'idempotency-key': key } }))

    expect(answer.statusCode).toBe(400)
    expect(answer.json.error).toBe('InvalidIdempotencyKey')
    expect(harness.services.idempotency.size).toBe(0)
  })

  it('accepts a key of 255 characters', async () => {
    const answer = await harness.call(request('post-orders', { headers: { 'idempotency-key': 'k'.repeat(255) } }))

    expect(answer.statusCode).toBe(202)
  })

  it('does not spend the key on an invalid body', async () => {
    await harness.call(request('post-orders', { body: {} }))

    expect(harness.services.idempotency.size).toBe(0)
  })
})

describe('POST /orders when a backing service fails', () => {
  afterEach(() => flaky?.dispose())
  let flaky: ReturnType<typeof apiHarness> | undefined

  it('answers 503 with retry-after and releases the key when the order cannot be written; the retry places it once', async () => {
    // Prepare: the table refuses the first write only
    let failures = 1
    flaky = apiHarness({
      override: (services) => {
        const table = memoryOrderTable(services)
        return Layer.succeed(OrderTable, {
          ...table,
          create: (order) => (failures-- > 0 ? Effect.fail(unavailable('dynamodb:PutItem')) : table.create(order)),
        })
      },
    })

    // Act
    const failed = await flaky.call(fixture('post-orders'))
    const keyAfterFailure = flaky.services.idempotency.has(Key)
    const retried = await flaky.call(fixture('post-orders'))

    // Assess
    expect(failed.statusCode).toBe(503)
    expect(failed.json).toEqual({
      error: 'ServiceUnavailable',
      message: 'A backing service is unavailable; retry shortly',
    })
    expect(failed.headers).toMatchObject({ 'retry-after': '1', ...cors })
    expect(keyAfterFailure).toBe(false)
    expect(retried.statusCode).toBe(202)
    expect(flaky.services.orders.size).toBe(1)
    expect(flaky.services.published).toHaveLength(1)
  })

  it('finds the same order on a retry after the answer could not be stored, instead of placing another', async () => {
    let failures = 1
    flaky = apiHarness({
      override: (services) => {
        const store = Effect.runSync(Effect.provide(IdempotencyStore, services.layer))
        return Layer.succeed(IdempotencyStore, {
          ...store,
          complete: (key, response) =>
            failures-- > 0 ? Effect.fail(unavailable('dynamodb:UpdateItem')) : store.complete(key, response),
        })
      },
    })

    const failed = await flaky.call(fixture('post-orders'))
    const retried = await flaky.call(fixture('post-orders'))

    expect(failed.statusCode).toBe(503)
    expect(retried.statusCode).toBe(202)
    expect(flaky.services.orders.size).toBe(1)
    expect([...flaky.services.orders.keys()]).toEqual([retried.json.orderId])
    // Published again for the same order: the order workflow de-duplicates by orderId.
    expect(flaky.services.published.map((entry) => JSON.parse(entry.Detail).orderId)).toEqual([
      retried.json.orderId,
      retried.json.orderId,
    ])
  })

  it('accepts the order when PutEvents fails: it stands PENDING for the stale-order sweep to publish', async () => {
    flaky = apiHarness({
      override: () => Layer.succeed(EventPublisher, { publish: () => Effect.fail(unavailable('events:PutEvents')) }),
    })

    const answer = await flaky.call(fixture('post-orders'))

    expect(answer.statusCode).toBe(202)
    expect(flaky.services.orders.get(answer.json.orderId)?.status).toBe('PENDING')
    expect(flaky.services.published).toHaveLength(0)
    expect(flaky.services.idempotency.get(Key)?.response?.statusCode).toBe(202)
  })
})

describe('GET /orders/{orderId}', () => {
  it('answers the order', async () => {
    const placed = await harness.call(fixture('post-orders'))

    const answer = await harness.call(request('get-order', { path: `/orders/${placed.json.orderId}` }))

    expect(answer.statusCode).toBe(200)
    expect(answer.json).toEqual(harness.services.orders.get(placed.json.orderId))
    expect(answer.headers).toMatchObject(cors)
  })

  it.each([
    ['an unknown order', '/orders/ord_3f9a2c7d1e8b4a6c9d0e1f2a'],
    ['an id no order can have', '/orders/not%20an%20id'],
  ])('answers 404 NotFound for %s', async (_name, path) => {
    const answer = await harness.call(request('get-order', { path }))

    expect(answer.statusCode).toBe(404)
    expect(answer.json.error).toBe('NotFound')
  })
})

describe('GET /orders', () => {
  const place = (customerId: string) => harness.call(postOrder({ customerId, totalAmount: 10, currency: 'USD' }))

  it("pages through one customer's orders with limit and cursor", async () => {
    // Prepare
    for (const customer of ['cus_1042', 'cus_1042', 'cus_1042', 'cus_other']) await place(customer)

    // Act
    const first = await harness.call(fixture('get-orders'))
    const second = await harness.call(
      request('get-orders', {
        path: `/orders?customerId=cus_1042&limit=2&cursor=${encodeURIComponent(first.json.next)}`,
      }),
    )

    // Assess
    expect(first.statusCode).toBe(200)
    expect(first.json.orders).toHaveLength(2)
    expect(first.json.next).toEqual(expect.any(String))
    expect(second.json.orders).toHaveLength(1)
    expect(second.json).not.toHaveProperty('next')
    const seen = [...first.json.orders, ...second.json.orders]
    expect(seen.map((order) => order.customerId)).toEqual(['cus_1042', 'cus_1042', 'cus_1042'])
    expect(new Set(seen.map((order) => order.orderId)).size).toBe(3)
  })

  it('answers 20 orders when no limit is given', async () => {
    for (let index = 0; index < 21; index += 1) await place('cus_many')

    const answer = await harness.call(request('get-orders', { path: '/orders?customerId=cus_many' }))

    expect(answer.json.orders).toHaveLength(20)
    expect(answer.json.next).toEqual(expect.any(String))
  })

  it('answers an empty list for a customer without orders', async () => {
    const answer = await harness.call(request('get-orders', { path: '/orders?customerId=cus_none' }))

    expect(answer.statusCode).toBe(200)
    expect(answer.json).toEqual({ orders: [] })
  })

  it.each([
    ['no customerId', '/orders', [{ path: 'customerId', message: 'is required' }]],
    ['an empty customerId', '/orders?customerId=', [{ path: 'customerId', message: 'is required' }]],
    ['a limit of 0', '/orders?customerId=c1&limit=0', [{ path: 'limit', message: 'must be an integer from 1 to 100' }]],
    [
      'a limit of 101',
      '/orders?customerId=c1&limit=101',
      [{ path: 'limit', message: 'must be an integer from 1 to 100' }],
    ],
    [
      'a fractional limit',
      '/orders?customerId=c1&limit=1.5',
      [{ path: 'limit', message: 'must be an integer from 1 to 100' }],
    ],
    [
      'a limit that is not a number',
      '/orders?customerId=c1&limit=ten',
      [{ path: 'limit', message: 'must be an integer from 1 to 100' }],
    ],
    [
      'no customerId and a bad limit',
      '/orders?limit=-1',
      [
        { path: 'customerId', message: 'is required' },
        { path: 'limit', message: 'must be an integer from 1 to 100' },
      ],
    ],
  ])('answers 400 ValidationFailed for %s', async (_name, path, fields) => {
    const answer = await harness.call(request('get-orders', { path }))

    expect(answer.statusCode).toBe(400)
    expect(answer.json).toEqual({ error: 'ValidationFailed', message: 'The query is not valid', fields })
  })
})

describe('fromSnakeCase', () => {
  it('renames the original spellings and leaves the rest', () => {
    expect(fromSnakeCase({ customer_id: 'c', total_amount: 1, currency: 'USD' })).toEqual({
      body: { customerId: 'c', totalAmount: 1, currency: 'USD' },
      conflicts: [],
    })
  })
})

describe('fingerprintOf', () => {
  it('is the same for the same order in any key order', () => {
    const a = Schema.decodeUnknownSync(PlaceOrderRequest)({ customerId: 'c', totalAmount: 1, currency: 'USD' })
    const b = Schema.decodeUnknownSync(PlaceOrderRequest)({ currency: 'USD', totalAmount: 1, customerId: 'c' })
    const c = Schema.decodeUnknownSync(PlaceOrderRequest)({ currency: 'USD', totalAmount: 2, customerId: 'c' })

    expect(fingerprintOf(a)).toBe(fingerprintOf(b))
    expect(fingerprintOf(a)).not.toBe(fingerprintOf(c))
  })
})
