import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import * as path from 'node:path'
import { SEARCH_CLIENT_CEILING_BYTES } from './bundles'
import { benchColdStart, coldStartTable, type ColdStartResult } from './cold-start'
import { costModel, costReport, type CostResult } from './cost'
import { benchImages, ImagesTargetRatio, type ImagesResult } from './images'
import { benchImports, ImportsTargetMs, type ImportsResult } from './imports'
import { mb } from './support/stats'
import { benchOrders, type OpenLoopResult, type OrdersResult } from './orders'
import { benchOverhead, type OverheadResult } from './overhead'

/**
 * `npm run bench`: every benchmark, a table, and `bench/results.json`. Never part of `npm test`.
 *
 *   npm run bench                          all of them (about 5 minutes on 2 cores)
 *   npm run bench -- --quick               shorter runs, for iterating (numbers are rougher)
 *   npm run bench -- --only orders,images  a subset: orders, imports, images, overhead, cold-start, cost
 *   npm run bench -- --cpu-prof DIR        profile the orders run's server (writes a .cpuprofile into DIR)
 *
 * `cost` prices the orders and images runs of the same invocation, or those in the last results.json.
 */
const Benchmarks = ['orders', 'imports', 'images', 'overhead', 'cold-start', 'cost'] as const
type Benchmark = (typeof Benchmarks)[number]

const OrdersTargetPerSecond = 2000
const OrdersTargetP99Ms = 50
/** At 1,000 orders/s offered, the 99th percentile from due to 202. */
const OrdersTargetP99At1000Ms = 200
/** Overloaded, every request is answered (202 or a refusal naming when to come back) within this. */
const OverloadMaxAnswerMs = 5000

interface Results {
  readonly machine: { cpus: number; model: string; node: string; platform: string }
  readonly command: string
  readonly quick: boolean
  readonly startedAt: string
  readonly seconds: number
  /** The 1-minute load average at the start and the end: above the CPU count, something else was running too. */
  readonly load: { start: number; end: number }
  orders?: OrdersResult
  imports?: ImportsResult
  images?: ImagesResult
  overhead?: OverheadResult
  coldStart?: ColdStartResult
  cost?: CostResult
}

const resultsFile = path.join(__dirname, 'results.json')
const resultsMarkdown = path.join(__dirname, 'RESULTS.md')

const resultsPage = (results: Results, text: string, busy: string): string =>
  [
    '# Benchmark results',
    '',
    `\`${results.command}\` on ${results.startedAt.slice(0, 10)}: ${results.machine.cpus} CPUs (${results.machine.model}), ${results.machine.platform}, Node ${results.machine.node}; ${results.seconds} s.${busy}`,
    'Written by the command itself; the raw figures are in `bench/results.json`.',
    '',
    '```text',
    text,
    '```',
    '',
  ].join('\n')

const argValue = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}

const parseOnly = (): ReadonlyArray<Benchmark> => {
  const raw = argValue('--only')
  if (raw === undefined) return Benchmarks
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  const unknown = names.filter((name) => !(Benchmarks as ReadonlyArray<string>).includes(name))
  if (unknown.length > 0 || names.length === 0) {
    console.error(`--only takes a comma-separated list of ${Benchmarks.join(', ')}; got "${raw}"`)
    process.exit(2)
  }
  return names as Benchmark[]
}

const rerun = (name: Benchmark) => `rerun: npm run bench -- --only ${name}`

const verdict = (met: boolean) => (met ? 'met' : 'MISSED')

/** An offered rate is kept up with when every order of it is taken (none shed) and the 99th percentile is under `ms`. */
const meetsLatency = (run: OpenLoopResult, ms: number) =>
  run.latencyMs.p99 < ms && run.non202 === 0 && run.unanswered === 0

const latencyText = (run: OpenLoopResult) =>
  `${run.latencyMs.p99} ms${run.non202 > 0 ? ` (${run.non202} of ${run.accepted + run.non202} refused)` : ''}`

const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)))
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

