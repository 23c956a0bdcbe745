import type { Order } from '../../../../cli/client'
import { parseItem } from '../../../../cli/commands/orders'
import { main } from '../../../../cli/main'
import { captureIo, plain, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

const storedOrder = (index: number, overrides: Partial<Order> = {}): Order => ({
  orderId: `ord_${String(index).padStart(4, '0')}`,
  customerId: 'c-42',
  totalAmount: 10 * index,
  currency: 'EUR',
  status: 'ACCEPTED',
  origin: 'api',
  createdAt: '2024-05-01T12:00:00.000Z',
  updatedAt: '2024-05-01T12:00:01.000Z',
  ...overrides,
})

const orderPolls = (fake: FakeRuntime) =>
  fake.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/orders/'))

describe('pipeline orders place', () => {
  it('places an order of items and prints its id and status', async () => {
    // Prepare
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(
      ['orders', 'place', '--customer', 'c-42', '--item', 'BOOK-1:2:12.50', '--item', 'PEN-9:1:3', '--currency', 'eur'],
      io,
    )

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe('ord_0001  PENDING\n')
    expect(stderr()).toBe('')
    expect(runtime.requests).toEqual([
      {
        method: 'POST',
        path: '/orders',
        query: {},
        contentType: 'application/json',
        body: {
          customerId: 'c-42',
          items: [
            { sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 },
            { sku: 'PEN-9', quantity: 1, unitPrice: 3 },
          ],
          currency: 'EUR',
        },
      },
    ])
  })

  it('places an order of a total alone', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      ['orders', 'place', '--customer', 'c-42', '--total', '99.90', '--currency', 'USD', '--json'],
      io,
    )

    expect(code).toBe(0)
    expect(runtime.requests[0]?.body).toEqual({ customerId: 'c-42', totalAmount: 99.9, currency: 'USD' })
    expect(JSON.parse(stdout())).toEqual({ orderId: 'ord_0001', status: 'PENDING' })
  })

  it('sends --idempotency-key as the Idempotency-Key header: a retry answers the same order', async () => {
    runtime = await startFakeRuntime()
    const first = captureIo({ PIPELINE_URL: runtime.url })
    const retry = captureIo({ PIPELINE_URL: runtime.url })
    const argv = [
      'orders',
      'place',
      '--customer',
      'c-42',
      '--total',
      '5',
      '--currency',
      'USD',
      '--idempotency-key',
      'retry-7',
    ]

    await main(argv, first.io)
    await main(argv, retry.io)

    expect(runtime.requests.map((request) => request.idempotencyKey)).toEqual(['retry-7', 'retry-7'])
    expect(first.stdout()).toBe('ord_0001  PENDING\n')
    expect(retry.stdout()).toBe('ord_0001  PENDING\n')
    expect(runtime.orders.size).toBe(1)
  })

  it('with --wait, polls until the order is ACCEPTED and prints it', async () => {
    runtime = await startFakeRuntime({ pollsBeforeDecision: 2 })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      ['orders', 'place', '--customer', 'c-42', '--item', 'BOOK-1:3:12.50', '--currency', 'EUR', '--wait'],
      io,
    )

    expect(code).toBe(0)
    expect(stdout()).toBe('ord_0001  ACCEPTED  c-42  37.5 EUR\n')
    expect(stderr()).toBe('placed ord_0001; waiting for the order workflow to accept or reject it\n')
    expect(orderPolls(runtime).map((request) => request.path)).toEqual([
      '/orders/ord_0001',
      '/orders/ord_0001',
      '/orders/ord_0001',
    ])
  })

  it('with --wait, prints the reasons and exits 1 when the order is REJECTED', async () => {
    runtime = await startFakeRuntime({
      decideOrder: () => ({
        status: 'REJECTED',
        reasons: ['customer c-42 is suspended', 'total 5000 EUR is over\nthe limit of 1000'],
      }),
    })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      ['orders', 'place', '--customer', 'c-42', '--total', '5000', '--currency', 'EUR', '--wait'],
      io,
    )

    expect(code).toBe(1)
    expect(stdout()).toBe(
      'ord_0001  REJECTED  c-42  5000 EUR\n  customer c-42 is suspended\n  total 5000 EUR is over the limit of 1000\n',
    )
  })

  it('with --wait --json, prints the decided order', async () => {
    runtime = await startFakeRuntime({ decideOrder: () => ({ status: 'REJECTED', reasons: ['no stock'] }) })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      ['orders', 'place', '--customer', 'c-42', '--total', '5', '--currency', 'EUR', '--wait', '--json'],
      io,
    )

    expect(code).toBe(1)
    expect(JSON.parse(stdout())).toMatchObject({
      orderId: 'ord_0001',
      customerId: 'c-42',
      status: 'REJECTED',
      reasons: ['no stock'],
      totalAmount: 5,
      currency: 'EUR',
      origin: 'api',
    })
  })

  it('with --wait, gives up after --timeout and exits 1 while the order is still PENDING', async () => {
    runtime = await startFakeRuntime({ decideOrder: () => undefined })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      ['orders', 'place', '--customer', 'c-42', '--total', '5', '--currency', 'EUR', '--wait', '--timeout', '0.3'],
      io,
    )

    expect(code).toBe(1)
    expect(stdout()).toBe("ord_0001  PENDING  no decision after 0.3s; see 'pipeline orders get ord_0001'\n")
    expect(orderPolls(runtime).length).toBeGreaterThanOrEqual(2)
  })

  it('prints each invalid field on stderr and exits 1 on a 400 ValidationError', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      [
        'orders',
        'place',
        '--customer',
        'c-42',
        '--item',
        'INVALID:1:2',
        '--item',
        'OK:1:2',
        '--item',
        'INVALID:2:2',
        '--currency',
        'EUR',
        '--wait',
      ],
      io,
    )

    expect(code).toBe(1)
    expect(stdout()).toBe('')
    expect(stderr()).toBe(
      [
        'pipeline orders place: the server answered 400 ValidationError: The order is not valid',
        'pipeline orders place: items[0].sku: is not a known SKU',
        'pipeline orders place: items[2].sku: is not a known SKU',
        '',
      ].join('\n'),
    )
    expect(orderPolls(runtime)).toEqual([])
  })

  it('colours the status on a terminal', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url }, { tty: true })

    await main(['orders', 'place', '--customer', 'c-42', '--total', '5', '--currency', 'EUR', '--wait'], io)

    expect(stdout()).toContain('\x1b[32mACCEPTED')
    expect(plain(stdout())).toBe('ord_0001  ACCEPTED  c-42  5 EUR\n')
  })

  it.each([
    { name: 'no --customer', argv: ['--total', '5', '--currency', 'EUR'], message: '--customer ID is required' },
    {
      name: 'a blank --customer',
      argv: ['--customer', ' ', '--total', '5', '--currency', 'EUR'],
      message: '--customer ID is required',
    },
    { name: 'no --currency', argv: ['--customer', 'c', '--total', '5'], message: '--currency CUR is required' },
    {
      name: 'a --currency that is no code',
      argv: ['--customer', 'c', '--total', '5', '--currency', 'euro'],
      message: '--currency must be a three-letter ISO 4217 code such as USD (got euro)',
    },
    {
      name: 'neither --item nor --total',
      argv: ['--customer', 'c', '--currency', 'EUR'],
      message: 'give the items (--item SKU:QTY:PRICE, repeated) or the total (--total AMOUNT)',
    },
    {
      name: 'both --item and --total',
      argv: ['--customer', 'c', '--item', 'A:1:1', '--total', '1', '--currency', 'EUR'],
      message: 'give --item or --total, not both',
    },
    {
      name: 'an --item without its price',
      argv: ['--customer', 'c', '--item', 'A:1', '--currency', 'EUR'],
      message: '--item A:1: write it as SKU:QTY:PRICE, e.g. BOOK-1:2:12.50',
    },
    {
      name: 'an --item with a zero quantity',
      argv: ['--customer', 'c', '--item', 'A:0:1', '--currency', 'EUR'],
      message: '--item A:0:1: the quantity must be a positive whole number (got "0")',
    },
    {
      name: 'an --item with a fractional quantity',
      argv: ['--customer', 'c', '--item', 'A:1.5:1', '--currency', 'EUR'],
      message: '--item A:1.5:1: the quantity must be a positive whole number (got "1.5")',
    },
    {
      name: 'an --item with a price that is no number',
      argv: ['--customer', 'c', '--item', 'A:1:free', '--currency', 'EUR'],
      message: '--item A:1:free: the price must be a positive amount such as 12.50 (got "free")',
    },
    {
      name: 'an --item without a SKU',
      argv: ['--customer', 'c', '--item', ':1:1', '--currency', 'EUR'],
      message: '--item :1:1: the SKU is empty',
    },
    {
      name: 'a negative --total',
      argv: ['--customer', 'c', '--total=-5', '--currency', 'EUR'],
      message: '--total must be a positive amount such as 12.50 (got "-5")',
    },
    {
      name: '--timeout without --wait',
      argv: ['--customer', 'c', '--total', '5', '--currency', 'EUR', '--timeout', '5'],
      message: '--timeout only applies with --wait',
    },
    {
      name: 'an empty --idempotency-key',
      argv: ['--customer', 'c', '--total', '5', '--currency', 'EUR', '--idempotency-key', ''],
      message: '--idempotency-key must be 1 to 255 characters (got 0)',
    },
    { name: 'an argument', argv: ['c-42'], message: 'takes no arguments (got c-42)' },
  ])('exits 2 and sends nothing on $name', async ({ argv, message }) => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'place', ...argv], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(`pipeline orders place: ${message}`)
    expect(stdout()).toBe('')
    expect(runtime.requests).toEqual([])
  })
})

