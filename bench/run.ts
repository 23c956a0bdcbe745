import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import * as path from 'node:path'
import { benchColdStart, type ColdStartResult } from './cold-start'
import { costModel, type Bill, type CostResult } from './cost'
import { benchImages, ImagesTargetRatio, type ImagesResult } from './images'
import { benchOrders, type OrdersResult } from './orders'
import { benchOverhead, type OverheadResult } from './overhead'

/**
 * `npm run bench`: every benchmark, a table, and `bench/results.json`. Never part of `npm test`.
 *
 *   npm run bench                          all of them (about 5 minutes on 2 cores)
 *   npm run bench -- --quick               shorter runs, for iterating (numbers are rougher)
 *   npm run bench -- --only orders,images  a subset: orders, images, overhead, cold-start, cost
 *   npm run bench -- --cpu-prof DIR        profile the orders run's server (writes a .cpuprofile into DIR)
 *
 * `cost` prices the orders and images runs of the same invocation, or those in the last results.json.
 */
const Benchmarks = ['orders', 'images', 'overhead', 'cold-start', 'cost'] as const
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
        ? `p99 < ${OrdersTargetP99Ms} ms`
        : run.offeredPerSecond === 1000
          ? `p99 < ${OrdersTargetP99At1000Ms} ms`
          : '',
      run.offeredPerSecond === 500
        ? verdict(run.latencyMs.p99 < OrdersTargetP99Ms)
        : run.offeredPerSecond === 1000
          ? verdict(run.latencyMs.p99 < OrdersTargetP99At1000Ms)
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
        "sharp + validate's checks (metadata, integrity decode)",
        `${images.sharpWithValidationMs} ms (ratio ${(images.pipelineMs / images.sharpWithValidationMs).toFixed(2)})`,
        '',
        '',
      ],
      ...images.perImage.tasks.map((task) => [`  ${task.state}`, `${task.medianMs} ms x ${task.perUnit}`, '', '']),
    ]),
  ]
  if (images.ratio > ImagesTargetRatio) {
    lines.push(`MISSED by ${(images.ratio - ImagesTargetRatio).toFixed(2)} (${images.ratio} vs ${ImagesTargetRatio}).`)
    lines.push(
      `  Why: the renditions take what sharp alone takes (the same options; the workflow's Map runs them at once); what the pipeline adds is, in order, the upload (${images.uploadMs ?? '?'} ms: the PUT, writing and hashing the object), the validate step before any rendition (${images.perImage.tasks.find((task) => task.state === 'ValidateImage')?.medianMs ?? '?'} ms: the header, then a decode at reduced scale that reads the whole compressed stream, and for JPEG a walk of its markers to the EOI), and a few ms of state transitions and bookkeeping; on a shared machine the renditions also vary by tens of ms from run to run.`,
    )
    lines.push(
      "  What would close it: check integrity alongside the renditions instead of before them (a Parallel state, or the resize steps' own decode with failOn: error plus the EOI check, with validate reading only the header), or decode once and render every rendition from that one decode; the upload itself is a floor the in-process baseline does not pay.",
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
  const heavy = cold.steps.filter((step) => !step.underBudget)
  const lines = [
    `Cold start: import of each step bundle in a fresh Node ${process.versions.node} process, median of ${cold.repetitions}; empty handler ${cold.emptyHandler.importMs} ms, ${cold.emptyHandler.bytes} B`,
    table([
      ['step', 'bytes', 'import ms', 'over empty', ''],
      ...cold.steps.map((step) => [
        `${step.step}${step.usesSharp ? ' (sharp)' : ''}`,
        `${(step.bytes / 1024).toFixed(0)} KB`,
        `${step.importMs}`,
        `+${step.overEmptyMs}`,
        `${verdict(step.withinTarget)}${step.underBudget ? '' : ', OVER 300 KB'}`,
      ]),
    ]),
  ]
  if (cold.breakdown && cold.breakdown.length > 0) {
    lines.push(
      'Where it goes: each piece a step loads, bundled alone with the same options (the SDK external, as on Lambda); pieces share modules, so they overlap',
    )
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
    const worst = Math.max(...cold.steps.map((step) => step.overEmptyMs))
    lines.push(
      `MISSED: ${over.length} of ${cold.steps.length} steps load more than ${cold.targetMs} ms slower than the empty handler (worst +${worst} ms); ${heavy.length} non-image steps are over ${cold.budgetBytes / 1024} KB.`,
    )
    lines.push(
      "  Why: every bundle evaluates effect (~370 KB: Schema, the fiber runtime) and Powertools' tracer with aws-xray-sdk-core at load, and imports the AWS SDK clients its step's services use from the runtime (one module per client, so a step loads only those). The breakdown above prices each piece: effect, the tracer and one SDK client are each several times the 30 ms budget.",
    )
    lines.push(
      "  What would close it: decode step inputs without effect's Schema in the handler path (or load it lazily); trace through Lambda's native X-Ray integration instead of the X-Ray SDK; both trade against the design (contracts decoded with the same Schema, Powertools tracing), so they are a decision, not a fix. On Lambda, provisioned concurrency hides the cold start of a latency-sensitive step, at a cost while idle. See npm run bundles for where the bytes go.",
    )
  }
  lines.push(rerun('cold-start'))
  return lines
}

const money = (usd: number) => (usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`)

const billReport = (title: string, bill: Bill): string[] => [
  `${title}: ${money(bill.totalUsd)}`,
  table([
    ['line item', 'quantity per million', 'cost', 'basis'],
    ...[...bill.lines]
      .sort((a, b) => b.usdPerMillion - a.usdPerMillion)
      .map((item) => [
        item.item,
        `${Number(item.quantityPerMillion.toPrecision(4))} ${item.unit}`,
        money(item.usdPerMillion),
        item.basis,
      ]),
  ]),
]

const costReport = (cost: CostResult): string[] => {
  const levels = Object.entries(cost.workflowLogging)
    .map(([workflow, logging]) => `${workflow} ${logging.level}${logging.includeExecutionData ? ' with data' : ''}`)
    .join(', ')
  const lines = [
    `Cost on AWS (us-east-1, prices as of ${cost.pricesAsOf}, see bench/prices.ts); workflow logs as the CDK app configures them: ${levels}`,
  ]
  if (!Number.isNaN(cost.perMillionOrders.totalUsd))
    lines.push(...billReport('per million orders', cost.perMillionOrders))
  if (!Number.isNaN(cost.perMillionImages.totalUsd))
    lines.push(...billReport('per million images', cost.perMillionImages))
  const orders = cost.perMillionOrders.totalUsd
  lines.push(
    `With every workflow logging ALL with execution data (the default, -c workflowLogLevel=ALL): ${money(cost.atLevelAll.ordersUsd)} per million orders, ${money(cost.atLevelAll.imagesUsd)} per million images.`,
  )
  lines.push(
    `With every workflow logging failures only (-c workflowLogLevel=ERROR): ${money(cost.atLevelError.ordersUsd)} per million orders, ${money(cost.atLevelError.imagesUsd)} per million images.`,
  )
  if (!Number.isNaN(orders))
    lines.push(
      `If every Lambda invocation took ${cost.sensitivity.assumedMs} ms on AWS (SDK round trips the local runtime does not have), orders would cost ${money(orders + cost.sensitivity.extraOrdersUsd)} and images ${money(cost.perMillionImages.totalUsd + cost.sensitivity.extraImagesUsd)}.`,
    )
  if (orders > cost.targetUsdPerMillionOrders) {
    const sorted = [...cost.perMillionOrders.lines].sort((a, b) => b.usdPerMillion - a.usdPerMillion)
    const sum = (pattern: RegExp) =>
      cost.perMillionOrders.lines
        .filter((item) => pattern.test(item.item))
        .reduce((total, item) => total + item.usdPerMillion, 0)
    const events = cost.perMillionOrders.lines.find((item) => item.item === 'EventBridge custom events')
    const changes = sum(/change|Pipes|pipe enrichment/)
    const lambdaRequests = sum(/^Lambda requests/)
    lines.push(
      `MISSED: ${money(orders)} per million orders, ${money(orders - cost.targetUsdPerMillionOrders)} (${(orders / cost.targetUsdPerMillionOrders).toFixed(1)}x) over the ${money(cost.targetUsdPerMillionOrders)} target. Largest: ${sorted
        .slice(0, 3)
        .map((item) => `${item.item} ${money(item.usdPerMillion)}`)
        .join('; ')}.`,
    )
    lines.push(
      `  Why: the work per order is many small billed requests: ${(events?.quantityPerMillion ?? 0) / 1e6} custom events on the bus (${money(events?.usdPerMillion ?? 0)}); every orders-table write starts a change workflow through the pipe (${money(changes)} with its steps and events); the DynamoDB writes (${money(sum(/^DynamoDB writes/))}) include a search document put from both workflows and a ledger claim and completion per notification; ${money(lambdaRequests)} of Lambda requests; and CloudWatch Logs (${money(sum(/^CloudWatch Logs/))}: the workflows' execution logs at their configured level, most of it at level ALL, and Lambda's own lines).`,
    )
    lines.push(
      "  What would close it: filter the change pipe to the writes search and notifications need and fold apply and notify into one step (or index from the change workflow only, not also from the order workflow); fold the order workflow's four steps into two invocations; emit fewer events per order (each entry is billed, batched or not); JSON-format Lambda logs with the system log level at WARN drop the START/END/REPORT lines; the fixed floor is the HTTP API and the Express execution, $2 per million.",
    )
  } else if (!Number.isNaN(orders))
    lines.push(`per million orders: met (target ${money(cost.targetUsdPerMillionOrders)})`)
  lines.push('Not counted: S3 and DynamoDB storage, data transfer, CloudWatch metrics and alarms, free tiers.')
  lines.push(
    `Search (OpenSearch Service, ${cost.search.domain.instances} × ${cost.search.domain.instanceType}, ${cost.search.domain.volumeGb} GB gp3): ${money(cost.search.idleUsdPerMonth)} a month at idle, whatever the traffic; documents cost only their storage, ${money(cost.search.storageUsdPerMillionDocumentsMonth)} a month per million once they outgrow the ${cost.search.documentsThatFitDefaultVolume.toLocaleString('en-US')} the default volume holds. -c search=false leaves the domain out.`,
  )
  if (cost.unconfirmedPrices.length > 0)
    lines.push(`Prices not confirmed against the AWS page when written: ${cost.unconfirmedPrices.join(', ')}`)
  lines.push(rerun('cost'))
  return lines
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
      report.push(costReport(results.cost))
    }
  }
  const seconds = Math.round((performance.now() - started) / 1000)
  const load = { start: Number(results.load.start.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) }
  // A partial run keeps the other benchmarks' last figures, so results.json always holds one of each.
  const merged = { ...previous, ...results, seconds, load }
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`)
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
