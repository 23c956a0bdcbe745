import { Effect, Exit, Layer, Schema } from 'effect'
import type { PutEventsEntry } from '../../../../contracts/envelope'
import { InvalidInput, TransientError } from '../../../../contracts/errors'
import { ImportReport } from '../../../../contracts/imports'
import { OrderPlaced } from '../../../../contracts/orders'
import type { ObjectCreated } from '../../../../contracts/s3'
import { OrderPlacedType, OrdersSource } from '../../../../contracts/sources'
import { importChunkKey, importOrderId, importOrders, reportKeyOf } from '../../../../steps/import/program'
import { EventPublisher } from '../../../../steps/services/event-publisher'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { etagOf, memoryStore, type MemoryStore } from '../../../support/memory-store'
import { awsEvent } from '../../../support/fixtures'

const now = '2026-06-01T12:00:00.000Z'
const bytes = (text: string) => new TextEncoder().encode(text)

/** The S3 fixture, cloned, about `key` holding `body` (its etag is the body's MD5, as S3 gives a single-part upload). */
const objectCreated = (key: string, body: Uint8Array, id = 'evt-import-1'): ObjectCreated => {
  const event = awsEvent('s3/object-created.json')
  event.id = id
  event.detail.object.key = key
  event.detail.object.etag = etagOf(body)
  event.detail.object.size = body.length
  return event
}

type Services = ReturnType<typeof memoryServices>

const runImport = (
  services: Services,
  store: MemoryStore,
  event: ObjectCreated,
  publisher?: Layer.Layer<EventPublisher>,
) => runWith(Layer.mergeAll(services.layer, store.layer, publisher ?? Layer.empty))(importOrders.run(event))

/** Uploads `text` to `key`, imports it once, and answers everything a test asserts on. */
const importFile = async (key: string, body: string | Uint8Array) => {
  const content = typeof body === 'string' ? bytes(body) : body
  const services = memoryServices({ now, busName: 'pipeline-bus' })
  const store = memoryStore({ [key]: content })
  const event = objectCreated(key, content)
  const exit = await runImport(services, store, event)
  return { services, store, event, exit, etag: etagOf(content) }
}

const reportIn = (store: MemoryStore, key: string): ImportReport =>
  Schema.decodeUnknownSync(ImportReport)(JSON.parse(new TextDecoder().decode(store.objects.get(key)!.body)))

const decodeOrderPlaced = Schema.decodeUnknownSync(OrderPlaced)

/** The orders the published events place, decoded with the contract the order workflow decodes them with. */
const placedOrders = (published: ReadonlyArray<PutEventsEntry>) => {
  expect(published.filter((entry) => entry.Source !== OrdersSource || entry.DetailType !== OrderPlacedType)).toEqual([])
  return published.map((entry) => {
    const event = {
      version: '0',
      id: 'e',
      account: '1',
      time: now,
      region: 'eu-west-1',
      resources: [],
      source: entry.Source,
      'detail-type': entry.DetailType,
      detail: JSON.parse(entry.Detail),
    }
    return decodeOrderPlaced(event).detail
  })
}

const header = 'orderId,customerId,currency,totalAmount,items,sku,quantity,unitPrice'

describe('reportKeyOf and importOrderId', () => {
  it('reports imports/{name} to reports/{name}.json', () => {
    expect(reportKeyOf('imports/2026/june.csv')).toBe('reports/2026/june.csv.json')
  })

  it('derives an order id from the file version and the line', () => {
    expect(importOrderId('0123456789abcdef0123456789abcdef', 7)).toBe('imp-0123456789ab-7')
  })
})

