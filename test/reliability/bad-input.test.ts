import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { main } from '../../cli/main'
import * as images from '../support/images'
import { health, startChild, stopChild, waitUntilIdle, type ChildPipeline } from '../../bench/support/child'
import { httpRequest, rawRequest, type RawAnswer } from './support/raw-http'

/** What a stack trace looks like in a body or on stderr: `    at fn (file.ts:12:5)`. */
const StackTrace = /\n\s+at .+[:(]\d+:\d+\)?/
const RequestTimeoutMs = 2000
const MaxUploadBytes = 1024 * 1024

let root: string
let dataDir: string
let server: ChildPipeline
const answers: RawAnswer[] = []

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'pipeline-bad-input-'))
  dataDir = path.join(root, 'data')
  mkdirSync(dataDir)
  server = await startChild(dataDir, {
    MAX_UPLOAD_BYTES: String(MaxUploadBytes),
    PIPELINE_REQUEST_TIMEOUT_MS: String(RequestTimeoutMs),
    PIPELINE_QUEUE_VISIBILITY_MS: '100',
  })
})
afterAll(async () => {
  if (server) await stopChild(server)
  rmSync(root, { recursive: true, force: true })
})

/** The server is still whole: alive, healthy, and nothing it answered showed a stack trace. */
const expectHealthy = async () => {
  expect(server.child.exitCode).toBeNull()
  expect((await health(server.url)).status).toBe('ok')
  expect(answers.filter((answer) => StackTrace.test(answer.body))).toEqual([])
  // Nothing was written beside the data directory.
  expect(readdirSync(root)).toEqual(['data'])
}

const send = async (request: Buffer) => {
  const answer = await rawRequest(server.url, request)
  answers.push(answer)
  return answer
}

const json = (answer: RawAnswer) =>
  JSON.parse(answer.body) as { error?: string; message?: string; fields?: Array<{ path: string }> }

type Expected = readonly [status: number, error: string | undefined, names: string | undefined]

/** Asserts the status, the error name and that the message (or a named field) names what was wrong. */
const expectRefusal = (answer: RawAnswer, [status, error, names]: Expected) => {
  expect(answer.status).toBe(status)
  if (error === undefined) return
  const body = json(answer)
  expect(body.error).toBe(error)
  if (names !== undefined)
    expect(`${body.message} ${(body.fields ?? []).map((field) => field.path).join(' ')}`).toContain(names)
}

const orderJson = { customerId: 'c-1', items: [{ sku: 'A', quantity: 1, unitPrice: 2 }], currency: 'EUR' }
const post = (target: string, body: string | Buffer, contentType = 'application/json') =>
  httpRequest('POST', target, { body, headers: { 'content-type': contentType } })
const put = (target: string, body: string | Buffer = 'x') => httpRequest('PUT', target, { body })
const get = (target: string) => httpRequest('GET', target)
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