const ordersReport = (orders: OrdersResult): string[] => {
  const at500 = orders.openLoop.find((run) => run.offeredPerSecond === 500)
  const rows = [
    ['measure', 'result', 'target', ''],
    ['one client, one order at a time', `p50 ${orders.apiLatencyP50Ms} ms`, '', ''],
    [
      'sustained orders/s (closed loop)',
      `${orders.sustainedOrdersPerSecond}`,
      `>= ${OrdersTargetPerSecond}`,
      verdict(orders.sustainedOrdersPerSecond >= OrdersTargetPerSecond),
    ],
    ...orders.closedLoop.map((run) => [
      `  ${run.connections} connections`,
      `${run.ordersPerSecond}/s, p99 ${run.latencyMs.p99} ms, drain ${(run.drainMs / 1000).toFixed(1)} s`,
      '',
      '',
    ]),
    ...orders.openLoop.map((run) => [
      `open loop ${run.offeredPerSecond}/s`,
      `achieved ${run.achievedPerSecond}/s${run.unanswered > 0 ? ` (${run.unanswered} unanswered)` : ''}; p50 ${run.latencyMs.p50} / p95 ${run.latencyMs.p95} / p99 ${run.latencyMs.p99} ms; drain ${(run.drainMs / 1000).toFixed(1)} s`,
      run.offeredPerSecond === 500
        ? `p99 < ${OrdersTargetP99Ms} ms, all taken`
        : run.offeredPerSecond === 1000
          ? `p99 < ${OrdersTargetP99At1000Ms} ms, all taken`
          : '',
      run.offeredPerSecond === 500
        ? verdict(meetsLatency(run, OrdersTargetP99Ms))
        : run.offeredPerSecond === 1000
          ? verdict(meetsLatency(run, OrdersTargetP99At1000Ms))
          : '',
    ]),
    ...(orders.overload ?? []).map((run) => [
      `overload ${run.offeredPerSecond}/s`,
      `${run.accepted} accepted, ${run.refused} refused (${run.refusedWithRetryAfter} with Retry-After), ${run.other} other, ${run.unanswered} unanswered; answered in p99 ${run.answerMs.p99} / max ${run.answerMs.max} ms`,
      `every answer < ${OverloadMaxAnswerMs / 1000} s`,
      verdict(
        run.unanswered === 0 &&
          run.other === 0 &&
          run.refused === run.refusedWithRetryAfter &&
          run.answerMs.max < OverloadMaxAnswerMs,
      ),
    ]),
    [
      'refused requests left nothing behind',
      `${orders.processed.unasked ?? 0} orders no 202 answered`,
      '0',
      verdict((orders.processed.unasked ?? 0) === 0),
    ],
    [
      'accepted orders decided',
      `${orders.processed.decided} of ${orders.processed.accepted} (${Object.entries(orders.processed.byStatus)
        .map(([status, n]) => `${status} ${n}`)
        .join(', ')})`,
      'all',
      verdict(orders.processed.decided === orders.processed.accepted),
    ],
  ]
  const lines = [
    'Orders: POST /orders to 202 against `npm start` in its own process, load from another process',
    table(rows),
  ]
  const misses: string[] = []
  if (orders.sustainedOrdersPerSecond < OrdersTargetPerSecond)
    misses.push(
      `throughput ${orders.sustainedOrdersPerSecond}/s is ${(OrdersTargetPerSecond / orders.sustainedOrdersPerSecond).toFixed(1)}x short of ${OrdersTargetPerSecond}/s`,
    )
  if (at500 && at500.latencyMs.p99 >= OrdersTargetP99Ms)
    misses.push(
      `p99 at 500/s is ${at500.latencyMs.p99} ms, ${(at500.latencyMs.p99 - OrdersTargetP99Ms).toFixed(0)} ms over ${OrdersTargetP99Ms} ms${at500.achievedPerSecond < 490 ? ` (the server could not keep up with 500/s: requests queued)` : ''}`,
    )
  else if (at500 && at500.non202 > 0)
    misses.push(
      `at 500/s the 202s came in p99 ${at500.latencyMs.p99} ms, but ${at500.non202} of ${at500.accepted + at500.non202} orders were refused: processing takes about ${orders.sustainedOrdersPerSecond}/s, so the backlog reached its bound and the rest was shed`,
    )
  if (misses.length > 0) {
    lines.push(`MISSED: ${misses.join('; ')}.`)
    lines.push(
      '  Why: one Node process and one SQLite connection do all the work of an order on one core: the 202 (the API step, the order row and its stream record, PutEvents, routing, the PENDING execution; about 1.5 ms of CPU, so about 650/s with nothing else running) and, behind it, about 6 ms of processing (three executions, ten step runs, their history, the change pipe). Group commit, a fair scheduler and a checkpoint worker keep acceptance ahead of processing, so a closed loop builds a backlog of committed executions that drains afterwards (the drain time above); at 500/s offered the processing still takes the CPU acceptance needs, and requests queue.',
    )
    lines.push(
      "  What would close it: run the executor and the pollers in a worker thread with their own connection, so processing gets the second core and the main thread only accepts; then make the 202 itself cheaper (the API step outside the Effect runtime, fewer rows per order). On AWS the work is spread over API Gateway, Lambda and Step Functions, so this limit is the local runtime's, not the design's.",
    )
  }
  lines.push(rerun('orders'))
  return lines
}

