import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { sampleMemory, startServer, waitForDrain, type BenchServer, type MemoryFigures } from './support/server'
import type { LoadPlan, LoadResult } from './support/load-generator'
import { readFootprint, type Footprint } from './support/footprint'
import { percentiles, round, type Percentiles } from './support/stats'

/**
 * Orders end to end through HTTP: `POST /orders` to its `202 PENDING`, against `npm start`'s program in its own
 * process with a fresh data directory and its default durability (SQLite WAL; every 202 is a committed transaction),
 * driven by a load generator in another process over keep-alive connections.
 */
export interface OrdersOptions {
  readonly quick: boolean
  /** Adds `--cpu-prof` to the server, writing its profile under this directory. */
  readonly cpuProfDir?: string
}

export interface OpenLoopResult {
  readonly offeredPerSecond: number
  readonly achievedPerSecond: number
  readonly accepted: number
  readonly non202: number
  /** Still unanswered 10 s after the last order was due: the server could not keep up with the offered load. */
  readonly unanswered: number
  readonly latencyMs: Percentiles
  readonly drainMs: number
}

export interface OverloadResult {
  readonly offeredPerSecond: number
  readonly sent: number
  readonly accepted: number
  /** 503 or 429 answers, and how many of them said when to come back. */
  readonly refused: number
  readonly refusedWithRetryAfter: number
  readonly other: number
  readonly unanswered: number
  /** How long a request waited for its answer, whatever the answer. */
  readonly answerMs: { readonly p50: number; readonly p99: number; readonly max: number }
  readonly drainMs: number
}

export interface OrdersResult {
  readonly closedLoop: ReadonlyArray<{
    connections: number
    ordersPerSecond: number
    accepted: number
    non202: number
    latencyMs: Percentiles
    drainMs: number
  }>
  readonly sustainedOrdersPerSecond: number
  readonly openLoop: ReadonlyArray<OpenLoopResult>
  readonly processed: { accepted: number; decided: number; byStatus: Record<string, number>; unasked: number }
  /** Offered far more than it can take: every request answered, 202 or a fast refusal, never a hang. */
  readonly overload: ReadonlyArray<OverloadResult>
  /** The server's RSS from before the warm-up to after the last drain. */
  readonly memory?: MemoryFigures
  /**
   * Per order, at the lowest offered load (step durations closest to a step's own): executions, states and their
   * durations, events, archive and log bytes, from the durable state. The cost model's units.
   */
  readonly perOrder: Footprint
  /** The API function's time per request: the median latency of one client sending one order at a time (an upper bound). */
  readonly apiLatencyP50Ms: number
}

const generate = (plan: LoadPlan): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'support', 'load-generator.ts'), JSON.stringify(plan)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(output) as LoadResult)
        : reject(new Error(`the load generator exited with ${code}`)),
    )
  })

const non202 = (result: LoadResult) => result.sent - result.accepted

const createCustomer = async (url: string): Promise<string> => {
  const response = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: `bench${Date.now()}`, email: 'bench@example.com' }),
  })
  const body = (await response.json()) as { userId?: string }
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`POST /users answered ${response.status}: ${JSON.stringify(body)}`)
  return body.userId!
}

/** Orders whose workflow has decided (ACCEPTED or REJECTED) among `orderIds`, read from the durable state. */
const decisions = (dataDir: string, orderIds: ReadonlyArray<string>) => {
  const db = new DatabaseSync(path.join(dataDir, 'pipeline.db'), { readOnly: true })
  try {
    const wanted = new Set(orderIds)
    const byStatus: Record<string, number> = {}
    const rows = db
      .prepare(
        "SELECT json_extract(item, '$.orderId') AS id, json_extract(item, '$.status') AS status FROM table_items WHERE json_extract(item, '$.orderId') IS NOT NULL",
      )
      .all() as Array<{ id: string; status: string }>
    let decided = 0
    for (const row of rows) {
      if (!wanted.has(row.id)) continue
      byStatus[row.status] = (byStatus[row.status] ?? 0) + 1
      if (row.status !== 'PENDING') decided++
    }
    // Orders in the table that no 202 answered: what a refused request would have left behind.
    const unasked = rows.filter((row) => !wanted.has(row.id)).length
    return { accepted: wanted.size, decided, byStatus, unasked }
  } finally {
    db.close()
  }
}

