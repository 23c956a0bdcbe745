import { getJson, settle, startPipeline, type RunningPipeline } from '../support/pipeline'

interface Report {
  key: string
  etag: string
  format: string
  rows: number
  accepted: number
  rejected: Array<{ line: number; reason: string }>
  error?: string
}

let pipeline: RunningPipeline
let customerId: string

beforeAll(async () => {
  pipeline = await startPipeline()
  const user = await fetch(`${pipeline.url}/users`, {
    method: 'POST',
    body: JSON.stringify({ username: 'importer', email: 'importer@example.com' }),
    headers: { 'content-type': 'application/json' },
  })
  customerId = ((await user.json()) as { userId: string }).userId
})
afterAll(() => pipeline.close())

const importFile = async (key: string, body: string) => {
  const put = await fetch(`${pipeline.url}/imports/${key}`, { method: 'PUT', body })
  expect(put.status).toBe(200)
  const { etag } = (await put.json()) as { etag: string }
  await settle(pipeline)
  const report = await getJson<Report>(`${pipeline.url}/objects/reports/${key}.json`)
  expect(report.status).toBe(200)
  expect(report.body.etag).toBe(etag)
  return report.body
}

const decided = (prefix: string) =>
  pipeline.runtime.db
    .prepare(
      `SELECT json_extract(item, '$.status') AS status, COUNT(*) AS n FROM table_items
    WHERE table_name = 'Orders' AND json_extract(item, '$.orderId') LIKE ? GROUP BY status ORDER BY status`,
    )
    .all(`${prefix}%`)

const placedEvents = (prefix: string) =>
  (
    pipeline.runtime.db
      .prepare(
        `SELECT COUNT(*) AS n FROM events WHERE bus = 'Pipeline' AND detail_type = 'OrderPlaced' AND json_extract(event, '$.detail.orderId') LIKE ?`,
      )
      .get(`${prefix}%`) as { n: number }
  ).n

describe('bulk import of orders', () => {
  it('imports a 10,000-row CSV: every valid row becomes one decided order, every bad row is reported by line', async () => {
    // Prepare: 10,000 rows, every 1,000th with a negative quantity.
    const lines = ['orderId,customerId,currency,sku,quantity,unitPrice']
    for (let row = 1; row <= 10_000; row += 1)
      lines.push(`big-${row},${customerId},EUR,SKU-${row % 50},${row % 1000 === 0 ? -1 : 1 + (row % 3)},2.50`)

    // Act
    const report = await importFile('big.csv', lines.join('\n'))

    // Assess
    expect(report).toMatchObject({ format: 'csv', rows: 10_000, accepted: 9_990 })
    expect(report.rejected).toHaveLength(10)
    expect(report.rejected[0]).toEqual({ line: 1001, reason: expect.stringMatching(/quantity/) })
    expect(placedEvents('big-')).toBe(9_990)
    expect(decided('big-')).toEqual([{ status: 'ACCEPTED', n: 9_990 }])
  }, 600_000)

  it('places nothing twice when the same file version is imported again', async () => {
    const csv = `customerId,currency,totalAmount\n${customerId},USD,10\n${customerId},USD,20\n`
    const first = await importFile('twice.csv', csv)
    const again = await importFile('twice.csv', csv)

    expect(first).toMatchObject({ rows: 2, accepted: 2 })
    expect(again).toMatchObject({ rows: 2, accepted: 2 })
    expect(placedEvents('imp-')).toBe(2)
  })

  it.each([
    ['malformed JSON', 'broken.json', '{"orders": [', /JSON/i],
    ['a CSV with an unclosed quote', 'broken.csv', 'customerId,currency,totalAmount\n"abc,EUR,10\n', /quote/i],
    ['a file of another kind', 'notes.txt', 'hello', /csv or .json|format/i],
  ])('answers %s with a report that says why, not a crash', async (_name, key, body, error) => {
    const report = await importFile(key, body)
    expect(report.error).toMatch(error)
    expect(report.accepted).toBe(0)
  })

  it('takes a JSON array of orders and rejects the invalid ones by position', async () => {
    const report = await importFile(
      'orders.json',
      JSON.stringify([
        { orderId: 'json-1', customerId, totalAmount: 5, currency: 'CHF' },
        { orderId: 'json-2', customerId, currency: 'CHF' },
      ]),
    )
    expect(report).toMatchObject({
      format: 'json',
      rows: 2,
      accepted: 1,
      rejected: [{ line: 2, reason: expect.stringMatching(/items or totalAmount/) }],
    })
  })
})