describe('pipeline orders get', () => {
  it('shows the order field by field', async () => {
    const order = storedOrder(1, {
      status: 'REJECTED',
      reasons: ['customer c-42 is suspended', 'over the limit'],
      items: [
        { sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 },
        { sku: 'PEN-9', quantity: 1, unitPrice: 3 },
      ],
      totalAmount: 28,
    })
    runtime = await startFakeRuntime({ orders: [order] })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'get', 'ord_0001'], io)

    expect(code).toBe(0)
    const lines = stdout().split('\n')
    expect(lines.slice(0, 7)).toEqual([
      'Order     ord_0001',
      'Customer  c-42',
      'Status    REJECTED',
      'Reasons   customer c-42 is suspended; over the limit',
      'Total     28 EUR',
      'Items     2 × BOOK-1 at 12.5 EUR, 1 × PEN-9 at 3 EUR',
      'Origin    api',
    ])
    expect(lines[7]).toMatch(/^Created {3}2024-05-01 \d\d:00:00$/)
    expect(lines[8]).toMatch(/^Updated {3}2024-05-01 \d\d:00:01$/)
  })

  it("prints the order's JSON with --json", async () => {
    const order = storedOrder(1)
    runtime = await startFakeRuntime({ orders: [order] })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'get', 'ord_0001', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual(order)
  })

  it('exits 1 with the server message for an unknown order', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'get', 'ord/9'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe('')
    expect(stderr()).toBe('pipeline orders get: the server answered 404 NotFound: No order ord/9\n')
    expect(runtime.requests[0]?.path).toBe('/orders/ord%2F9')
  })
})