describe('keys and URLs that try to leave the data directory', () => {
  it.each<[string, Buffer, Expected]>([
    [
      'a "../" path segment, percent-encoded',
      put('/uploads/a/%2e%2e/%2e%2e/%2e%2e/escape.jpg'),
      [400, 'InvalidPath', 'path'],
    ],
    ['a "../" path segment, half encoded', put('/uploads/a/.%2E/b.jpg'), [400, 'InvalidPath', 'path']],
    ['an encoded "../" in one segment', put('/uploads/%2e%2e%2f%2e%2e%2fescape.jpg'), [400, 'InvalidObjectKey', 'key']],
    ['a mixed-case encoded "..\\"', put('/uploads/%2E%2E%5Cescape.jpg'), [400, 'InvalidObjectKey', 'key']],
    ['backslash separators', put('/uploads/..%5C..%5Cwin.ini'), [400, 'InvalidObjectKey', 'key']],
    ['a literal backslash', put('/uploads/a\\..\\b.jpg'), [400, 'InvalidPath', 'backslashes']],
    ['a "." segment', put('/uploads/a/%2e/b.jpg'), [400, 'InvalidPath', 'path']],
    ['an import key with "../"', put('/imports/%2e%2e%2f%2e%2e%2fescape.csv'), [400, 'InvalidObjectKey', 'key']],
    ['a NUL byte in the key', put('/uploads/a%00b.jpg'), [400, 'InvalidObjectKey', 'key']],
    ['a control character in the key', put('/uploads/a%0Ab.jpg'), [400, 'InvalidObjectKey', 'key']],
    ['a key over 1024 bytes', put(`/uploads/${'k'.repeat(1100)}.jpg`), [400, 'InvalidObjectKey', 'key']],
    ['broken percent-encoding', put('/uploads/%E0%A4%A.jpg'), [400, 'InvalidPath', 'percent-encoding']],
    ['percent-encoded invalid UTF-8', put('/uploads/%C3%28.jpg'), [400, 'InvalidPath', 'percent-encoding']],
    ['reading an object by "../" (GET)', get('/objects/..%2f..%2fpipeline.db'), [400, 'InvalidObjectKey', 'key']],
    ['reading an object by an absolute path', get('/objects/%2fetc%2fpasswd'), [400, 'InvalidObjectKey', 'key']],
    ['reading an object by a backslash path', get('/objects/..%5cpipeline.db'), [400, 'InvalidObjectKey', 'key']],
    ['a plain "../" in the URL', get('/objects/../../../etc/passwd'), [400, 'InvalidPath', 'path']],
    [
      'a "../" in an execution name',
      get('/executions/..%2f..%2fpipeline.db'),
      [404, 'ExecutionDoesNotExist', 'pipeline.db'],
    ],
    ['a "../" image key', get('/images/..%2f..%2fetc%2fpasswd'), [404, 'NotFound', 'passwd']],
  ])('refuses %s', async (_name, request, expected) => {
    expectRefusal(await send(request), expected)
  })

  it('takes a double-encoded "../" as the literal key it spells, inside the bucket', async () => {
    const stored = await send(put('/uploads/%252e%252e%252fdouble.txt', 'literal'))
    expect(stored.status).toBe(200)
    expect(json(stored)).toMatchObject({ key: 'uploads/%2e%2e%2fdouble.txt' })
    const read = await send(get('/objects/uploads%2F%252e%252e%252fdouble.txt'))
    expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: 'literal' })
  })

  afterAll(expectHealthy)
})

