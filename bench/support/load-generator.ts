import { Agent, request } from 'node:http'

/**
 * The load generator, run as its own process (`bench/orders.ts` spawns it) so it never competes with the server for
 * an event loop. Reads its plan as JSON from argv, writes its measurements as JSON to stdout.
 *
 * - `closed`: `connections` clients, each sending its next order as soon as the last one is answered; measures the
 *   most the server sustains.
 * - `open`: orders sent at a constant `rate` whatever the server does, each latency measured from the moment the
 *   order was due (not when it could be sent), so a stalled server shows as latency instead of a quieter load
 *   (coordinated omission).
 */
export interface LoadPlan {
  readonly url: string
  readonly customerId: string
  readonly mode: 'closed' | 'open'
  readonly durationMs: number
  readonly connections: number
  readonly rate?: number
}

export interface LoadResult {
  readonly sent: number
  readonly accepted: number
  /** Open loop: requests still unanswered when the run gave up on them, {@link GraceMs} after the last was due. */
  readonly unanswered: number
  readonly statuses: Record<string, number>
  readonly errors: number
  readonly elapsedMs: number
  /** Milliseconds per accepted order, in answer order, then the unanswered ones' waits. */
  readonly latenciesMs: number[]
  /** Milliseconds per answer of any status (202, 503...), in answer order: how long anyone waited for an answer. */
  readonly answerLatenciesMs: number[]
  /** Refusals for load (503, 429) that named when to come back (Retry-After). */
  readonly refusedWithRetryAfter: number
  readonly orderIds: string[]
}

/** How long an open-loop run waits for answers after the last request was due. */
const GraceMs = 10_000

const orderBody = (customerId: string, n: number) => {
  const quantity = 1 + (n % 3)
  return JSON.stringify({
    customerId,
    items: [
      { sku: `SKU-${n % 50}`, quantity, unitPrice: 12.5 },
      { sku: 'GIFT-WRAP', quantity: 1, unitPrice: 2 },
    ],
    currency: 'EUR',
  })
}

const run = (plan: LoadPlan): Promise<LoadResult> => {
  const target = new URL('/orders', plan.url)
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections })
  const statuses: Record<string, number> = {}
  const latenciesMs: number[] = []
  const answerLatenciesMs: number[] = []
  let refusedWithRetryAfter = 0
  const orderIds: string[] = []
  let sent = 0
  let errors = 0
  let inFlight = 0
  let unanswered = 0
  /** Send time of each request still waiting for its answer, by request number. */
  const pending = new Map<number, number>()
  const started = performance.now()
  const deadline = started + plan.durationMs

  const post = (dueAt: number): Promise<void> =>
    new Promise((resolve) => {
      const number = sent++
      const body = orderBody(plan.customerId, number)
      inFlight++
      pending.set(number, dueAt)
      let finished = false
      const finish = () => {
        if (finished) return
        finished = true
        inFlight--
        pending.delete(number)
        resolve()
      }
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            const latency = performance.now() - dueAt
            const status = String(res.statusCode)
            statuses[status] = (statuses[status] ?? 0) + 1
            answerLatenciesMs.push(latency)
            if ((res.statusCode === 503 || res.statusCode === 429) && res.headers['retry-after'])
              refusedWithRetryAfter++
            if (res.statusCode === 202) {
              latenciesMs.push(latency)
              orderIds.push((JSON.parse(Buffer.concat(chunks).toString()) as { orderId: string }).orderId)
            }
            finish()
          })
          res.on('error', () => {
            if (!finished && unanswered === 0) errors++
            finish()
          })
        },
      )
      req.on('error', () => {
        if (!finished && unanswered === 0) errors++
        finish()
      })
      req.end(body)
    })

  const result = () => ({
    sent,
    accepted: orderIds.length,
    unanswered,
    statuses,
    errors,
    elapsedMs: performance.now() - started,
    latenciesMs,
    answerLatenciesMs,
    refusedWithRetryAfter,
    orderIds,
  })

  if (plan.mode === 'closed') {
    const client = async () => {
      while (performance.now() < deadline) await post(performance.now())
    }
    return Promise.all(Array.from({ length: plan.connections }, client)).then(result)
  }

  const interval = 1000 / plan.rate!
  return new Promise((resolve) => {
    let next = 0
    const tick = () => {
      const now = performance.now()
      // Every order due by now goes out now, each timed from when it was due.
      while (started + next * interval <= now && started + next * interval < deadline)
        void post(started + interval * next++)
      // A 1 ms timer, not setImmediate: a spinning generator would take a core from the server on a small machine.
      if (started + next * interval < deadline) setTimeout(tick, 1)
      else {
        // A server that cannot keep up would otherwise hold the run for as long as its queue takes: past the grace
        // period, what is still unanswered is counted as such, and its wait so far joins the latencies (a lower bound).
        const giveUpAt = deadline + GraceMs
        const wait = () => {
          if (inFlight === 0) return resolve(result())
          if (performance.now() < giveUpAt) return void setTimeout(wait, 5)
          unanswered = inFlight
          for (const dueAt of pending.values()) latenciesMs.push(performance.now() - dueAt)
          agent.destroy()
          resolve(result())
        }
        wait()
      }
    }
    tick()
  })
}

if (require.main === module) {
  run(JSON.parse(process.argv[2]!) as LoadPlan).then(
    (result) => {
      // Exit only once the pipe has taken the whole answer.
      process.stdout.write(JSON.stringify(result), () => process.exit(0))
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