const imagesReport = (images: ImagesResult): string[] => {
  const lines = [
    `Images: ${images.images} JPEGs of ${images.megapixels} MP (${(images.jpegBytes / 1e6).toFixed(1)} MB), renditions ${images.renditions.join(', ')}`,
    table([
      ['measure', 'result', 'target', ''],
      ['upload to PROCESSED (median)', `${images.pipelineMs} ms`, '', ''],
      ...(images.uploadMs === undefined
        ? []
        : [['  of which the upload (PUT to its answer)', `${images.uploadMs} ms`, '', '']]),
      ['sharp, same renditions, in process', `${images.sharpRenditionsMs} ms`, '', ''],
      ['ratio', `${images.ratio}`, `<= ${ImagesTargetRatio}`, verdict(images.ratio <= ImagesTargetRatio)],
      [
        "the render step's image work in process (header, one decode)",
        `${images.renderStepWorkMs} ms (ratio ${(images.pipelineMs / images.renderStepWorkMs).toFixed(2)})`,
        '',
        '',
      ],
      ...images.perImage.tasks.map((task) => [`  ${task.state}`, `${task.medianMs} ms x ${task.perUnit}`, '', '']),
    ]),
  ]
  if (images.ratio > ImagesTargetRatio) {
    lines.push(`MISSED by ${(images.ratio - ImagesTargetRatio).toFixed(2)} (${images.ratio} vs ${ImagesTargetRatio}).`)
    lines.push(
      `  Why: the pipeline adds, in order, the upload (${images.uploadMs ?? '?'} ms: the PUT, writing and hashing the object), the render step's header read before its one decode, the persist and index steps (${images.perImage.tasks
        .filter((task) => task.state !== 'ValidateAndRender')
        .map((task) => `${task.state} ${task.medianMs} ms`)
        .join(
          ', ',
        )}), and a few ms of state transitions; on a shared machine the renditions also vary by tens of ms from run to run.`,
    )
    lines.push(
      '  What would close it: the upload is a floor the in-process baseline does not pay; the rest is bookkeeping after the renditions are written.',
    )
  }
  lines.push(rerun('images'))
  return lines
}

const overheadReport = (overhead: OverheadResult): string[] => [
  `Runtime overhead: the ${overhead.workflow} workflow's ASL (${overhead.tasks} Task states), no-op steps, ${overhead.executions} executions per layer, one at a time`,
  table([
    ['layer', 'ms per execution', 'added'],
    ...overhead.layers.map((layer) => [layer.layer, layer.msPerExecution.toFixed(3), layer.addedMs.toFixed(3)]),
  ]),
  `ratio, local runtime / bare engine: ${overhead.ratio}`,
  rerun('overhead'),
]