describe('malformed requests', () => {
  it.each<[string, Buffer, Expected]>([
    ['an unknown route', get('/nowhere'), [404, 'NotFound', '/nowhere']],
    ['an unknown method on a known route', httpRequest('DELETE', '/health'), [405, 'MethodNotAllowed', 'DELETE']],
    ['a PATCH on uploads', httpRequest('PATCH', '/uploads/a.jpg', { body: 'x' }), [405, 'MethodNotAllowed', 'PATCH']],
    [
      'a header over 16 KB',
      httpRequest('GET', '/health', { headers: { 'x-padding': 'p'.repeat(20_000) } }),
      [431, undefined, undefined],
    ],
    [
      'a NUL byte in a header',
      Buffer.from('GET /health HTTP/1.1\r\nhost: localhost\r\nx-bad: a\0b\r\nconnection: close\r\n\r\n', 'latin1'),
      [400, undefined, undefined],
    ],
    [
      'a NUL byte in the request line',
      Buffer.from('GET /he\0alth HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n', 'latin1'),
      [400, undefined, undefined],
    ],
    [
      'an order body over 256 KB',
      post('/orders', JSON.stringify({ ...orderJson, note: 'n'.repeat(300_000) })),
      [413, 'PayloadTooLarge', '262144'],
    ],
    [
      "an order body over the API's 10 MB",
      post('/orders', Buffer.alloc(11 * 1024 * 1024, 0x20)),
      [413, 'PayloadTooLarge', 'bytes'],
    ],
    [
      'an upload declared over the limit',
      put('/uploads/big.jpg', Buffer.alloc(MaxUploadBytes + 1)),
      [413, 'EntityTooLarge', 'limit'],
    ],
    [
      'a PutEvents batch over 1 MB',
      post('/events', JSON.stringify({ Entries: [{ Detail: 'd'.repeat(1_100_000) }] })),
      [413, 'PayloadTooLarge', 'bytes'],
    ],
    [
      'an order whose fields have the wrong types',
      post('/orders', JSON.stringify({ customerId: 5, items: 'many', currency: 1 })),
      [400, 'ValidationFailed', 'customerId'],
    ],
    [
      'an order item with a negative quantity',
      post('/orders', JSON.stringify({ ...orderJson, items: [{ sku: 'A', quantity: -1, unitPrice: 2 }] })),
      [400, 'ValidationFailed', 'items[0].quantity'],
    ],
    [
      'an order whose customer id holds a NUL byte',
      post('/orders', JSON.stringify({ ...orderJson, customerId: 'c\u00001' })),
      [400, 'ValidationFailed', 'customerId'],
    ],
    [
      'an order as text/plain',
      post('/orders', JSON.stringify(orderJson), 'text/plain'),
      [415, 'UnsupportedMediaType', 'application/json'],
    ],
    ['an order that is not JSON', post('/orders', '{"customerId": '), [400, 'MalformedJson', 'JSON']],
    [
      'an order in invalid UTF-8',
      post('/orders', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
      [400, 'MalformedJson', 'UTF-8'],
    ],
    ['an order that is an array', post('/orders', '[]'), [400, 'ValidationFailed', 'object']],
    ['an order of 100k nested arrays', post('/orders', deep(100_000)), [400, 'ValidationFailed', 'object']],
    [
      'an order field of 100k nested arrays',
      post('/orders', `{"customerId":${deep(100_000)},"currency":"EUR","totalAmount":1}`),
      [400, 'ValidationFailed', 'customerId'],
    ],
    [
      'a user of 100k nested arrays',
      post('/users', `{"username":${deep(100_000)},"email":"a@b.co"}`),
      [400, 'ValidationFailed', 'username'],
    ],
    [
      'PutEvents with a detail of 100k nested arrays',
      post(
        '/events',
        JSON.stringify({ Entries: [{ Source: 's', DetailType: 'd', Detail: `{"a":${deep(100_000)}}` }] }),
      ),
      [400, 'ValidationException', 'Detail'],
    ],
    [
      'a pattern of 100k nested arrays',
      post('/test-pattern', `{"pattern":{"a":${deep(100_000)}},"event":{}}`),
      [400, 'InvalidEventPatternException', undefined],
    ],
    [
      'an Idempotency-Key of 300 characters',
      httpRequest('POST', '/orders', {
        body: JSON.stringify(orderJson),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(300) },
      }),
      [400, 'InvalidIdempotencyKey', 'Idempotency-Key'],
    ],
    ['PutEvents without Entries', post('/events', '{"entries":[]}'), [400, 'ValidationException', "'entries'"]],
    [
      'a replay with a numeric from',
      post('/replays', '{"from":1,"to":"2026-01-01T00:00:00Z"}'),
      [400, 'ValidationException', 'from'],
    ],
    [
      'a control route sent as form data',
      post('/test-pattern', 'a=b', 'application/x-www-form-urlencoded'),
      [415, 'UnsupportedMediaType', 'content-type'],
    ],
  ])('answers %s', async (_name, request, expected) => {
    expectRefusal(await send(request), expected)
  })

  afterAll(expectHealthy)
})

describe('bad query parameters', () => {
  it.each<[string, string, Expected]>([
    ['a limit that is not a number', '/executions?limit=ten', [400, 'InvalidParameter', 'limit']],
    ['a limit over the maximum', '/executions?limit=100000', [400, 'InvalidParameter', 'limit']],
    ['an unknown status', '/executions?status=DONE', [400, 'InvalidParameter', 'status']],
    ['a time that is not a time', '/events?from=yesterday', [400, 'InvalidParameter', 'from']],
    ['a negative cursor', '/events?after=-1', [400, 'InvalidParameter', 'after']],
    ['a pattern that is not JSON', '/events?pattern=%7Bsource', [400, 'InvalidEventPatternException', undefined]],
    ['a search without text', '/search?q=%20', [400, 'InvalidParameter', 'q']],
    ['an order listing without a customer', '/orders?limit=5', [400, 'ValidationFailed', 'customerId']],
    ['an order listing with a limit of 1000', '/orders?customerId=c-1&limit=1000', [400, 'ValidationFailed', 'limit']],
    ['a repeated, conflicting limit', '/executions?limit=1&limit=abc', [200, undefined, undefined]],
  ])('answers %s', async (_name, target, expected) => {
    expectRefusal(await send(get(target)), expected)
  })

  afterAll(expectHealthy)
})

