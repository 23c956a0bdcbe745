import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ImportReport } from '../../../../cli/client'
import { main } from '../../../../cli/main'
import { captureIo, plain, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

const csv = 'customerId,totalAmount,currency\nc-1,10,USD\nc-2,20,EUR\n'

let dir: string
let runtime: FakeRuntime | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-import-'))
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

/** A report for this upload: every row accepted unless `overrides` says otherwise. */
const report = (key: string, etag: string, overrides: Partial<ImportReport> = {}): ImportReport => ({
  key,
  etag,
  format: 'csv',
  rows: 2,
  accepted: 2,
  rejected: [],
  completedAt: new Date().toISOString(),
  ...overrides,
})

const reportPolls = (fake: FakeRuntime) =>
  fake.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/objects/'))

describe('pipeline import', () => {
  it('uploads FILE under imports/{basename} and prints the key without waiting', async () => {
    // Prepare
    runtime = await startFakeRuntime({ importReport: (key, _body, etag) => report(key, etag) })
    const path = file('orders.csv', csv)
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['import', path], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe('UPLOADED  imports/orders.csv  54 B\n')
    expect(stderr()).toBe('')
    expect(runtime.requests).toEqual([
      { method: 'PUT', path: '/imports/orders.csv', query: {}, contentType: 'text/csv' },
    ])
  })

  it('with --wait, skips the report of an older version and prints IMPORTED when every row was accepted', async () => {
    // Prepare: an earlier upload's report is already there; this upload's report shows on the second poll, its etag quoted.
    const older = report('imports/orders.csv', 'an-older-etag', {
      rows: 5,
      accepted: 0,
      rejected: [{ line: 2, reason: 'old' }],
    })
    runtime = await startFakeRuntime({
      objects: { 'reports/orders.csv.json': older },
      pollsBeforeReport: 1,
      importReport: (key, _body, etag) => report(key, `"${etag.toUpperCase()}"`),
    })
    const path = file('orders.csv', csv)
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['import', path, '--wait'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe('IMPORTED  imports/orders.csv  csv, 2 rows: 2 accepted\n')
    expect(stderr()).toBe('uploaded imports/orders.csv (54 B); waiting for its report reports/orders.csv.json\n')
    expect(reportPolls(runtime).map((request) => request.path)).toEqual([
      '/objects/reports/orders.csv.json',
      '/objects/reports/orders.csv.json',
    ])
  })

  it('with --wait, lists the first 10 rejected rows and exits 1 when any row was rejected', async () => {
    const rejected = Array.from({ length: 12 }, (_, index) => ({
      line: index + 2,
      reason: `customerId:\n must not be empty (${index + 2})`,
    }))
    runtime = await startFakeRuntime({
      importReport: (key, _body, etag) => report(key, etag, { rows: 15, accepted: 3, rejected }),
    })
    const path = file('orders.csv', csv)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['import', path, '--wait'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe(
      [
        'REJECTED  imports/orders.csv  csv, 15 rows: 3 accepted, 12 rejected',
        ...Array.from(
          { length: 10 },
          (_, index) => `  line ${index + 2}: customerId: must not be empty (${index + 2})`,
        ),
        '  ... and 2 more (--json lists them all)',
        '',
      ].join('\n'),
    )
  })

  it("with --wait, prints the report's error and exits 1 when the file could not be read", async () => {
    runtime = await startFakeRuntime({
      importReport: (key, _body, etag) =>
        report(key, etag, { format: 'unknown', rows: 0, accepted: 0, error: 'the file is neither CSV nor JSON' }),
    })
    const path = file('notes.txt', 'just some notes')
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['import', path, '--wait'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe('FAILED    imports/notes.txt  the file could not be read: the file is neither CSV nor JSON\n')
    expect(runtime.requests[0]?.contentType).toBe('application/octet-stream')
  })

  it('with --wait, gives up after --timeout and exits 1', async () => {
    runtime = await startFakeRuntime()
    const path = file('orders.csv', csv)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['import', path, '--wait', '--timeout', '0.3'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe(
      "TIMEOUT   imports/orders.csv  no report after 0.3s; see 'pipeline executions --key imports/orders.csv'\n",
    )
    expect(reportPolls(runtime).length).toBeGreaterThanOrEqual(2)
  })

  it('with --wait --json, prints the result with the whole report', async () => {
    const rejected = [{ line: 3, reason: 'currency: must be a three-letter ISO 4217 code' }]
    runtime = await startFakeRuntime({
      importReport: (key, _body, etag) => report(key, etag, { format: 'json', rows: 2, accepted: 1, rejected }),
    })
    const path = file('orders.json', '[]')
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['import', path, '--wait', '--json'], io)

    expect(code).toBe(1)
    const result = JSON.parse(stdout()) as Record<string, unknown>
    expect(result).toMatchObject({
      file: path,
      key: 'imports/orders.json',
      reportKey: 'reports/orders.json.json',
      status: 'REJECTED',
      size: 2,
    })
    expect(result.report).toMatchObject({ format: 'json', rows: 2, accepted: 1, rejected })
    expect(runtime.requests[0]?.contentType).toBe('application/json')
  })

  it('puts the file at imports/K with --key, encoding each segment, and polls the matching report', async () => {
    runtime = await startFakeRuntime({ importReport: (key, _body, etag) => report(key, etag) })
    const path = file('orders.csv', csv)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['import', path, '--key', 'imports/2024/june orders.csv', '--wait'], io)

    expect(code).toBe(0)
    expect(runtime.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'PUT /imports/2024/june%20orders.csv',
      'GET /objects/reports/2024/june%20orders.csv.json',
    ])
    expect(stdout()).toBe('IMPORTED  imports/2024/june orders.csv  csv, 2 rows: 2 accepted\n')
  })

  it('colours the status on a terminal', async () => {
    runtime = await startFakeRuntime({ importReport: (key, _body, etag) => report(key, etag) })
    const path = file('orders.csv', csv)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url }, { tty: true })

    await main(['import', path, '--wait'], io)

    expect(stdout()).toContain('\x1b[32m')
    expect(plain(stdout())).toBe('IMPORTED  imports/orders.csv  csv, 2 rows: 2 accepted\n')
  })

  it.each([
    {
      name: 'a missing file',
      argv: (): string[] => [join(dir, 'nope.csv')],
      message: (): string => `pipeline import: no such file: ${join(dir, 'nope.csv')}`,
    },
    { name: 'a directory', argv: (): string[] => [dir], message: (): string => `pipeline import: not a file: ${dir}` },
    { name: 'no file', argv: (): string[] => [], message: (): string => 'pipeline import: missing FILE' },
    {
      name: 'two files',
      argv: (): string[] => [file('a.csv', csv), file('b.csv', csv)],
      message: (): string => 'pipeline import: unexpected argument',
    },
    {
      name: '--timeout without --wait',
      argv: (): string[] => [file('a.csv', csv), '--timeout', '5'],
      message: (): string => '--timeout only applies with --wait',
    },
    {
      name: 'a --timeout that is not a number',
      argv: (): string[] => [file('a.csv', csv), '--wait', '--timeout', 'soon'],
      message: (): string => '--timeout must be a positive number',
    },
    {
      name: 'a --key with a ".." segment',
      argv: (): string[] => [file('a.csv', csv), '--key', '../a.csv'],
      message: (): string => 'which has an empty, "." or ".." path segment',
    },
    {
      name: 'an empty --key',
      argv: (): string[] => [file('a.csv', csv), '--key', 'imports/'],
      message: (): string => 'which has an empty, "." or ".." path segment',
    },
  ])('exits 2 and uploads nothing on $name', async ({ argv, message }) => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['import', ...argv()], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(message())
    expect(stdout()).toBe('')
    expect(runtime.requests).toEqual([])
  })
})