describe('pipeline orders list', () => {
  const many = Array.from({ length: 5 }, (_, index) =>
    storedOrder(index + 1, { status: index === 1 ? 'PENDING' : 'ACCEPTED' }),
  )

  it("lists the customer's orders, following the pages", async () => {
    // Prepare: two orders a page, and one of another customer's.
    runtime = await startFakeRuntime({ orders: [...many, storedOrder(9, { customerId: 'c-7' })], cursorPageSize: 2 })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['orders', 'list', '--customer', 'c-42'], io)

    // Assess
    expect(code).toBe(0)
    expect(stderr()).toBe('')
    const lines = stdout().trim().split('\n')
    expect(lines[0]).toBe('ORDER     STATUS    TOTAL   ORIGIN  CREATED')
    expect(lines.slice(1).map((line) => line.slice(0, 31))).toEqual([
      'ord_0001  ACCEPTED  10 EUR  api',
      'ord_0002  PENDING   20 EUR  api',
      'ord_0003  ACCEPTED  30 EUR  api',
      'ord_0004  ACCEPTED  40 EUR  api',
      'ord_0005  ACCEPTED  50 EUR  api',
    ])
    // Each page asks for what is still wanted plus one (at most 100), from the previous page's next.
    expect(runtime.requests.map((request) => request.query)).toEqual([
      { customerId: 'c-42', limit: '100' },
      { customerId: 'c-42', limit: '99', cursor: '2' },
      { customerId: 'c-42', limit: '97', cursor: '4' },
    ])
  })

  it('stops at --limit and says there are more', async () => {
    runtime = await startFakeRuntime({ orders: many })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'list', '--customer', 'c-42', '--limit', '3', '--json'], io)

    expect(code).toBe(0)
    expect((JSON.parse(stdout()) as Order[]).map((order) => order.orderId)).toEqual([
      'ord_0001',
      'ord_0002',
      'ord_0003',
    ])
    expect(stderr()).toBe(
      'pipeline orders list: showing the first 3 orders; there are more (raise --limit to see them)\n',
    )
    expect(runtime.requests[0]?.query).toEqual({ customerId: 'c-42', limit: '4' })
  })

  it('does not claim more when --limit is exactly the number of orders', async () => {
    runtime = await startFakeRuntime({ orders: many })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'list', '--customer', 'c-42', '--limit', '5'], io)

    expect(code).toBe(0)
    expect(stderr()).toBe('')
  })

  it('says so when the customer has none', async () => {
    runtime = await startFakeRuntime({ orders: many })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'list', '--customer', 'c-0'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No orders for customer c-0.\n')
  })

  it.each([
    { name: 'no --customer', argv: [], message: '--customer ID is required' },
    {
      name: 'a --limit of 0',
      argv: ['--customer', 'c', '--limit', '0'],
      message: '--limit must be a positive whole number (got 0)',
    },
  ])('exits 2 and sends nothing on $name', async ({ argv, message }) => {
    runtime = await startFakeRuntime()
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['orders', 'list', ...argv], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(`pipeline orders list: ${message}`)
    expect(runtime.requests).toEqual([])
  })
})