describe('importOrders', () => {
  it('places one order per row of a CSV with quoted commas, quotes, line breaks and CRLF, and writes the report', async () => {
    // Prepare
    const csv = [
      'orderId,customerId,currency,sku,quantity,unitPrice,note',
      'ord-1,cust-1,EUR,"BOOK, ""deluxe""",2,12.50,"gift wrap,\r\nplease"',
      ',cust-2,USD,PEN-2,10,1.2,',
      '',
    ].join('\r\n')

    // Act
    const { exit, services, store, etag } = await importFile('imports/june.csv', csv)

    // Assess
    expect(exit).toEqual(Exit.succeed({ reportKey: 'reports/june.csv.json', rows: 2, accepted: 2, rejected: 0 }))
    expect(placedOrders(services.published)).toEqual([
      {
        orderId: 'ord-1',
        customerId: 'cust-1',
        currency: 'EUR',
        items: [{ sku: 'BOOK, "deluxe"', quantity: 2, unitPrice: 12.5 }],
        origin: 'import',
        placedAt: now,
      },
      {
        orderId: `imp-${etag.slice(0, 12)}-4`,
        customerId: 'cust-2',
        currency: 'USD',
        items: [{ sku: 'PEN-2', quantity: 10, unitPrice: 1.2 }],
        origin: 'import',
        placedAt: now,
      },
    ])
    expect(services.published.every((entry) => entry.EventBusName === 'pipeline-bus')).toBe(true)
    expect(store.written.get('reports/june.csv.json')?.contentType).toBe('application/json')
    expect(reportIn(store, 'reports/june.csv.json')).toEqual({
      key: 'imports/june.csv',
      etag,
      format: 'csv',
      rows: 2,
      accepted: 2,
      rejected: [],
      completedAt: now,
    })
    expect(services.ledger.get(importChunkKey('imports/june.csv', etag, 0))).toEqual({
      owner: 'evt-import-1',
      done: true,
    })
  })

  it('reads the items of a CSV row as a JSON array, and a total alone', async () => {
    const csv = `${header}\nord-1,cust-1,EUR,,"[{""sku"":""A"",""quantity"":2,""unitPrice"":3},{""sku"":""B"",""quantity"":1,""unitPrice"":4}]",,,\nord-2,cust-1,GBP,99.90,,,,\n`

    const { exit, services } = await importFile('imports/items.csv', csv)

    expect(exit).toEqual(Exit.succeed({ reportKey: 'reports/items.csv.json', rows: 2, accepted: 2, rejected: 0 }))
    expect(placedOrders(services.published)).toEqual([
      {
        orderId: 'ord-1',
        customerId: 'cust-1',
        currency: 'EUR',
        items: [
          { sku: 'A', quantity: 2, unitPrice: 3 },
          { sku: 'B', quantity: 1, unitPrice: 4 },
        ],
        origin: 'import',
        placedAt: now,
      },
      { orderId: 'ord-2', customerId: 'cust-1', currency: 'GBP', totalAmount: 99.9, origin: 'import', placedAt: now },
    ])
  })

  it.each([
    ['an empty customer', ',,EUR,10,,,,', 'customerId: must not be empty'],
    ['a malformed currency', ',cust-1,euro,10,,,,', 'currency: must be a three-letter ISO 4217 code'],
    ['a zero quantity', ',cust-1,EUR,,,A,0,2', 'items[0].quantity: must be a positive integer'],
    ['a fractional quantity', ',cust-1,EUR,,,A,1.5,2', 'items[0].quantity: Expected an integer, actual 1.5'],
    ['a unit price that is not a number', ',cust-1,EUR,,,A,1,two', 'items[0].unitPrice: Expected number, actual "two"'],
    ['a missing unit price', ',cust-1,EUR,,,A,1,', 'items[0].unitPrice: is missing'],
    ['a negative total', ',cust-1,EUR,-3,,,,', 'totalAmount: must be a positive number'],
    ['neither items nor a total', ',cust-1,EUR,,,,,', 'items: items or totalAmount is required'],
    ['an empty items array', ',cust-1,EUR,,[],,,', 'items: must not be empty'],
    ['malformed items JSON', ',cust-1,EUR,,"[{sku:1}]",,,', 'items: malformed JSON: '],
    [
      'both items and a one-item order',
      ',cust-1,EUR,,"[{""sku"":""A"",""quantity"":1,""unitPrice"":1}]",A,1,1',
      'give items or sku, quantity and unitPrice, not both',
    ],
    [
      'an order id with spaces',
      'ord 1,cust-1,EUR,10,,,,',
      'orderId: must be 1 to 128 letters, digits, "_", ".", ":" or "-"',
    ],
    ['too few fields', ',cust-1,EUR,10', 'has 4 fields, the header has 8'],
    ['too many fields', ',cust-1,EUR,10,,,,,extra', 'has 9 fields, the header has 8'],
    ['text after a closing quote', ',"cust-1"x,EUR,10,,,,', 'malformed CSV: text after the closing quote of field 2'],
  ])('rejects a row with %s, naming why in the report, and places the others', async (_name, row, reason) => {
    // Prepare
    const csv = `${header}\n${row}\nok-1,cust-1,EUR,10,,,,\n`

    // Act
    const { exit, services, store } = await importFile('imports/rows.csv', csv)

    // Assess
    expect(exit).toEqual(Exit.succeed({ reportKey: 'reports/rows.csv.json', rows: 2, accepted: 1, rejected: 1 }))
    const report = reportIn(store, 'reports/rows.csv.json')
    expect(report.rejected).toEqual([{ line: 2, reason: expect.stringContaining(reason) }])
    expect(report.rejected[0].reason.startsWith(reason)).toBe(true)
    expect(placedOrders(services.published).map((order) => order.orderId)).toEqual(['ok-1'])
  })

  it('rejects a row repeating the order id of an earlier row', async () => {
    const csv = `${header}\nord-1,cust-1,EUR,10,,,,\nord-1,cust-2,EUR,20,,,,\n`

    const { services, store } = await importFile('imports/dupes.csv', csv)

    expect(reportIn(store, 'reports/dupes.csv.json').rejected).toEqual([
      { line: 3, reason: 'orderId "ord-1" repeats the order on line 2' },
    ])
    expect(placedOrders(services.published).map((order) => order.customerId)).toEqual(['cust-1'])
  })

  it.each([
    ['an array of orders', (orders: unknown[]) => orders],
    ['an object {orders: [...]}', (orders: unknown[]) => ({ orders })],
  ])('places the orders of a JSON file holding %s, numbering rows from 1', async (_name, shape) => {
    // Prepare
    const orders = [
      { orderId: 'j-1', customerId: 'cust-1', currency: 'EUR', items: [{ sku: 'A', quantity: 1, unitPrice: 5 }] },
      { customerId: 'cust-2', currency: 'USD', totalAmount: 12 },
      { customerId: 'cust-3', currency: 'USD' },
      'not an order',
    ]
    const body = JSON.stringify(shape(orders))

    // Act
    const { exit, services, store, etag } = await importFile('imports/orders.json', body)

    // Assess
    expect(exit).toEqual(Exit.succeed({ reportKey: 'reports/orders.json.json', rows: 4, accepted: 2, rejected: 2 }))
    expect(placedOrders(services.published)).toEqual([
      {
        orderId: 'j-1',
        customerId: 'cust-1',
        currency: 'EUR',
        items: [{ sku: 'A', quantity: 1, unitPrice: 5 }],
        origin: 'import',
        placedAt: now,
      },
      {
        orderId: `imp-${etag.slice(0, 12)}-2`,
        customerId: 'cust-2',
        currency: 'USD',
        totalAmount: 12,
        origin: 'import',
        placedAt: now,
      },
    ])
    expect(reportIn(store, 'reports/orders.json.json')).toEqual({
      key: 'imports/orders.json',
      etag,
      format: 'json',
      rows: 4,
      accepted: 2,
      completedAt: now,
      rejected: [
        { line: 3, reason: 'items: items or totalAmount is required' },
        { line: 4, reason: 'must be an object, got "not an order"' },
      ],
    })
  })

  it.each([
    ['an empty CSV', 'imports/empty.csv', '', 'csv', 'the file is empty'],
    ['a JSON file of blank lines', 'imports/blank.json', '\n \r\n', 'json', 'the file is empty'],
    ['malformed JSON', 'imports/bad.json', '[{"customerId": "c",', 'json', 'malformed JSON: '],
    [
      'JSON of the wrong shape',
      'imports/shape.json',
      '{"items": []}',
      'json',
      'expected a JSON array of orders or an object {"orders": [...]}',
    ],
    [
      'a JSON number',
      'imports/number.json',
      '42',
      'json',
      'expected a JSON array of orders or an object {"orders": [...]}',
    ],
    [
      'JSON in a .csv file',
      'imports/orders.csv',
      '[{"customerId":"c","currency":"EUR","totalAmount":5}]',
      'csv',
      'not an orders CSV: the header row must name customerId and currency',
    ],
    [
      'a CSV with an unterminated quote',
      'imports/open.csv',
      'customerId,currency,totalAmount\ncust-1,"EUR,5\ncust-2,EUR,5\n',
      'csv',
      'malformed CSV: unterminated quoted field starting on line 2',
    ],
    [
      'a text file',
      'imports/notes.txt',
      'customerId,currency,totalAmount\n',
      'unknown',
      'unsupported file type: name the file .csv or .json (got notes.txt)',
    ],
    [
      'a file without an extension',
      'imports/orders',
      '[]',
      'unknown',
      'unsupported file type: name the file .csv or .json (got orders)',
    ],
    [
      'a PNG named .csv',
      'imports/photo.csv',
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      'csv',
      'the file is not UTF-8 text',
    ],
    ['text with NUL bytes', 'imports/nul.json', '[]\u0000', 'json', 'the file is binary, not text'],
  ])(
    'writes a report with an error for %s, places nothing, and does not fail',
    async (_name, key, body, format, error) => {
      // Prepare, Act
      const { exit, services, store, etag } = await importFile(key, body)

      // Assess
      const reportKey = reportKeyOf(key)
      expect(exit).toEqual(
        Exit.succeed({ reportKey, rows: 0, accepted: 0, rejected: 0, error: expect.stringContaining(error) }),
      )
      expect(reportIn(store, reportKey)).toEqual({
        key,
        etag,
        format,
        rows: 0,
        accepted: 0,
        rejected: [],
        error: expect.stringContaining(error),
        completedAt: now,
      })
      expect(reportIn(store, reportKey).error!.startsWith(error)).toBe(true)
      expect(services.published).toEqual([])
      expect(services.ledger.size).toBe(0)
    },
  )

  it('writes a report with an error when the file was deleted before it was imported', async () => {
    // Prepare
    const services = memoryServices({ now })
    const store = memoryStore({})
    const event = objectCreated('imports/gone.csv', bytes('customerId,currency,totalAmount\n'))

    // Act
    const exit = await runImport(services, store, event)

    // Assess
    expect(exit).toEqual(
      Exit.succeed({
        reportKey: 'reports/gone.csv.json',
        rows: 0,
        accepted: 0,
        rejected: 0,
        error: 'imports/gone.csv no longer exists (deleted before it was imported)',
      }),
    )
    expect(reportIn(store, 'reports/gone.csv.json')).toMatchObject({
      format: 'unknown',
      error: 'imports/gone.csv no longer exists (deleted before it was imported)',
    })
    expect(services.published).toEqual([])
  })

  it('imports nothing and writes no report when a newer version replaced the file: its own event imports it', async () => {
    // Prepare
    const services = memoryServices({ now })
    const store = memoryStore({ 'imports/june.csv': bytes('customerId,currency,totalAmount\ncust-1,EUR,7\n') })
    const event = objectCreated('imports/june.csv', bytes('customerId,currency,totalAmount\ncust-1,EUR,5\n'))

    // Act
    const exit = await runImport(services, store, event)

    // Assess
    expect(exit).toEqual(
      Exit.succeed({ reportKey: 'reports/june.csv.json', rows: 0, accepted: 0, rejected: 0, superseded: true }),
    )
    expect(services.published).toEqual([])
    expect(store.written.size).toBe(0)
  })

  it('places 10,000 rows once each, 10 a call, each call under its own completed claim', async () => {
    // Prepare
    const rows = Array.from({ length: 10_000 }, (_, index) =>
      index % 500 === 499
        ? `,cust-${index % 7},EURO,,,SKU-${index},1,2.5`
        : `,cust-${index % 7},EUR,,,"SKU, ${index}",${(index % 5) + 1},2.50`,
    )
    const csv = `${header}\r\n${rows.join('\r\n')}\r\n`
    const calls: number[] = []
    const services = memoryServices({ now })
    const counting = Layer.succeed(EventPublisher, {
      publish: (entries) =>
        Effect.sync(() => {
          calls.push(entries.length)
          services.published.push(...entries)
        }),
    })
    const store = memoryStore({ 'imports/big.csv': bytes(csv) })
    const event = objectCreated('imports/big.csv', bytes(csv))
    const lastValidId = `imp-${event.detail.object.etag.slice(0, 12)}-10000`

    // Act
    const exit = await runImport(services, store, event, counting)

    // Assess
    expect(exit).toEqual(
      Exit.succeed({ reportKey: 'reports/big.csv.json', rows: 10_000, accepted: 9_980, rejected: 20 }),
    )
    const orders = placedOrders(services.published)
    expect(orders).toHaveLength(9_980)
    expect(new Set(orders.map((order) => order.orderId)).size).toBe(9_980)
    expect(orders.find((order) => order.orderId === lastValidId)).toEqual(
      expect.objectContaining({ items: [{ sku: 'SKU, 9998', quantity: 4, unitPrice: 2.5 }] }),
    )
    expect(calls).toHaveLength(998)
    expect(calls.every((size) => size === 10)).toBe(true)
    expect([...services.ledger.values()].filter((claim) => claim.done && claim.owner === 'evt-import-1')).toHaveLength(
      998,
    )
    const report = reportIn(store, 'reports/big.csv.json')
    expect(report.rejected).toHaveLength(20)
    expect(report.rejected[0]).toEqual({ line: 501, reason: 'currency: must be a three-letter ISO 4217 code' })
  })

  it.each([
    ['the same event again (a workflow retry)', 'evt-import-1'],
    ['another delivery of the upload (another event id)', 'evt-import-2'],
  ])(
    'publishes nothing new when importing the same file version with %s, and writes the same report',
    async (_name, secondId) => {
      // Prepare
      const csv = `${header}\n${Array.from({ length: 25 }, (_, index) => `,cust-1,EUR,${index + 1},,,,`).join('\n')}\n`
      const { services, store, event } = await importFile('imports/again.csv', csv)
      const firstReport = reportIn(store, 'reports/again.csv.json')

      // Act
      const exit = await runImport(services, store, { ...event, id: secondId })

      // Assess
      expect(exit).toEqual(Exit.succeed({ reportKey: 'reports/again.csv.json', rows: 25, accepted: 25, rejected: 0 }))
      expect(services.published).toHaveLength(25)
      expect(reportIn(store, 'reports/again.csv.json')).toEqual(firstReport)
    },
  )

  it('fails with TransientError when a publish fails, releasing that chunk, and a retry places the rest exactly once', async () => {
    // Prepare
    const fault = new TransientError({ operation: 'events:PutEvents', message: 'ThrottlingException' })
    const csv = `${header}\n${Array.from({ length: 95 }, (_, index) => `o-${index},cust-1,EUR,${index + 1},,,,`).join('\n')}\n`
    const services = memoryServices({ now })
    const store = memoryStore({ 'imports/flaky.csv': bytes(csv) })
    const event = objectCreated('imports/flaky.csv', bytes(csv))
    const failOnChunkOf = (orderId: string) =>
      Layer.succeed(EventPublisher, {
        publish: (entries) =>
          entries.some((entry) => JSON.parse(entry.Detail).orderId === orderId)
            ? Effect.fail(fault)
            : Effect.sync(() => void services.published.push(...entries)),
      })

    // Act
    const failed = await runImport(services, store, event, failOnChunkOf('o-42'))
    const failedChunk = importChunkKey('imports/flaky.csv', event.detail.object.etag, 4)
    const claimedAfterFailure = services.ledger.has(failedChunk)
    const publishedBeforeRetry = services.published.length
    const reportBeforeRetry = store.objects.has('reports/flaky.csv.json')
    const retried = await runImport(services, store, event)

    // Assess
    expect(failed).toEqual(Exit.fail(fault))
    expect(claimedAfterFailure).toBe(false)
    expect(reportBeforeRetry).toBe(false)
    expect(publishedBeforeRetry).toBeLessThan(95)
    expect(services.ledger.get(failedChunk)).toEqual({ owner: 'evt-import-1', done: true })
    expect(retried).toEqual(Exit.succeed({ reportKey: 'reports/flaky.csv.json', rows: 95, accepted: 95, rejected: 0 }))
    const orderIds = placedOrders(services.published).map((order) => order.orderId)
    expect(orderIds).toHaveLength(95)
    expect(new Set(orderIds)).toEqual(new Set(Array.from({ length: 95 }, (_, index) => `o-${index}`)))
  })

  it('fails with TransientError when the file cannot be read, writing no report', async () => {
    const fault = new TransientError({ operation: 's3:GetObject', message: 'SlowDown' })
    const services = memoryServices({ now })
    const store = memoryStore({ 'imports/june.csv': bytes('x') }, { fail: { get: fault } })

    const exit = await runImport(services, store, objectCreated('imports/june.csv', bytes('x')))

    expect(exit).toEqual(Exit.fail(fault))
    expect(store.written.size).toBe(0)
  })

  it('fails with InvalidInput for a key outside imports/ (a misrouted event)', async () => {
    const services = memoryServices({ now })
    const store = memoryStore({ 'uploads/cat.csv': bytes('x') })

    const exit = await runImport(services, store, objectCreated('uploads/cat.csv', bytes('x')))

    expect(exit).toEqual(Exit.fail(new InvalidInput({ message: 'object key "uploads/cat.csv" is not under imports/' })))
    expect(store.calls).toEqual([])
  })
})