const coldStartReport = (cold: ColdStartResult): string[] => {
  const over = cold.steps.filter((step) => !step.withinTarget)
  const heavy = cold.steps.filter((step) => !step.underCeiling)
  const lines = [
    `Cold start: import of each step bundle in a fresh Node ${process.versions.node} process with the environment its function has (NODE_OPTIONS included), median of ${cold.repetitions}; empty handler ${cold.emptyHandler.importMs} ms. Each non-image step against its floor: effect, Powertools and the SDK clients its services use (and the OpenSearch client with its signer for the search steps), bundled alone the same way.`,
    coldStartTable(cold),
  ]
  if (cold.breakdown.length > 0) {
    lines.push('Where a floor goes: each piece alone, over the empty handler (pieces share modules, so they overlap)')
    lines.push(
      table([
        ['piece', 'bytes', 'import ms', 'over empty'],
        ...cold.breakdown.map((piece) => [
          piece.piece,
          `${(piece.bytes / 1024).toFixed(0)} KB`,
          `${piece.importMs}`,
          `+${piece.overEmptyMs}`,
        ]),
      ]),
    )
  }
  if (over.length > 0 || heavy.length > 0) {
    const worst = Math.max(...cold.steps.filter((step) => !step.usesSharp).map((step) => step.overFloorMs))
    lines.push(
      `MISSED: ${over.length} of ${cold.steps.filter((step) => !step.usesSharp).length} non-image steps load more than ${cold.targetMs} ms over their floor (worst +${worst} ms); ${heavy.length} are over their ceiling (${cold.ceilingBytes / 1024} KB; ${SEARCH_CLIENT_CEILING_BYTES / 1024} KB with the OpenSearch client).`,
    )
  } else
    lines.push(
      `met: every non-image step loads within ${cold.targetMs} ms of its floor, and under its ceiling (${cold.ceilingBytes / 1024} KB; ${SEARCH_CLIENT_CEILING_BYTES / 1024} KB with the OpenSearch client).`,
    )
  lines.push(rerun('cold-start'))
  return lines
}

const costLines = (cost: CostResult): string[] => [...costReport(cost), rerun('cost')]

const importsReport = (imports: ImportsResult): string[] => {
  const lines = [
    `Imports: a ${imports.rows}-row CSV (${(imports.bytes / 1e6).toFixed(2)} MB) to PUT /imports against \`npm start\` in its own process`,
    table([
      ['measure', 'result', 'target', ''],
      ['the upload, PUT to its answer', `${imports.uploadMs} ms`, '', ''],
      [
        'its answer to the last order decided',
        `${(imports.decidedMs / 1000).toFixed(1)} s (${imports.ordersPerSecond} orders/s)`,
        `<= ${ImportsTargetMs / 1000} s`,
        verdict(imports.decidedMs <= ImportsTargetMs),
      ],
      ['orders decided', `${imports.decided} of ${imports.rows}`, 'all', verdict(imports.decided === imports.rows)],
      [
        'server RSS: start, peak, after the drain',
        `${mb(imports.memory.startRss)}, ${mb(imports.memory.peakRss)}, ${mb(imports.memory.endRss)}`,
        `peak < ${mb(MemoryCeilingBytes)}`,
        verdict(imports.memory.peakRss < MemoryCeilingBytes),
      ],
    ]),
  ]
  if (imports.decidedMs > ImportsTargetMs)
    lines.push(
      `MISSED by ${((imports.decidedMs - ImportsTargetMs) / 1000).toFixed(1)} s: every imported row is an order with three executions and ten step runs, processed on the one core the server's thread has (the orders benchmark's limit).`,
    )
  lines.push(rerun('imports'))
  return lines
}

/** The server's resident memory through the orders run and the import stays under this. */
const MemoryCeilingBytes = 512 * 1048576

interface TargetLine {
  readonly measure: string
  readonly target: string
  /** The figure of a run and whether it meets the target; undefined when that run did not measure it. */
  readonly read: (results: Partial<Results>) => { readonly text: string; readonly met?: boolean } | undefined
}

const openLoopAt = (results: Partial<Results>, rate: number) =>
  results.orders?.openLoop.find((run) => run.offeredPerSecond === rate)

