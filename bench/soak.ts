import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import { health, startChild, stopChild, waitUntilIdle } from './support/child'
import { mb } from './support/stats'

/**
 * The soak: `npm run soak -- --minutes N [--json]`. Runs `npm start`'s program in a child process over a fresh data
 * directory and keeps a mixed load on it (orders over HTTP, uploads, queue messages, PutEvents) for N minutes, then
 * drains it. Reports throughput and latency per kind of request, the requests the runtime shed (a 503 with
 * Retry-After, which wrote nothing: each worker then waits as told, as a client should), every unexpected outcome
 * (any other non-2xx answer, a refused connection, a failed execution, a dead letter), and the server's memory (RSS
 * and V8 heap, from `GET /health`) after warm-up and at the end.
 */

export interface SoakOptions {
  readonly seconds: number
  /** The first part of the run that memory growth is not measured over (start-up, caches filling). */
  readonly warmUpSeconds?: number
  /** How often memory is sampled. */
  readonly sampleEveryMs?: number
}

export interface KindResult {
  readonly kind: string
  readonly accepted: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Refused at once by the runtime's load shedding (503 with Retry-After): expected past its capacity, not an error. */
  readonly shed: number
  readonly errors: number
}

export interface MemorySample {
  readonly atMs: number
  readonly rss: number
  readonly heapUsed: number
}

export interface SoakResult {
  readonly seconds: number
  readonly kinds: ReadonlyArray<KindResult>
  readonly total: {
    readonly accepted: number
    readonly perSecond: number
    readonly shed: number
    readonly errors: number
  }
  /** Every unexpected outcome, by what it was (at most a few examples each). */
  readonly errors: Readonly<Record<string, { readonly count: number; readonly examples: ReadonlyArray<string> }>>
  readonly failedExecutions: number
  readonly deadLetters: number
  readonly drainMs: number
  /** The first and last fifth of the run after warm-up, in bytes: RSS as the median of its samples, the heap as its lowest. */
  readonly memory: {
    readonly start: { readonly rss: number; readonly heapUsed: number }
    readonly end: { readonly rss: number; readonly heapUsed: number }
    readonly samples: ReadonlyArray<MemorySample>
  }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

class Tally {
  readonly latencies = new Map<string, number[]>()
  readonly failures = new Map<string, number>()
  readonly shed = new Map<string, number>()
  readonly errors = new Map<string, { count: number; examples: string[] }>()

  ok(kind: string, ms: number) {
    const list = this.latencies.get(kind) ?? []
    list.push(ms)
    this.latencies.set(kind, list)
  }

  refused(kind: string) {
    this.shed.set(kind, (this.shed.get(kind) ?? 0) + 1)
  }

  fail(kind: string, what: string) {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1)
    const entry = this.errors.get(`${kind}: ${what.split(':')[0]}`) ?? { count: 0, examples: [] }
    entry.count += 1
    if (entry.examples.length < 3) entry.examples.push(what.slice(0, 200))
    this.errors.set(`${kind}: ${what.split(':')[0]}`, entry)
  }
}

/** Small images of three formats, made once: the upload load cycles through them under fresh keys. */
const soakImages = () =>
  Promise.all([
    sharp({
      create: {
        width: 320,
        height: 240,
        channels: 3,
        background: '#3366cc',
        noise: { type: 'gaussian', mean: 128, sigma: 30 },
      },
    })
      .jpeg({ quality: 80 })
      .toBuffer(),
    sharp({ create: { width: 200, height: 200, channels: 4, background: { r: 10, g: 200, b: 90, alpha: 0.5 } } })
      .png()
      .toBuffer(),
    sharp({ create: { width: 240, height: 180, channels: 3, background: '#cc6633' } })
      .webp({ quality: 75 })
      .toBuffer(),
  ])

