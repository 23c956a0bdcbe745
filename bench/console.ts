import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createPipelineServer } from '../infra/local/http/server'
import { localConsoleData } from '../infra/local/console/local-console'
import { InvocationRecorder } from '../infra/local/lambda/invocation-metrics'
import { startRuntime } from '../infra/local/runtime'
import { configFromEnv } from '../steps/services/config'

/**
 * What the console's reads cost over a large local history, and what recording step invocations adds to each step.
 *
 *   npm exec -- tsx bench/console.ts [ROWS]        (default 100,000 executions)
 *
 * Fills a fresh data directory with ROWS executions (five workflows, four statuses, a second apart, an upload event
 * as input each) and 200,000 invocations, then times each query the console makes, as the local server's console
 * makes it (Step Functions' API on the runtime's endpoint; Express executions and metrics read in process): the first
 * page, a page deep in the list through its cursor, every filter, text search, one execution, and the metrics of an
 * hour and of a day. Last, it times 200,000 invocations of an empty step with and without the recorder.
 */

const rows = Number(process.argv[2] ?? 100_000)

const time = async <T>(work: () => Promise<T>, runs = 20): Promise<{ ms: number; result: T }> => {
  let result = await work()
  const started = performance.now()
  for (let i = 0; i < runs; i += 1) result = await work()
  return { ms: (performance.now() - started) / runs, result }
}

const main = async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-console-'))
  const runtime = startRuntime({ dataDir, config: configFromEnv({}) })
  const server = createPipelineServer(runtime, { maxUploadBytes: 1024 * 1024 })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const machines = runtime.executor.stateMachines
    const statuses = ['SUCCEEDED', 'FAILED', 'SUCCEEDED', 'RUNNING']
    const now = Date.now()
    const insert = runtime.db
      .prepare(`INSERT INTO executions (arn, name, state_machine, workflow, status, subject, input, created_at, start_date, stop_date)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    runtime.db.exec('BEGIN')
    for (let i = 0; i < rows; i += 1) {
      const machine = machines[i % machines.length]!
      const name = `bench-${i}`
      const created = new Date(now - (rows - i) * 1000).toISOString()
      const status = statuses[i % statuses.length]!
      insert.run(
        `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`,
        name,
        machine.arn,
        machine.workflow,
        status,
        `uploads/bench/${i}.jpg`,
        JSON.stringify({ source: 'aws.s3', detail: { object: { key: `uploads/bench/${i}.jpg` } } }),
        created,
        created,
        status === 'RUNNING' ? null : created,
      )
    }
    const invocation = runtime.db.prepare(
      'INSERT INTO invocations (function, started_ms, duration_ms, error, cold) VALUES (?, ?, ?, ?, 0)',
    )
    for (let i = 0; i < 200_000; i += 1)
      invocation.run(`Step${i % 12}`, now - (i % 86_400) * 1000, (i % 997) / 3, i % 50 === 0 ? 'TransientError' : null)
    runtime.db.exec('COMMIT')

    const data = localConsoleData(runtime, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const report: Array<[string, number, string]> = []
    const measure = async (label: string, work: () => Promise<unknown>, describe: (result: unknown) => string) => {
      const { ms, result } = await time(work)
      report.push([label, ms, describe(result)])
    }
    const count = (result: unknown) => `${(result as { items: unknown[] }).items.length} rows`

    await measure('first page (50, newest first)', () => data.executions({}), count)
    let cursor: string | undefined
    for (let page = 0; page < 1000; page += 1)
      cursor = (await data.executions({ limit: 50, ...(cursor ? { cursor } : {}) })).next
    await measure(
      'page 1,001 through its cursor',
      () => data.executions({ limit: 50, ...(cursor ? { cursor } : {}) }),
      count,
    )
    await measure('workflow + status', () => data.executions({ workflow: 'ImageWorkflow', status: 'FAILED' }), count)
    await measure(
      'start date window (1 h, a day back)',
      () =>
        data.executions({
          from: new Date(now - 25 * 3_600_000).toISOString(),
          to: new Date(now - 24 * 3_600_000).toISOString(),
        }),
      count,
    )
    await measure('text, 3+ characters (trigram index)', () => data.executions({ text: 'bench/4242' }), count)
    await measure('text, 2 characters (scan)', () => data.executions({ text: '99' }), count)
    await measure('text matching nothing', () => data.executions({ text: 'no-such-subject' }), count)
    await measure(
      'one execution by name',
      () => data.execution(`bench-${Math.floor(rows / 2)}`),
      () => 'found',
    )
    await measure(
      'metrics, last hour',
      () => data.metrics({}),
      (result) => `${(result as { steps: unknown[] }).steps.length} steps`,
    )
    await measure(
      'metrics, last day',
      () => data.metrics({ from: new Date(now - 86_400_000).toISOString() }),
      (result) => `${(result as { steps: unknown[] }).steps.length} steps`,
    )

    console.log(
      `Console queries over ${rows.toLocaleString('en')} executions and 200,000 invocations (mean of 20 runs):`,
    )
    for (const [label, ms, note] of report)
      console.log(`  ${label.padEnd(40)} ${ms.toFixed(2).padStart(8)} ms   ${note}`)

    const calls = 200_000
    const bare = performance.now()
    for (let i = 0; i < calls; i += 1) await (async () => undefined)()
    const bareMs = performance.now() - bare
    const recorder = new InvocationRecorder(runtime.db)
    const recorded = performance.now()
    for (let i = 0; i < calls; i += 1) {
      await recorder.measure(`Step${i % 12}`, async () => undefined)
      // Let the batch write run as it does between steps.
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
    }
    recorder.flush()
    const recordedMs = performance.now() - recorded
    console.log(
      `Recording invocations: ${(((recordedMs - bareMs) / calls) * 1000).toFixed(2)} µs added per step invocation (${calls.toLocaleString('en')} calls, batched writes)`,
    )
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await runtime.stop(100)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

void main()