describe('pipeline orders', () => {
  it.each([
    { name: 'no subcommand', argv: ['orders'], message: 'pipeline orders: missing subcommand: place, get or list' },
    {
      name: 'an unknown subcommand',
      argv: ['orders', 'cancel', 'ord_1'],
      message: "pipeline orders: unknown subcommand 'cancel': place, get or list",
    },
  ])('exits 2 on $name', async ({ argv, message }) => {
    const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(argv, io)

    expect(code).toBe(2)
    expect(stderr()).toContain(message)
  })

  it('lists its subcommands in `pipeline orders --help`', async () => {
    const { io, stdout } = captureIo()

    const code = await main(['orders', '--help'], io)

    expect(code).toBe(0)
    expect(stdout()).toMatch(
      /^Usage: pipeline orders place --customer ID --currency CUR \[options\]\n {7}pipeline orders get ID \[options\]\n {7}pipeline orders list --customer ID \[options\]$/m,
    )
  })
})

describe('parseItem', () => {
  it.each([
    { raw: 'BOOK-1:2:12.50', item: { sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 } },
    { raw: 'urn:sku:7:1:.5', item: { sku: 'urn:sku:7', quantity: 1, unitPrice: 0.5 } },
    { raw: ' PEN :10: 3 ', item: { sku: 'PEN', quantity: 10, unitPrice: 3 } },
  ])('reads $raw', ({ raw, item }) => {
    expect(parseItem(raw)).toEqual(item)
  })
})