/** Every target of the benchmarks, as one table: this run's figure beside the previous run's. */
const TargetLines: ReadonlyArray<TargetLine> = [
  {
    measure: 'orders sustained (closed loop)',
    target: `>= ${OrdersTargetPerSecond}/s`,
    read: ({ orders }) =>
      orders && {
        text: `${orders.sustainedOrdersPerSecond}/s`,
        met: orders.sustainedOrdersPerSecond >= OrdersTargetPerSecond,
      },
  },
  {
    measure: 'orders p99 at 500/s offered',
    target: `< ${OrdersTargetP99Ms} ms, all taken`,
    read: (results) => {
      const run = openLoopAt(results, 500)
      return run && { text: latencyText(run), met: meetsLatency(run, OrdersTargetP99Ms) }
    },
  },
  {
    measure: 'orders p99 at 1,000/s offered',
    target: `< ${OrdersTargetP99At1000Ms} ms, all taken`,
    read: (results) => {
      const run = openLoopAt(results, 1000)
      return run && { text: latencyText(run), met: meetsLatency(run, OrdersTargetP99At1000Ms) }
    },
  },
  {
    measure: 'overload (2,000 and 5,000/s): slowest answer',
    target: `every answer < ${OverloadMaxAnswerMs / 1000} s`,
    read: ({ orders }) => {
      const runs = orders?.overload ?? []
      if (runs.length === 0) return undefined
      const slowest = Math.max(...runs.map((run) => run.answerMs.max))
      const unanswered = runs.reduce((sum, run) => sum + run.unanswered, 0)
      return {
        text: `${(slowest / 1000).toFixed(1)} s, ${unanswered} unanswered`,
        met: slowest < OverloadMaxAnswerMs && unanswered === 0,
      }
    },
  },
  {
    measure: 'accepted orders decided, refused ones left nothing',
    target: 'all; 0',
    read: ({ orders }) =>
      orders && {
        text: `${orders.processed.decided} of ${orders.processed.accepted}; ${orders.processed.unasked ?? 0}`,
        met: orders.processed.decided === orders.processed.accepted && (orders.processed.unasked ?? 0) === 0,
      },
  },
  {
    measure: 'import, answer to last order decided',
    target: `<= ${ImportsTargetMs / 1000} s (10,000 rows)`,
    read: ({ imports }) =>
      imports && {
        text: `${(imports.decidedMs / 1000).toFixed(1)} s (${imports.rows} rows)`,
        met: imports.rows >= 10_000 ? imports.decidedMs <= ImportsTargetMs : undefined,
      },
  },
  {
    measure: 'server RSS peak, orders run; import',
    target: `< ${mb(MemoryCeilingBytes)}`,
    read: ({ orders, imports }) =>
      orders?.memory || imports
        ? {
            text: `${orders?.memory ? mb(orders.memory.peakRss) : '-'}; ${imports ? mb(imports.memory.peakRss) : '-'}`,
            met: [orders?.memory?.peakRss, imports?.memory.peakRss].every(
              (peak) => peak === undefined || peak < MemoryCeilingBytes,
            ),
          }
        : undefined,
  },
  {
    measure: 'server RSS after the drain (start), orders run',
    target: 'near its start',
    read: ({ orders }) => orders?.memory && { text: `${mb(orders.memory.endRss)} (${mb(orders.memory.startRss)})` },
  },
  {
    measure: '12 MP image, pipeline / sharp alone',
    target: `<= ${ImagesTargetRatio}`,
    read: ({ images }) => images && { text: `${images.ratio}`, met: images.ratio <= ImagesTargetRatio },
  },
  {
    measure: 'non-image steps within 30 ms of their floor',
    target: 'all',
    read: ({ coldStart }) => {
      if (!coldStart) return undefined
      const steps = coldStart.steps.filter((step) => !step.usesSharp)
      const within = steps.filter((step) => step.withinTarget).length
      return { text: `${within} of ${steps.length}`, met: within === steps.length }
    },
  },
  {
    measure: 'AWS cost per million orders',
    target: '<= $15',
    read: ({ cost }) =>
      cost && {
        text: `$${cost.perMillionOrders.totalUsd.toFixed(2)}`,
        met: cost.perMillionOrders.totalUsd <= cost.targets.ordersUsd,
      },
  },
  {
    measure: 'AWS cost per million images',
    target: '<= $100',
    read: ({ cost }) =>
      cost && {
        text: `$${cost.perMillionImages.totalUsd.toFixed(2)}`,
        met: cost.perMillionImages.totalUsd <= cost.targets.imagesUsd,
      },
  },
]

