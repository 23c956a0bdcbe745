import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { sampleMemory, startServer, waitForDrain, type MemoryFigures } from './support/server'
import { mb, round } from './support/stats'

/**
 * A bulk import end to end: a CSV of orders uploaded with `PUT /imports/{key}` to `npm start`'s program in its own
 * process, timed from the upload's answer until the last of its orders is decided (read from the durable state),
 * with the server's memory sampled throughout and after the drain.
 */
export interface ImportsResult {
  readonly rows: number
  readonly bytes: number
  /** The PUT until its answer: the file written and hashed. */
  readonly uploadMs: number
  /** The upload's answer until every order of the file is decided. */
  readonly decidedMs: number
  readonly decided: number
  readonly ordersPerSecond: number
  readonly memory: MemoryFigures
}

export const ImportsTargetMs = 20_000

const csvOf = (customerId: string, rows: number): string => {
  const lines = ['orderId,customerId,currency,sku,quantity,unitPrice']
  for (let row = 1; row <= rows; row += 1)
    lines.push(`imp-bench-${row},${customerId},EUR,SKU-${row % 50},${1 + (row % 3)},2.50`)
  return `${lines.join('\n')}\n`
}

const decidedCount = (db: DatabaseSync): number =>
  (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM table_items WHERE table_name = 'Orders'
         AND json_extract(item, '$.orderId') LIKE 'imp-bench-%' AND json_extract(item, '$.status') != 'PENDING'`,
      )
      .get() as { n: number }
  ).n

export const benchImports = async (
  options: { quick: boolean },
  log: (line: string) => void,
): Promise<ImportsResult> => {
  const rows = options.quick ? 2_000 : 10_000
  const server = await startServer()
  try {
    const user = await fetch(`${server.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `importer${Date.now()}`, email: 'importer@example.com' }),
    })
    const { userId } = (await user.json()) as { userId: string }
    await waitForDrain(server.url, 60_000)
    const body = csvOf(userId, rows)
    const memory = await sampleMemory(server.url)

    const putAt = performance.now()
    const put = await fetch(`${server.url}/imports/bench.csv`, { method: 'PUT', body })
    if (put.status !== 200) throw new Error(`PUT /imports answered ${put.status}: ${await put.text()}`)
    const answeredAt = performance.now()

    const db = new DatabaseSync(path.join(server.dataDir, 'pipeline.db'), { readOnly: true })
    let decided = 0
    try {
      const deadline = answeredAt + 600_000
      for (;;) {
        decided = decidedCount(db)
        if (decided >= rows) break
        if (performance.now() > deadline)
          throw new Error(`${decided} of ${rows} imported orders decided after 10 minutes`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    } finally {
      db.close()
    }
    const decidedAt = performance.now()
    await waitForDrain(server.url, 120_000)
    const figures = await memory.stop()
    const decidedMs = decidedAt - answeredAt
    const result: ImportsResult = {
      rows,
      bytes: Buffer.byteLength(body),
      uploadMs: round(answeredAt - putAt),
      decidedMs: round(decidedMs, 0),
      decided,
      ordersPerSecond: round(rows / (decidedMs / 1000)),
      memory: figures,
    }
    log(
      `  ${rows} rows: uploaded in ${result.uploadMs} ms, every order decided ${round(decidedMs / 1000)} s after (${result.ordersPerSecond} orders/s); RSS peak ${mb(figures.peakRss)}, ${mb(figures.endRss)} after the drain`,
    )
    return result
  } finally {
    await server.stop()
  }
}