export const benchOrders = async (options: OrdersOptions, log: (line: string) => void): Promise<OrdersResult> => {
  const seconds = options.quick ? 4 : 10
  const server: BenchServer = await startServer(
    options.cpuProfDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] } : {},
  )
  try {
    const memory = await sampleMemory(server.url)
    const customerId = await createCustomer(server.url)
    const allIds: string[] = []
    const drainTimeoutMs = 180_000
    // Warm-up: JIT, SQLite's page cache, the API function's runtime.
    allIds.push(
      ...(await generate({ url: server.url, customerId, mode: 'closed', durationMs: 2000, connections: 8 })).orderIds,
    )
    await waitForDrain(server.url, drainTimeoutMs)

    // One client, one order at a time: the latency of a request that never queues behind another, which is the
    // closest this run gets to the API function's own time (the cost model's figure for it).
    const single = await generate({ url: server.url, customerId, mode: 'closed', durationMs: 3000, connections: 1 })
    allIds.push(...single.orderIds)
    const apiLatencyP50Ms = round(percentiles(single.latenciesMs).p50)
    await waitForDrain(server.url, drainTimeoutMs)
    log(`  one client: p50 ${apiLatencyP50Ms} ms per order`)

    const closedLoop = []
    for (const connections of options.quick ? [32] : [16, 64]) {
      const result = await generate({
        url: server.url,
        customerId,
        mode: 'closed',
        durationMs: seconds * 1000,
        connections,
      })
      allIds.push(...result.orderIds)
      const ordersPerSecond = result.accepted / (result.elapsedMs / 1000)
      const drainMs = await waitForDrain(server.url, drainTimeoutMs)
      closedLoop.push({
        connections,
        ordersPerSecond: round(ordersPerSecond),
        accepted: result.accepted,
        non202: non202(result),
        latencyMs: rounded(percentiles(result.latenciesMs)),
        drainMs: round(drainMs, 0),
      })
      log(
        `  closed loop, ${connections} connections: ${round(ordersPerSecond)} orders/s accepted, ${non202(result)} not 202; backlog drained in ${round(drainMs / 1000)} s`,
      )
    }

    const openLoop: OpenLoopResult[] = []
    let perOrder: Footprint | undefined
    for (const rate of [100, 500, 1000]) {
      const from = new Date().toISOString()
      const result = await generate({
        url: server.url,
        customerId,
        mode: 'open',
        durationMs: seconds * 1000,
        connections: 128,
        rate,
      })
      allIds.push(...result.orderIds)
      const drainMs = await waitForDrain(server.url, drainTimeoutMs)
      perOrder ??= readFootprint(server.dataDir, from, new Date().toISOString(), 'order')
      const latencyMs = rounded(percentiles(result.latenciesMs))
      openLoop.push({
        offeredPerSecond: rate,
        achievedPerSecond: round(result.accepted / (result.elapsedMs / 1000)),
        accepted: result.accepted,
        non202: non202(result),
        unanswered: result.unanswered,
        latencyMs,
        drainMs: round(drainMs, 0),
      })
      log(
        `  open loop at ${rate}/s: p50 ${latencyMs.p50} ms, p95 ${latencyMs.p95} ms, p99 ${latencyMs.p99} ms, ${non202(result)} not 202 (${result.unanswered} unanswered); drained in ${round(drainMs / 1000)} s`,
      )
    }

    // Overload: an open loop far past what the server takes, from enough connections that the server sees all of it.
    const overload: OverloadResult[] = []
    for (const rate of options.quick ? [2000] : [2000, 5000]) {
      const result = await generate({
        url: server.url,
        customerId,
        mode: 'open',
        durationMs: seconds * 1000,
        connections: 1024,
        rate,
      })
      allIds.push(...result.orderIds)
      const drainMs = await waitForDrain(server.url, drainTimeoutMs)
      const refused = (result.statuses['503'] ?? 0) + (result.statuses['429'] ?? 0)
      const answers = percentiles(result.answerLatenciesMs)
      const run: OverloadResult = {
        offeredPerSecond: rate,
        sent: result.sent,
        accepted: result.accepted,
        refused,
        refusedWithRetryAfter: result.refusedWithRetryAfter,
        other: result.sent - result.accepted - refused - result.unanswered,
        unanswered: result.unanswered,
        answerMs: {
          p50: round(answers.p50),
          p99: round(answers.p99),
          max: round(Math.max(0, ...result.answerLatenciesMs)),
        },
        drainMs: round(drainMs, 0),
      }
      overload.push(run)
      log(
        `  overload at ${rate}/s: ${run.accepted} accepted, ${run.refused} refused (${run.refusedWithRetryAfter} with Retry-After), ${run.other} other, ${run.unanswered} unanswered; answers p50 ${run.answerMs.p50} / p99 ${run.answerMs.p99} / max ${run.answerMs.max} ms; drained in ${round(drainMs / 1000)} s`,
      )
    }

    const processed = decisions(server.dataDir, allIds)
    return {
      memory: await memory.stop(),
      overload,
      closedLoop,
      sustainedOrdersPerSecond: Math.max(...closedLoop.map((run) => run.ordersPerSecond)),
      openLoop,
      processed,
      perOrder: perOrder!,
      apiLatencyP50Ms,
    }
  } finally {
    await server.stop()
  }
}

const rounded = (p: Percentiles): Percentiles => ({
  p50: round(p.p50),
  p95: round(p.p95),
  p99: round(p.p99),
  max: round(p.max),
})

if (require.main === module) {
  benchOrders({ quick: process.argv.includes('--quick') }, console.log).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