const targetsReport = (now: Partial<Results>, previous: Partial<Results>): string[] => {
  const before = previous.startedAt ? `previous run (${previous.startedAt.slice(0, 10)})` : 'previous run'
  const rows = TargetLines.map((line) => {
    const current = line.read(now)
    const earlier = line.read(previous)
    return [
      line.measure,
      current?.text ?? '-',
      earlier?.text ?? '-',
      line.target,
      current?.met === undefined ? '' : verdict(current.met),
    ]
  })
  return ['Targets: this run beside the previous one', table([['measure', 'this run', before, 'target', ''], ...rows])]
}

const main = async () => {
  const quick = process.argv.includes('--quick')
  const only = parseOnly()
  const cpuProfDir = argValue('--cpu-prof')
  const started = performance.now()
  const log = (line: string) => console.log(line)
  const previous: Partial<Results> = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Partial<Results>)
    : {}
  const results: Results = {
    machine: {
      cpus: availableParallelism(),
      model: cpus()[0]?.model ?? 'unknown',
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
    },
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    quick,
    startedAt: new Date().toISOString(),
    seconds: 0,
    load: { start: loadavg()[0]!, end: 0 },
  }
  console.log(
    `${results.command}: ${only.join(', ')} on ${results.machine.cpus} CPUs (${results.machine.model}), Node ${results.machine.node}${quick ? ', quick' : ''}\n`,
  )
  const report: string[][] = []
  if (only.includes('orders')) {
    log('orders…')
    results.orders = await benchOrders({ quick, ...(cpuProfDir ? { cpuProfDir: path.resolve(cpuProfDir) } : {}) }, log)
    report.push(ordersReport(results.orders))
  }
  if (only.includes('imports')) {
    log('imports…')
    results.imports = await benchImports({ quick }, log)
    report.push(importsReport(results.imports))
  }
  if (only.includes('images')) {
    log('images…')
    results.images = await benchImages({ quick }, log)
    report.push(imagesReport(results.images))
  }
  if (only.includes('overhead')) {
    log('overhead…')
    results.overhead = await benchOverhead({ quick }, log)
    report.push(overheadReport(results.overhead))
  }
  if (only.includes('cold-start')) {
    log('cold start…')
    results.coldStart = await benchColdStart({ quick }, log)
    report.push(coldStartReport(results.coldStart))
  }
  if (only.includes('cost')) {
    const orders = results.orders ?? previous.orders
    const images = results.images ?? previous.images
    if (!orders && !images) console.error('cost needs an orders or images run: run them in the same command or first')
    else {
      results.cost = costModel(orders, images)
      report.push(costLines(results.cost))
    }
  }
  const seconds = Math.round((performance.now() - started) / 1000)
  const load = { start: Number(results.load.start.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) }
  // A partial run keeps the other benchmarks' last figures, so results.json always holds one of each.
  const merged = { ...previous, ...results, seconds, load }
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`)
  report.unshift(targetsReport(results, previous))
  const text = report.map((lines) => lines.join('\n')).join('\n\n')
  const busy =
    Math.max(load.start, load.end) > results.machine.cpus
      ? `\nThe load average was ${load.start} at the start and ${load.end} at the end on ${results.machine.cpus} CPUs: other work shared the machine, so these figures understate it.`
      : ''
  console.log(`\n${text}\n${busy}\nwritten to bench/results.json in ${seconds} s`)
  // The figures the README quotes come from a full run only.
  if (!quick && only.length === Benchmarks.length) writeFileSync(resultsMarkdown, resultsPage(merged, text, busy))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