export const runSoak = async (options: SoakOptions): Promise<SoakResult> => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-soak-'))
  const server = await startChild(dataDir)
  const tally = new Tally()
  const samples: MemorySample[] = []
  try {
    const json = { 'content-type': 'application/json' }
    const user = await fetch(`${server.url}/users`, {
      method: 'POST',
      body: JSON.stringify({ username: 'soak', email: 'soak@example.com' }),
      headers: json,
    })
    const customerId = ((await user.json()) as { userId: string }).userId
    const photos = await soakImages()
    const started = Date.now()
    const deadline = started + options.seconds * 1000
    let serial = 0

    /** One kind of request, back to back until the deadline; `expected` is the status that means accepted. */
    const worker = async (kind: string, expected: number, request: (n: number) => Promise<Response>) => {
      while (Date.now() < deadline) {
        const n = serial++
        const sent = performance.now()
        try {
          const response = await request(n)
          const body = await response.text()
          const retryAfter = Number(response.headers.get('retry-after'))
          if (response.status === expected) tally.ok(kind, performance.now() - sent)
          else if (response.status === 503 && retryAfter > 0) {
            // Load shed: nothing was written; come back when told, within the run.
            tally.refused(kind)
            await new Promise((resolve) =>
              setTimeout(resolve, Math.max(0, Math.min(retryAfter * 1000, deadline - Date.now()))),
            )
          } else tally.fail(kind, `HTTP ${response.status}: ${body}`)
        } catch (error) {
          tally.fail(kind, `network: ${(error as Error).message}`)
        }
      }
    }
    const order = (n: number) => ({
      customerId,
      items: [{ sku: `SKU-${n % 23}`, quantity: 1 + (n % 3), unitPrice: 9.99 }],
      currency: 'EUR',
    })
    const sampler = (async () => {
      while (Date.now() < deadline) {
        try {
          const { memory } = await health(server.url)
          if (memory) samples.push({ atMs: Date.now() - started, rss: memory.rss, heapUsed: memory.heapUsed })
        } catch (error) {
          tally.fail('health', `network: ${(error as Error).message}`)
        }
        await new Promise((resolve) => setTimeout(resolve, options.sampleEveryMs ?? 1000))
      }
    })()

    await Promise.all([
      ...[0, 1, 2].map(() =>
        worker('orders', 202, (n) =>
          fetch(`${server.url}/orders`, { method: 'POST', body: JSON.stringify(order(n)), headers: json }),
        ),
      ),
      worker('uploads', 200, (n) =>
        fetch(`${server.url}/uploads/soak/${n}.img`, { method: 'PUT', body: photos[n % photos.length]! }),
      ),
      worker('queue', 202, (n) =>
        fetch(`${server.url}/queues/orders/messages`, {
          method: 'POST',
          body: JSON.stringify({ orderId: `soak-q-${n}`, ...order(n) }),
        }),
      ),
      worker('events', 200, (n) =>
        fetch(`${server.url}/events`, {
          method: 'POST',
          body: JSON.stringify({
            Entries: [{ Source: 'soak.load', DetailType: 'SoakTick', Detail: JSON.stringify({ n }) }],
          }),
          headers: json,
        }),
      ),
      sampler,
    ])
    const loadMs = Date.now() - started

    // Drain: every accepted thing runs to its end before the books are closed.
    const drainStarted = Date.now()
    await waitUntilIdle(server.url)
    const drainMs = Date.now() - drainStarted
    const failed = (await (await fetch(`${server.url}/executions?status=FAILED&limit=1000`)).json()) as {
      executions: Array<{ workflow: string; error?: string; cause?: string }>
    }
    for (const execution of failed.executions)
      tally.fail(`${execution.workflow} execution`, `FAILED: ${execution.error ?? ''} ${execution.cause ?? ''}`)
    const dlq = (await (await fetch(`${server.url}/dlq`)).json()) as {
      queues: Array<{ name: string; messages: unknown[] }>
    }
    const deadLetters = dlq.queues.reduce((sum, queue) => sum + queue.messages.length, 0)
    for (const queue of dlq.queues)
      for (const message of queue.messages)
        tally.fail(`dead letter in ${queue.name}`, `DLQ: ${JSON.stringify(message)}`)

    const kinds = [...new Set([...tally.latencies.keys(), ...tally.shed.keys(), ...tally.failures.keys()])]
      .filter((kind) => ['orders', 'uploads', 'queue', 'events'].includes(kind))
      .map((kind): KindResult => {
        const sorted = [...(tally.latencies.get(kind) ?? [])].sort((a, b) => a - b)
        return {
          kind,
          accepted: sorted.length,
          perSecond: sorted.length / (loadMs / 1000),
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          shed: tally.shed.get(kind) ?? 0,
          errors: tally.failures.get(kind) ?? 0,
        }
      })
    const warmUpMs = (options.warmUpSeconds ?? Math.min(10, options.seconds / 4)) * 1000
    const measured = samples.filter((sample) => sample.atMs >= warmUpMs)
    const fifth = Math.max(1, Math.floor(measured.length / 5))
    // The heap's lowest sample in a window is its live size after a collection; the rest is garbage not yet collected.
    const summary = (slice: ReadonlyArray<MemorySample>) => ({
      rss: median(slice.map((sample) => sample.rss)),
      heapUsed: Math.min(...slice.map((sample) => sample.heapUsed)),
    })
    const accepted = kinds.reduce((sum, kind) => sum + kind.accepted, 0)
    return {
      seconds: loadMs / 1000,
      kinds,
      total: {
        accepted,
        perSecond: accepted / (loadMs / 1000),
        shed: kinds.reduce((sum, kind) => sum + kind.shed, 0),
        errors: [...tally.failures.values()].reduce((sum, n) => sum + n, 0),
      },
      errors: Object.fromEntries(tally.errors),
      failedExecutions: failed.executions.length,
      deadLetters,
      drainMs,
      memory: { start: summary(measured.slice(0, fifth)), end: summary(measured.slice(-fifth)), samples },
    }
  } finally {
    await stopChild(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export const soakTable = (result: SoakResult): string => {
  const rows = [
    ['kind', 'accepted', 'per s', 'p50 ms', 'p99 ms', 'shed', 'errors'],
    ...result.kinds.map((kind) => [
      kind.kind,
      String(kind.accepted),
      kind.perSecond.toFixed(1),
      kind.p50Ms.toFixed(1),
      kind.p99Ms.toFixed(1),
      String(kind.shed),
      String(kind.errors),
    ]),
    [
      'total',
      String(result.total.accepted),
      result.total.perSecond.toFixed(1),
      '',
      '',
      String(result.total.shed),
      String(result.total.errors),
    ],
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  '),
  )
  const { start, end } = result.memory
  return [
    `Soak: ${result.seconds.toFixed(0)} s of mixed load, drained in ${(result.drainMs / 1000).toFixed(1)} s`,
    '',
    ...lines,
    '',
    `failed executions: ${result.failedExecutions}   dead letters: ${result.deadLetters}`,
    `memory (server)     after warm-up   at end      growth`,
    `  RSS               ${mb(start.rss, 1).padStart(11)}   ${mb(end.rss, 1).padStart(9)}   ${mb(end.rss - start.rss, 1).padStart(9)}`,
    `  V8 heap used      ${mb(start.heapUsed, 1).padStart(11)}   ${mb(end.heapUsed, 1).padStart(9)}   ${mb(end.heapUsed - start.heapUsed, 1).padStart(9)}`,
    ...Object.entries(result.errors).map(
      ([what, { count, examples }]) => `error ${what} x${count}: ${examples[0] ?? ''}`,
    ),
    '',
    'Rerun: npm run soak -- --minutes N [--json]',
  ].join('\n')
}

const main = async () => {
  let values
  try {
    ;({ values } = parseArgs({
      options: { minutes: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }))
  } catch (error) {
    console.error(`soak: ${(error as Error).message}\nUsage: npm run soak -- --minutes N [--json]`)
    process.exit(2)
  }
  if (values.help) {
    console.log(
      'Usage: npm run soak -- --minutes N [--json]\nRuns mixed load against the local runtime for N minutes (fractions allowed) and reports throughput, errors and memory.',
    )
    return
  }
  const minutes = Number(values.minutes ?? '1')
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) {
    console.error(`soak: --minutes must be a number of minutes above 0 (got ${values.minutes})`)
    process.exit(2)
  }
  const result = await runSoak({ seconds: minutes * 60 })
  console.log(
    values.json
      ? JSON.stringify(
          { ...result, memory: { start: result.memory.start, end: result.memory.end, samples: result.memory.samples } },
          null,
          2,
        )
      : soakTable(result),
  )
  process.exitCode = result.total.errors === 0 ? 0 : 1
}

if (require.main === module) void main()