describe('slow clients', () => {
  it('times out a body that never finishes, while other requests go on', async () => {
    // Prepare: a request that promises 1 KB and sends a byte every 300 ms (slowloris), well past the request timeout.
    const head = Buffer.from(
      `POST /orders HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 1024\r\nconnection: close\r\n\r\n{`,
      'latin1',
    )
    const slow = rawRequest(server.url, head, { pieces: Array.from({ length: 200 }, () => ' '), everyMs: 300 })
    const slowHeaders = rawRequest(server.url, 'GET /health HTTP/1.1\r\n', {
      pieces: Array.from({ length: 200 }, (_, i) => `x-${i}: y\r\n`),
      everyMs: 300,
    })

    // Act: meanwhile, ordinary requests.
    const others = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${server.url}/health`).then((response) => response.status)),
    )
    const [cut, cutHeaders] = await Promise.all([slow, slowHeaders])

    // Assess: both slow clients were answered 408 (or cut) long before they would have finished (60 s).
    expect(others).toEqual(others.map(() => 200))
    for (const answer of [cut, cutHeaders]) {
      expect([408, 0]).toContain(answer.status)
      expect(answer.closedAfterMs).toBeLessThan(30_000)
    }
  }, 60_000)

  afterAll(expectHealthy)
})

describe('uploads', () => {
  it('keeps one object, one record and one outcome when ten uploads of one key race', async () => {
    // Prepare: ten different images for the same key.
    const bodies = await Promise.all(Array.from({ length: 10 }, (_, i) => images.jpeg(100 + i, 80)))

    // Act
    const puts = await Promise.all(
      bodies.map((body) =>
        fetch(`${server.url}/uploads/race/same.jpg`, { method: 'PUT', body }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { etag: string },
        })),
      ),
    )
    await waitUntilIdle(server.url)

    // Assess: all accepted; the object that stands is one of them and its record is about that version.
    expect(puts.map((answer) => answer.status)).toEqual(puts.map(() => 200))
    const object = await fetch(`${server.url}/objects/uploads/race/same.jpg`)
    const etag = object.headers.get('etag')!.replace(/"/g, '')
    expect(puts.map((answer) => answer.body.etag)).toContain(etag)
    const record = (await (await fetch(`${server.url}/images/race/same.jpg`)).json()) as {
      etag: string
      status: string
    }
    expect(record).toMatchObject({ etag, status: 'PROCESSED' })
    const db = new DatabaseSync(path.join(dataDir, 'pipeline.db'), { readOnly: true })
    try {
      const perVersion = db
        .prepare(
          "SELECT json_extract(event, '$.detail.etag') AS etag, COUNT(*) AS n FROM events WHERE detail_type = 'ImageProcessed' AND json_extract(event, '$.detail.key') = 'uploads/race/same.jpg' GROUP BY etag",
        )
        .all() as Array<{ etag: string; n: number }>
      expect(perVersion.filter((row) => row.n !== 1)).toEqual([])
      expect(perVersion.map((row) => row.etag)).toContain(etag)
    } finally {
      db.close()
    }
  }, 120_000)

  it.each<[string, Buffer, string]>([
    ['an empty file', images.emptyFile(), 'empty.jpg'],
    ['a text file named .jpg', images.textFile(), 'text.jpg'],
    ['an SVG named .png', images.svg(), 'vector.png'],
  ])(
    'accepts %s as an upload and dead-letters it with its reason',
    async (_name, body, name) => {
      const key = `uploads/bad/${name}`
      expect((await fetch(`${server.url}/${key}`, { method: 'PUT', body })).status).toBe(200)
      const letter = await deadLetterAbout(key, 'ImageDeadLetters')
      expect(letter.body).toMatchObject({
        workflow: 'image',
        error: expect.stringMatching(/\w/),
        cause: expect.stringMatching(/\w/),
      })
    },
    120_000,
  )

  afterAll(expectHealthy)
})

interface DlqAnswer {
  queues: Array<{ name: string; messages: Array<{ body: Record<string, unknown>; deadLetter?: { reason: string } }> }>
}

/** Waits until a DLQ holds a message about `text`; bounded by the test's timeout. */
const deadLetterAbout = async (text: string, queue: string) => {
  for (;;) {
    const dlq = (await (await fetch(`${server.url}/dlq`)).json()) as DlqAnswer
    const found = dlq.queues
      .find((candidate) => candidate.name === queue)
      ?.messages.find((message) => JSON.stringify(message).includes(text))
    if (found) return found
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('queue messages', () => {
  it.each<[string, string, string]>([
    ['a body that is not JSON', 'not json at all <bad-1>', 'malformed JSON'],
    ['a JSON array', '["bad-2"]', 'must be a JSON object'],
    ['an order missing its fields', '{"orderId":"bad-3"}', 'customerId'],
    [
      'an order with wrong types',
      '{"orderId":"bad-4","customerId":7,"currency":"EUR","totalAmount":"ten"}',
      'totalAmount',
    ],
    [
      'an order of deeply nested arrays',
      `{"orderId":"bad-5","customerId":${deep(50_000)},"currency":"EUR","totalAmount":1}`,
      'customerId',
    ],
  ])(
    'sends %s to the DLQ with the reason',
    async (_name, body, reason) => {
      const sent = await send(post('/queues/orders/messages', body, 'text/plain'))
      expect(sent.status).toBe(202)
      const marker = /bad-\d/.exec(body)![0]
      const letter = await deadLetterAbout(marker, 'OrdersQueueDeadLetters')
      expect(letter.deadLetter?.reason).toContain(reason)
    },
    60_000,
  )

  it.each<[string, Buffer, Expected]>([
    ['an empty message', post('/queues/orders/messages', '', 'text/plain'), [400, 'InvalidMessage', 'body']],
    [
      'a message over 1 MiB, the queue limit',
      post('/queues/orders/messages', 'm'.repeat(1_100_000), 'text/plain'),
      [413, 'PayloadTooLarge', 'bytes'],
    ],
    ['a queue that does not exist', post('/queues/nope/messages', '{}'), [404, 'QueueDoesNotExist', 'nope']],
  ])('refuses %s', async (_name, request, expected) => {
    expectRefusal(await send(request), expected)
  })

  afterAll(expectHealthy)
})

interface Report {
  rows: number
  accepted: number
  rejected: Array<{ line: number; reason: string }>
  error?: string
}

describe('imported files', () => {
  const importFile = async (name: string, body: string) => {
    expect((await fetch(`${server.url}/imports/bad/${name}`, { method: 'PUT', body })).status).toBe(200)
    await waitUntilIdle(server.url)
    for (;;) {
      const report = await fetch(`${server.url}/objects/reports/bad/${name}.json`)
      if (report.status === 200) return (await report.json()) as Report
      const letter = (await (await fetch(`${server.url}/dlq`)).json()) as DlqAnswer
      const dead = letter.queues
        .find((queue) => queue.name === 'ImportDeadLetters')
        ?.messages.find((message) => JSON.stringify(message).includes(`imports/bad/${name}`))
      if (dead)
        return { rows: 0, accepted: 0, rejected: [], error: `${String(dead.body.error)}: ${String(dead.body.cause)}` }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  it.each<[string, string, string, (report: Report) => void]>([
    [
      'a CSV without the needed columns',
      'sku,quantity\nA,1\n',
      'columns.csv',
      (report) => expect(report.error).toMatch(/orderId|customerId|column/),
    ],
    [
      'a CSV with bad rows among good ones',
      'orderId,customerId,currency,sku,quantity,unitPrice\nimp-1,c-1,EUR,A,1,2\nimp-2,c-1,EUR,A,-3,2\nimp-3,,EUR,A,1,2\nimp-4,c-1,EUR,A,1\n',
      'rows.csv',
      (report) => expect(report.rejected.map((row) => row.line)).toEqual([3, 4, 5]),
    ],
    [
      'a CSV with an unterminated quote',
      'orderId,customerId,currency,sku,quantity,unitPrice\n"imp-7,c-1,EUR,A,1,2\n',
      'quote.csv',
      (report) => expect(report.error).toMatch(/unterminated/),
    ],
    [
      'a JSON import that is not JSON',
      '[{"orderId": "imp-5",',
      'broken.json',
      (report) => expect(report.error).toMatch(/JSON/),
    ],
    [
      'a JSON import that is an object, not a list',
      '{"orderId":"imp-6"}',
      'object.json',
      (report) => expect(report.error).toMatch(/array|list/i),
    ],
    [
      'a JSON import with a row of 50k nested arrays',
      `[{"orderId":"imp-8","customerId":${deep(50_000)},"currency":"EUR","totalAmount":1}]`,
      'deep.json',
      (report) => expect(report.error ?? report.rejected[0]?.reason).toMatch(/customerId|deep/),
    ],
    [
      'a binary file named .csv',
      '\u0000\u0001\u0002PK\u0003\u0004',
      'binary.csv',
      (report) => expect(report.error ?? report.rejected[0]?.reason).toMatch(/\w/),
    ],
  ])(
    'reports %s, line by line or as a whole',
    async (_name, body, name, assess) => {
      assess(await importFile(name, body))
    },
    60_000,
  )

  afterAll(expectHealthy)
})

describe('command-line arguments', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pipeline-bad-cli-'))
    writeFileSync(path.join(dir, 'photo.jpg'), 'x')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const cli = async (...argv: string[]) => {
    let stdout = ''
    let stderr = ''
    const code = await main(argv, {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: { PIPELINE_URL: server.url },
    })
    return { code, stdout, stderr }
  }

  it.each<[string, string[], string]>([
    ['an unknown command', ['frobnicate'], "unknown command 'frobnicate'"],
    ['an unknown option', ['executions', '--bogus'], '--bogus'],
    ['a limit that is not a number', ['executions', '--limit', 'ten'], '--limit'],
    ['a missing file', ['upload', path.join('no', 'such', 'photo.jpg')], 'photo.jpg'],
    ['no file at all', ['upload'], 'upload'],
    ['a time that is not a time', ['replay', '--from', 'someday', '--to', 'now'], '--from'],
    ['an unknown target', ['health', '--target', 'mars'], 'mars'],
    ['an option without its value', ['executions', '--status'], '--status'],
    [
      'an order item that is not SKU:QTY:PRICE',
      ['orders', 'place', '--customer', 'c-1', '--currency', 'EUR', '--item', 'A:x:1'],
      '--item',
    ],
    [
      'an order total that is not a number',
      ['orders', 'place', '--customer', 'c-1', '--currency', 'EUR', '--total', 'ten'],
      '--total',
    ],
    [
      'an order with both items and a total',
      ['orders', 'place', '--customer', 'c-1', '--currency', 'EUR', '--total', '1', '--item', 'A:1:1'],
      '--total',
    ],
  ])('exits 2 for %s, with a message and no stack trace', async (_name, argv, names) => {
    const result = await cli(...argv)
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringContaining(names) })
    expect(result.stderr).not.toMatch(StackTrace)
  })

  afterAll(expectHealthy)
})

describe('settings', () => {
  it.each([
    ['an upload limit of 0, which would refuse every upload', 'MAX_UPLOAD_BYTES', '0', 'a positive integer'],
    ['no executions at once', 'PIPELINE_CONCURRENCY', '0', 'a positive integer'],
    ['a request timeout that is not a number', 'PIPELINE_REQUEST_TIMEOUT_MS', 'soon', 'a positive integer'],
    ['a negative port', 'PORT', '-1', 'a non-negative integer'],
  ])('refuses %s at start-up, naming the setting (exit 2)', async (_name, variable, value, expected) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-settings-'))
    try {
      await expect(startChild(dir, { [variable]: value })).rejects.toThrow(
        new RegExp(`exited with 2 before serving:\\n${variable} must be ${expected}, got "${value}"`),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
