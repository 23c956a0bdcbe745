import { DefaultRenditions } from '../contracts/images'
import { synthesizePipeline, type CfnTemplate } from '../infra/aws/synth'
import { allStates, type AslDefinition } from '../infra/local/model/asl'
import { localModel } from '../infra/local/model/template'
import { WorkflowTag } from '../contracts/executions'
import { photo, waitForProcessed } from './images'
import { Prices, PricesAsOf, type Price } from './prices'
import { readFootprint, type Footprint } from './support/footprint'
import { startServer, waitForDrain } from './support/server'

/**
 * The AWS bill per million orders and per million images, as AWS bills it. What the pipeline does per unit of work
 * (executions, state transitions, step invocations, events by source and bus, history and archive bytes) is counted
 * from a batch run through the local runtime, which runs the synthesized template; what the local runtime cannot
 * show (how long a step takes on AWS, the SDK round trips in it, what each write costs with its indexes, what
 * Lambda and X-Ray record) is modelled from the template and the assumptions in {@link Assumptions}, each with the
 * page it comes from. Every line is quantity × price, with its basis.
 *
 * `nice npx tsx bench/cost.ts` runs the batch and prints the bill; `npm run bench -- --only cost` prices the orders
 * and images runs of the same invocation instead.
 */
export interface LineItem {
  readonly item: string
  readonly quantityPerMillion: number
  readonly unit: string
  readonly usdPerMillion: number
  readonly basis: string
}

export interface Bill {
  readonly lines: ReadonlyArray<LineItem>
  readonly totalUsd: number
}

/** What a month costs whatever the traffic: alarms, dashboards, stream polling. */
export interface FixedLine {
  readonly item: string
  readonly usdPerMonth: number
  readonly basis: string
}

export interface CostResult {
  readonly pricesAsOf: string
  /** Each workflow's log level as the CDK app configures it (the synthesized template's `LoggingConfiguration`). */
  readonly workflowLogging: Readonly<Record<string, WorkflowLogLevel>>
  readonly perMillionOrders: Bill
  readonly perMillionImages: Bill
  /** The totals with every workflow at level ALL with execution data (`-c workflowLogLevel=ALL`). */
  readonly atLevelAll: { readonly ordersUsd: number; readonly imagesUsd: number }
  /** The totals with the order and change workflows at ALL without execution data (`-c workflowLogLevel=OrderWorkflow=ALL:nodata,ChangeWorkflow=ALL:nodata`). */
  readonly expressAtAllNoData: { readonly ordersUsd: number }
  readonly targets: { readonly ordersUsd: number; readonly imagesUsd: number }
  /** The totals if every AWS call took twice as long as assumed. */
  readonly slowerCalls: { readonly ordersUsd: number; readonly imagesUsd: number }
  /** The orders total when clients send no Idempotency-Key. */
  readonly withoutIdempotencyKey: { readonly ordersUsd: number }
  readonly fixedPerMonth: ReadonlyArray<FixedLine>
  readonly assumptions: ReadonlyArray<string>
  readonly unconfirmedPrices: ReadonlyArray<string>
  /** The search domain: a fixed cost a month, not a cost per order or image. */
  readonly search: SearchCost
}

export const OrdersTargetUsd = 15
export const ImagesTargetUsd = 100

/** The search domain's default size (`infra/aws/constructs/search-domain.ts`), which the idle cost is of. */
export const SearchDomainDefault = { instanceType: 't3.small.search', instances: 1, volumeGb: 10 }

/** Hours in an average month (365 × 24 / 12). */
const HoursPerMonth = 730

/**
 * Bytes one search document takes on the domain's disk, index structures included: a document's source is 0.5 to
 * 1 KB (an order with a few items, a user, an image record with two renditions), and an index with prefix terms
 * takes about twice its sources. An assumption, not a measurement: no OpenSearch server runs here.
 */
const AssumedSearchDocumentBytes = 2 * 1024

/**
 * What search costs on AWS: the domain bills by the hour whether or not it is used (the per-document work, an
 * index or search request, costs nothing more there; the Lambda invocations that make them are in the bills above),
 * and its documents fill the storage it was given.
 */
export interface SearchCost {
  readonly domain: typeof SearchDomainDefault
  /** The domain's instance hours and storage, a month, at the default size. */
  readonly idleUsdPerMonth: number
  /** Storage a million documents take, a month, if the volume had to grow for them. */
  readonly storageUsdPerMillionDocumentsMonth: number
  /** How many documents fit the default volume, by the assumption above. */
  readonly documentsThatFitDefaultVolume: number
}

/** The search domain's fixed monthly cost and the storage cost per document. */
export const searchCost = (): SearchCost => {
  const { instances, volumeGb } = SearchDomainDefault
  const instanceUsd = instances * HoursPerMonth * Prices.openSearchT3SmallHour.usd
  const storageUsd = instances * volumeGb * Prices.openSearchGp3GbMonth.usd
  const gbPerMillion = (AssumedSearchDocumentBytes * 1e6) / 1024 ** 3
  return {
    domain: SearchDomainDefault,
    idleUsdPerMonth: instanceUsd + storageUsd,
    storageUsdPerMillionDocumentsMonth: gbPerMillion * Prices.openSearchGp3GbMonth.usd,
    documentsThatFitDefaultVolume: Math.floor((volumeGb * 1024 ** 3) / AssumedSearchDocumentBytes),
  }
}

/** An assumed figure and where it comes from. */
interface Assumption {
  readonly value: number
  readonly basis: string
}

/**
 * What the model assumes, each with its source. The latencies are what a step waits for on AWS and the local runtime
 * does not: they set the Lambda and Express durations.
 */
export const Assumptions = {
  unitsPerSecond: {
    value: 1e6 / (30 * 86_400),
    basis: 'a million units spread evenly over a 30-day month (0.39 a second): the rate sampling reservoirs see',
  },
  dynamoDbCallMs: {
    value: 10,
    basis:
      'DynamoDB answers in single-digit milliseconds (https://aws.amazon.com/dynamodb/), plus the round trip from Lambda',
  },
  putEventsMs: {
    value: 30,
    basis: 'AWS publishes no PutEvents latency: 30 ms assumed, the slowest call of an order',
  },
  s3RequestMs: {
    value: 30,
    basis:
      'small S3 requests take tens of milliseconds (https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/timeouts-and-retries-for-latency-sensitive-applications.html)',
  },
  s3MegabytesPerSecond: {
    value: 85,
    basis:
      '85-90 MB/s per S3 request (https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/horizontal-scaling-and-request-parallelization-for-high-throughput.html)',
  },
  taskOverheadMs: {
    value: 20,
    basis: "an Express Task's round trip to Lambda around the function's own duration (not published: assumed)",
  },
  failingShare: {
    value: 0.01,
    basis: 'below level ALL only failures are logged; 1% of executions assumed to fail and log their whole history',
  },
  coldStartShare: {
    value: 0.01,
    basis:
      'invocations that start an execution environment; INIT is billed like the invocation (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/)',
  },
  initMs: {
    value: 300,
    basis: 'runtime start plus the bundle import (bench/cold-start.ts measures the import: 100-250 ms)',
  },
  idempotencyKeyShare: {
    value: 1,
    basis: 'every POST /orders carries an Idempotency-Key (an upper bound: without one, two writes fewer)',
  },
  openSearchCallMs: {
    value: 20,
    basis:
      'AWS publishes no OpenSearch Service indexing latency: 20 ms assumed for one signed index request from Lambda (no refresh waited for)',
  },
  successLogBytes: {
    value: 0,
    basis: 'a step writes nothing on success (steps/kit/lambda-handler.ts; test/unit/steps/kit/lambda-handler.test.ts)',
  },
  accessLogValueBytes: { value: 20, basis: 'each $context value of the HTTP API access log line, on average' },
} satisfies Record<string, Assumption>

type AssumptionName = keyof typeof Assumptions

/** The assumptions as used, overridable for a what-if. */
type Model = Readonly<Record<AssumptionName, number>>

const defaultModel = (): Model =>
  Object.fromEntries(Object.entries(Assumptions).map(([name, { value }]) => [name, value])) as Model

/**
 * The AWS calls each step makes per invocation on its usual path, read from its program and its adapters
 * (`infra/aws/layers`), and what they keep it waiting: calls in sequence add up, calls made at once (`Effect.forEach`
 * unbounded) count once. `imageBytes` is the upload's size.
 */
const StepCalls: Readonly<
  Record<string, { readonly calls: string; readonly ms: (m: Model, imageBytes: number) => number }>
> = {
  'http-api': {
    calls: 'Idempotency PutItem, order PutItem, PutEvents, Idempotency UpdateItem',
    ms: (m) => (1 + 2 * m.idempotencyKeyShare) * m.dynamoDbCallMs + m.putEventsMs,
  },
  'validate-order': { calls: 'user GetItem', ms: (m) => m.dynamoDbCallMs },
  'persist-order': { calls: 'order UpdateItem', ms: (m) => m.dynamoDbCallMs },
  'notify-order': {
    calls: 'ledger PutItem, PutEvents, ledger UpdateItem',
    ms: (m) => 2 * m.dynamoDbCallMs + m.putEventsMs,
  },
  // The search domain bills by the hour, not by the request: a versioned index request costs only the wait.
  'apply-change': { calls: 'OpenSearch index request, versioned', ms: (m) => m.openSearchCallMs },
  'notify-change': {
    calls: 'ledger PutItem, PutEvents, ledger UpdateItem',
    ms: (m) => 2 * m.dynamoDbCallMs + m.putEventsMs,
  },
  'render-image': {
    calls: 'HEAD and GET of the upload, then HEAD and PUT of every rendition at once',
    ms: (m, bytes) => 2 * m.s3RequestMs + (bytes / 1e6 / m.s3MegabytesPerSecond) * 1000 + 2 * m.s3RequestMs,
  },
  'persist-image': {
    calls: 'image PutItem, ledger PutItem, PutEvents, ledger UpdateItem',
    ms: (m) => 3 * m.dynamoDbCallMs + m.putEventsMs,
  },
  'index-image': { calls: 'OpenSearch index request, versioned', ms: (m) => m.openSearchCallMs },
}

/** A state machine's `LoggingConfiguration` as synthesized: its level (`OFF` when it has none) and execution data. */
export interface WorkflowLogLevel {
  readonly level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF'
  readonly includeExecutionData: boolean
}

/** X-Ray's default rule: the first request each second, then 5% (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html). */
const DefaultSampling = { reservoirPerSecond: 1, fixedRate: 0.05 }

interface FunctionShape {
  readonly memoryMb: number
  /** Text logs at system level INFO (the default) send START, END and REPORT lines; JSON at WARN none. */
  readonly systemLogLines: boolean
  readonly tracing: 'Active' | 'PassThrough'
}

interface AppShape {
  readonly functionOf: ReadonlyMap<string, FunctionShape>
  /** For each `workflow/state` Task that invokes Lambda, the step it invokes. */
  readonly stepOfTask: ReadonlyMap<string, string>
  readonly workflowType: ReadonlyMap<string, 'STANDARD' | 'EXPRESS'>
  readonly workflowLogging: ReadonlyMap<string, WorkflowLogLevel>
  readonly workflowTraced: ReadonlyMap<string, boolean>
  /** The account's sampling of Step Functions executions: a rule for them in the template, or X-Ray's default. */
  readonly workflowSampling: { readonly reservoirPerSecond: number; readonly fixedRate: number }
  /** Each pipe's enrichment step, by the detail-type the pipe puts on the bus. */
  readonly pipeEnrichments: ReadonlyArray<{ readonly step: string; readonly detailType: string }>
  readonly ordersTableIndexes: number
  /** Bytes of one HTTP API access log line, from its format in the template. */
  readonly accessLogLineBytes: number
  readonly alarms: number
  readonly dashboards: number
  readonly streamPipes: number
}

type Resource = { Type: string; Properties?: Record<string, unknown> }

const resourcesOf = (template: CfnTemplate, type: string): Resource[] =>
  (Object.values(template.Resources) as Resource[]).filter((resource) => resource.Type === type)

/** Each workflow's logging in the template, by its `pipeline:workflow` tag. */
const workflowProperties = (template: CfnTemplate) =>
  resourcesOf(template, 'AWS::StepFunctions::StateMachine').flatMap((resource) => {
    const properties = resource.Properties as {
      Tags?: Array<{ Key: string; Value: string }>
      LoggingConfiguration?: { Level?: WorkflowLogLevel['level']; IncludeExecutionData?: boolean }
      TracingConfiguration?: { Enabled?: boolean }
    }
    const workflow = properties.Tags?.find((tag) => tag.Key === WorkflowTag)?.Value
    return workflow === undefined
      ? []
      : [
          {
            workflow,
            logging: {
              level: properties.LoggingConfiguration?.Level ?? 'OFF',
              includeExecutionData: properties.LoggingConfiguration?.IncludeExecutionData ?? false,
            } satisfies WorkflowLogLevel,
            traced: properties.TracingConfiguration?.Enabled === true,
          },
        ]
  })

/** A `$context` variable of an access log format, and the 26 bytes CloudWatch Logs counts per log event. */
const accessLogBytes = (template: CfnTemplate, valueBytes: number): number => {
  const stage = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]
  const format = (stage?.Properties?.AccessLogSettings as { Format?: string } | undefined)?.Format
  if (!format) return 0
  return format.replace(/\$context\.[A-Za-z.]+/g, 'x'.repeat(valueBytes)).length + 26
}

export const readApp = (template: CfnTemplate = synthesizePipeline(), m: Model = defaultModel()): AppShape => {
  const model = localModel(template, WorkflowTag)
  const functionOf = new Map<string, FunctionShape>()
  for (const resource of resourcesOf(template, 'AWS::Lambda::Function')) {
    const properties = resource.Properties as {
      MemorySize?: number
      Environment?: { Variables?: Record<string, unknown> }
      LoggingConfig?: { LogFormat?: string; SystemLogLevel?: string }
      TracingConfig?: { Mode?: 'Active' | 'PassThrough' }
    }
    const step = properties.Environment?.Variables?.PIPELINE_STEP
    if (typeof step !== 'string') continue
    functionOf.set(step, {
      memoryMb: properties.MemorySize ?? 128,
      systemLogLines: !(
        properties.LoggingConfig?.LogFormat === 'JSON' && properties.LoggingConfig.SystemLogLevel === 'WARN'
      ),
      tracing: properties.TracingConfig?.Mode ?? 'PassThrough',
    })
  }
  const stepOfFunction = (nameOrArn: unknown) =>
    model.functions.find((fn) => fn.arn === nameOrArn || fn.name === nameOrArn)?.step
  const stepOfTask = new Map<string, string>()
  for (const machine of model.stateMachines) {
    for (const [name, state] of allStates(machine.definition as unknown as AslDefinition)) {
      const parameters = (state as { Parameters?: Record<string, unknown> }).Parameters
      const step =
        state.Type === 'Task' ? (stepOfFunction(parameters?.FunctionName) ?? stepOfFunction(state.Resource)) : undefined
      if (step) stepOfTask.set(`${machine.workflow}/${name}`, step)
    }
  }
  const rule = resourcesOf(template, 'AWS::XRay::SamplingRule')
    .map((resource) => (resource.Properties as { SamplingRule: Record<string, unknown> }).SamplingRule)
    .find((candidate) => candidate.ServiceType === 'AWS::StepFunctions::StateMachine' || candidate.ServiceType === '*')
  const orders = resourcesOf(template, 'AWS::DynamoDB::Table').find((table) =>
    (table.Properties?.KeySchema as Array<{ AttributeName: string }>).some((key) => key.AttributeName === 'orderId'),
  )
  const workflows = workflowProperties(template)
  return {
    functionOf,
    stepOfTask,
    workflowType: new Map(model.stateMachines.map((machine) => [machine.workflow, machine.type])),
    workflowLogging: new Map(workflows.map(({ workflow, logging }) => [workflow, logging])),
    workflowTraced: new Map(workflows.map(({ workflow, traced }) => [workflow, traced])),
    workflowSampling: rule
      ? { reservoirPerSecond: Number(rule.ReservoirSize), fixedRate: Number(rule.FixedRate) }
      : DefaultSampling,
    pipeEnrichments: (model.pipes ?? []).flatMap((pipe) => {
      const step = stepOfFunction(pipe.enrichmentArn)
      return step ? [{ step, detailType: pipe.detailType }] : []
    }),
    ordersTableIndexes: ((orders?.Properties?.GlobalSecondaryIndexes as unknown[] | undefined) ?? []).length,
    accessLogLineBytes: accessLogBytes(template, m.accessLogValueBytes),
    alarms: resourcesOf(template, 'AWS::CloudWatch::Alarm').length,
    dashboards: resourcesOf(template, 'AWS::CloudWatch::Dashboard').length,
    streamPipes: resourcesOf(template, 'AWS::Pipes::Pipe').length,
  }
}

const line = (item: string, quantityPerUnit: number, price: Price, basis: string): LineItem => ({
  item,
  quantityPerMillion: quantityPerUnit * 1e6,
  unit: price.per,
  usdPerMillion: quantityPerUnit * 1e6 * price.usd,
  basis,
})

const total = (lines: ReadonlyArray<LineItem>): Bill => ({
  lines: lines.filter((item) => item.quantityPerMillion > 0),
  totalUsd: lines.reduce((sum, item) => sum + item.usdPerMillion, 0),
})

/**
 * The share of requests a sampling rule records at `perSecond` requests a second: its reservoir each second, then
 * its fixed rate of the rest (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html).
 */
export const sampledShare = (perSecond: number, rule: { reservoirPerSecond: number; fixedRate: number }): number => {
  if (perSecond <= 0) return 0
  const reserved = Math.min(perSecond, rule.reservoirPerSecond)
  return (reserved + rule.fixedRate * (perSecond - reserved)) / perSecond
}

/** Lambda bills each invocation's duration rounded up to the millisecond (https://aws.amazon.com/lambda/pricing/). */
export const lambdaGbSeconds = (ms: number, memoryMb: number): number => (Math.ceil(ms) / 1000) * (memoryMb / 1024)

/** Express bills each execution's duration in 100 ms steps and its memory in 64 MB chunks (https://aws.amazon.com/step-functions/pricing/). */
export const expressGbSeconds = (ms: number): number => (Math.ceil(Math.max(1, ms) / 100) / 10) * (64 / 1024)

/** Bytes a workflow's log receives per unit at `logging`, from the history measured (its data, events and envelope). */
export const workflowLogBytes = (
  workflow: Pick<Footprint['workflows'][number], 'logBytesPerUnit' | 'historyEventsPerUnit'>,
  logging: WorkflowLogLevel,
  failingShare: number,
): number => {
  if (logging.level === 'OFF') return 0
  // Without execution data a log event is its envelope and names: the 250 bytes the footprint adds per event.
  const all = logging.includeExecutionData ? workflow.logBytesPerUnit : workflow.historyEventsPerUnit * 250
  return logging.level === 'ALL' ? all : all * failingShare
}

/** Lambda's text START, END and REPORT lines (with the XRAY line when traced) and 26 bytes each of event overhead. */
const SystemLineBytes = 75 + 55 + 300 + 3 * 26

interface Invocation {
  readonly label: string
  readonly step: string
  readonly perUnit: number
  /** Time the function spends computing, measured in the local runtime. */
  readonly computeMs: number
  readonly basis: string
}

interface Usage {
  readonly invocations: ReadonlyArray<Invocation>
  readonly logging: (workflow: string) => WorkflowLogLevel
}

const modelledMs = (invocation: Invocation, m: Model, imageBytes: number) =>
  Math.max(1, invocation.computeMs) + (StepCalls[invocation.step]?.ms(m, imageBytes) ?? 0)

const lambdaLines = (usage: Usage, app: AppShape, m: Model, imageBytes: number): LineItem[] =>
  usage.invocations.flatMap((invocation) => {
    const fn = app.functionOf.get(invocation.step) ?? { memoryMb: 256, systemLogLines: true, tracing: 'Active' }
    const ms = modelledMs(invocation, m, imageBytes)
    const calls = StepCalls[invocation.step]?.calls ?? 'no AWS call'
    return [
      line(
        `Lambda requests: ${invocation.label}`,
        invocation.perUnit,
        Prices.lambdaRequest,
        `${invocation.perUnit} per unit (${invocation.basis})`,
      ),
      line(
        `Lambda duration: ${invocation.label} (${fn.memoryMb} MB, ${Math.ceil(ms)} ms)`,
        invocation.perUnit * lambdaGbSeconds(ms, fn.memoryMb),
        Prices.lambdaArmGbSecond,
        `${Math.max(1, invocation.computeMs)} ms of compute measured locally + ${calls} (${Math.round(ms - Math.max(1, invocation.computeMs))} ms)`,
      ),
    ]
  })

const initLines = (usage: Usage, app: AppShape, m: Model): LineItem[] => {
  const gbSeconds = usage.invocations.reduce(
    (sum, invocation) =>
      sum +
      invocation.perUnit *
        m.coldStartShare *
        lambdaGbSeconds(m.initMs, app.functionOf.get(invocation.step)?.memoryMb ?? 256),
    0,
  )
  return [
    line(
      'Lambda INIT (cold starts)',
      gbSeconds,
      Prices.lambdaArmGbSecond,
      `${m.coldStartShare * 100}% of invocations start an environment, ${m.initMs} ms each`,
    ),
  ]
}

/** Every workflow's executions and transitions, Express durations from the modelled task durations. */
const workflowLines = (footprint: Footprint, usage: Usage, app: AppShape, m: Model, imageBytes: number): LineItem[] =>
  footprint.workflows.flatMap((workflow) => {
    if (app.workflowType.get(workflow.workflow) === 'STANDARD')
      return [
        line(
          `Step Functions Standard: ${workflow.workflow} transitions`,
          workflow.transitionsPerUnit,
          Prices.standardTransition,
          `${workflow.transitionsPerUnit} states entered per unit (measured)`,
        ),
      ]
    const tasks = usage.invocations.filter((invocation) => invocation.label.startsWith(`${workflow.workflow}/`))
    const perExecutionMs =
      tasks.reduce((sum, task) => sum + task.perUnit * (modelledMs(task, m, imageBytes) + m.taskOverheadMs), 0) /
      Math.max(workflow.executionsPerUnit, 1e-9)
    const billed = expressGbSeconds(perExecutionMs)
    return [
      line(
        `Step Functions Express: ${workflow.workflow} executions`,
        workflow.executionsPerUnit,
        Prices.expressRequest,
        `${workflow.executionsPerUnit} per unit (measured)`,
      ),
      line(
        `Step Functions Express: ${workflow.workflow} duration`,
        workflow.executionsPerUnit * billed,
        Prices.expressGbSecond,
        `${Math.round(perExecutionMs)} ms per execution (its tasks as modelled + ${m.taskOverheadMs} ms each), billed as ${Math.ceil(perExecutionMs / 100) * 100} ms x 64 MB`,
      ),
    ]
  })

/** EventBridge by what it bills: custom and forwarded events, S3's opt-in data events, free service events. */
const eventLines = (footprint: Footprint): LineItem[] => {
  const kinds = footprint.eventsByKind
  const sum = (filter: (kind: Footprint['eventsByKind'][number]) => boolean) =>
    kinds.filter(filter).reduce((n, kind) => n + kind.perUnit * Math.ceil(kind.meanBytes / 65_536), 0)
  const names = (filter: (kind: Footprint['eventsByKind'][number]) => boolean) =>
    kinds
      .filter(filter)
      .map((kind) => `${kind.detailType} ${kind.perUnit}`)
      .join(', ')
  const custom = (kind: Footprint['eventsByKind'][number]) => kind.bus !== 'default' && !kind.source.startsWith('aws.')
  const forwarded = (kind: Footprint['eventsByKind'][number]) =>
    kind.bus !== 'default' && kind.source.startsWith('aws.')
  const s3 = (kind: Footprint['eventsByKind'][number]) => kind.bus === 'default' && kind.source === 'aws.s3'
  return [
    line(
      'EventBridge custom events',
      sum(custom),
      Prices.customEvent,
      `put by the steps (measured): ${names(custom) || 'none'}`,
    ),
    line(
      'EventBridge events sent to another bus',
      sum(forwarded),
      Prices.customEvent,
      `S3 events the default bus forwards to the pipeline bus, billed as custom events (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html; measured): ${names(forwarded) || 'none'}`,
    ),
    line(
      'EventBridge AWS opt-in data events',
      sum(s3),
      Prices.optInDataEvent,
      `S3's events on the default bus (measured): ${names(s3) || 'none'}`,
    ),
    line(
      'EventBridge archive',
      footprint.archivedBytesPerUnit / 1e9,
      Prices.archiveGb,
      `${footprint.archivedBytesPerUnit} bytes archived per unit (measured); Step Functions status changes are AWS management events, free`,
    ),
  ]
}

const logLines = (
  footprint: Footprint,
  usage: Usage,
  app: AppShape,
  m: Model,
  extraBytes: number,
  extraBasis: string,
): LineItem[] => {
  const workflowBytes = footprint.workflows.reduce(
    (sum, workflow) => sum + workflowLogBytes(workflow, usage.logging(workflow.workflow), m.failingShare),
    0,
  )
  const lambdaBytes = usage.invocations.reduce((sum, invocation) => {
    const fn = app.functionOf.get(invocation.step)
    return sum + invocation.perUnit * (((fn?.systemLogLines ?? true) ? SystemLineBytes : 0) + m.successLogBytes)
  }, 0)
  const levels = footprint.workflows
    .map((workflow) => {
      const chosen = usage.logging(workflow.workflow)
      return `${workflow.workflow} ${chosen.level}${chosen.includeExecutionData ? '' : ' without data'}`
    })
    .join(', ')
  return [
    line(
      'CloudWatch Logs: workflow execution logs',
      workflowBytes / 1e9,
      Prices.logsIngestedGb,
      `${Math.round(workflowBytes)} B per unit: ${levels} (history measured at ALL; below ALL ${m.failingShare * 100}% of executions fail)`,
    ),
    line(
      'CloudWatch Logs: Lambda',
      (lambdaBytes + extraBytes) / 1e9,
      Prices.logsIngestedGb,
      `${Math.round(lambdaBytes + extraBytes)} B per unit: ${m.successLogBytes} B per successful invocation from the step, START/END/REPORT where the system log level lets them through${extraBasis}`,
    ),
  ]
}

/**
 * Traces recorded per unit: each trace starts at a root that decides to sample. Roots here are the workflows (started
 * by a rule, whose events carry no trace header: the adapters do not instrument their SDK clients) at the account's
 * rule, and the functions of `entryPoints` when their tracing is Active (Lambda's own fixed rule).
 */
const xrayLines = (
  footprint: Footprint,
  app: AppShape,
  m: Model,
  entryPoints: ReadonlyArray<{ step: string; perUnit: number }>,
): LineItem[] => {
  const parts: string[] = []
  let traces = 0
  for (const workflow of footprint.workflows) {
    if (!app.workflowTraced.get(workflow.workflow)) continue
    const share = sampledShare(workflow.executionsPerUnit * m.unitsPerSecond, app.workflowSampling)
    traces += workflow.executionsPerUnit * share
    parts.push(`${workflow.workflow} ${percent(share)}`)
  }
  for (const entry of entryPoints) {
    if (app.functionOf.get(entry.step)?.tracing !== 'Active') continue
    const share = sampledShare(entry.perUnit * m.unitsPerSecond, DefaultSampling)
    traces += entry.perUnit * share
    parts.push(`${entry.step} ${percent(share)} (Lambda's fixed rule)`)
  }
  return [
    line(
      'X-Ray traces',
      traces,
      Prices.xrayTrace,
      `roots sampled at ${m.unitsPerSecond.toFixed(2)} units a second: ${parts.join(', ') || 'none'}`,
    ),
  ]
}

const percent = (share: number) => `${Number((share * 100).toPrecision(3))}%`

const perUnitOfType = (footprint: Footprint, detailType: string) =>
  footprint.eventsByKind.filter((kind) => kind.detailType === detailType).reduce((n, kind) => n + kind.perUnit, 0)

/** The tasks of the footprint that invoke a step, as invocations. */
const taskInvocations = (footprint: Footprint, app: AppShape): Invocation[] =>
  footprint.tasks.flatMap((task) => {
    const step = app.stepOfTask.get(`${task.workflow}/${task.state}`)
    return step
      ? [
          {
            label: `${task.workflow}/${task.state}`,
            step,
            perUnit: task.perUnit,
            computeMs: task.medianMs,
            basis: 'measured',
          },
        ]
      : []
  })

/** Enrichment invocations: one per record passing a pipe's filter, the batch of one that 0.4 records a second make. */
const enrichmentInvocations = (footprint: Footprint, app: AppShape): Invocation[] =>
  app.pipeEnrichments.flatMap((pipe) => {
    const records = perUnitOfType(footprint, pipe.detailType)
    return records > 0
      ? [
          {
            label: `pipe enrichment ${pipe.step}`,
            step: pipe.step,
            perUnit: records,
            computeMs: 1,
            basis: `one per ${pipe.detailType} record passing the filter (measured)`,
          },
        ]
      : []
  })

export interface OrdersInput {
  readonly perOrder: Footprint
}

export interface ImagesInput {
  readonly perImage: Footprint
  readonly jpegBytes: number
}

const ordersBill = (input: OrdersInput, app: AppShape, m: Model, logging: Usage['logging']): Bill => {
  const footprint = input.perOrder
  const api: Invocation = {
    label: 'api (POST /orders)',
    step: 'http-api',
    perUnit: 1,
    computeMs: 2,
    basis: 'one per order',
  }
  const enrichments = enrichmentInvocations(footprint, app)
  const usage: Usage = { invocations: [api, ...taskInvocations(footprint, app), ...enrichments], logging }
  const notifications = ['OrderAccepted', 'OrderRejected', 'OrderStatusChanged'].reduce(
    (n, type) => n + perUnitOfType(footprint, type),
    0,
  )
  const orderWrites = 2 * (1 + app.ordersTableIndexes)
  const writes = orderWrites + 2 * m.idempotencyKeyShare + 2 * notifications
  const validations = usage.invocations
    .filter((invocation) => invocation.step === 'validate-order')
    .reduce((n, i) => n + i.perUnit, 0)
  const pipeRecords = enrichments.reduce((n, invocation) => n + invocation.perUnit, 0)
  return total([
    line('API Gateway HTTP API requests', 1, Prices.httpApiRequest, 'one POST /orders'),
    ...lambdaLines(usage, app, m, 0),
    ...initLines(usage, app, m),
    ...workflowLines(footprint, usage, app, m, 0),
    line(
      'EventBridge Pipes requests',
      pipeRecords,
      Prices.pipeRequest,
      'orders-table stream records passing the pipe filter (measured), one per batch at this rate',
    ),
    line(
      'DynamoDB writes',
      writes,
      Prices.dynamoWriteUnit,
      `order put and decision (${orderWrites}: the table and its ${app.ordersTableIndexes} indexes, each write 1 unit under 1 KB), Idempotency put and update (${2 * m.idempotencyKeyShare}), ledger claim and completion per notification (${2 * notifications}); the search documents go to the OpenSearch domain, billed by the hour (below)`,
    ),
    line(
      'DynamoDB reads',
      validations,
      Prices.dynamoReadUnit,
      'the customer, read strongly consistent by validate-order',
    ),
    ...eventLines(footprint),
    ...logLines(
      footprint,
      usage,
      app,
      m,
      app.accessLogLineBytes,
      `; the HTTP API access log line (${app.accessLogLineBytes} B)`,
    ),
    ...xrayLines(footprint, app, m, [
      { step: 'http-api', perUnit: 1 },
      ...enrichments.map((invocation) => ({ step: invocation.step, perUnit: invocation.perUnit })),
    ]),
  ])
}

const imagesBill = (input: ImagesInput, app: AppShape, m: Model, logging: Usage['logging']): Bill => {
  const footprint = input.perImage
  const renditions = DefaultRenditions.length
  const usage: Usage = { invocations: taskInvocations(footprint, app), logging }
  const processed = perUnitOfType(footprint, 'ImageProcessed')
  return total([
    line('S3 PUT', 1 + renditions, Prices.s3Put, `the upload and ${renditions} renditions`),
    line(
      'S3 GET and HEAD',
      2 + renditions,
      Prices.s3Get,
      'HEAD and GET of the upload; HEAD of each rendition before it is written',
    ),
    ...lambdaLines(usage, app, m, input.jpegBytes),
    ...initLines(usage, app, m),
    ...workflowLines(footprint, usage, app, m, input.jpegBytes),
    line(
      'DynamoDB writes',
      1 + 2 * processed,
      Prices.dynamoWriteUnit,
      `the image record (1), the ledger claim and completion of ImageProcessed (${2 * processed}); the search document goes to the OpenSearch domain, billed by the hour (below)`,
    ),
    ...eventLines(footprint),
    ...logLines(footprint, usage, app, m, 0, ''),
    ...xrayLines(footprint, app, m, []),
  ])
}

const fixedLines = (app: AppShape): FixedLine[] => {
  // A pipe polls each shard of its stream four times a second, as Lambda does
  // (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html); one shard each at this volume.
  const polls = app.streamPipes * 4 * 30 * 86_400
  return [
    { item: 'CloudWatch alarms', usdPerMonth: app.alarms * Prices.alarmMonth.usd, basis: `${app.alarms} alarms` },
    {
      item: 'CloudWatch dashboards',
      usdPerMonth: app.dashboards * Prices.dashboardMonth.usd,
      basis: `${app.dashboards} dashboard`,
    },
    {
      item: 'DynamoDB Streams reads by the pipes',
      usdPerMonth: Math.max(0, polls - 2_500_000) * Prices.streamsReadRequest.usd,
      basis: `${app.streamPipes} pipes x 4 polls a second, the first 2.5 million free`,
    },
  ]
}

const NoBill: Bill = { lines: [], totalUsd: Number.NaN }

export const costModel = (
  orders: OrdersInput | undefined,
  images: ImagesInput | undefined,
  template: CfnTemplate = synthesizePipeline(),
): CostResult => {
  const m = defaultModel()
  const app = readApp(template, m)
  const configured = (workflow: string): WorkflowLogLevel =>
    app.workflowLogging.get(workflow) ?? { level: 'OFF', includeExecutionData: false }
  const bills = (model: Model, logging: Usage['logging']) => ({
    orders: orders ? ordersBill(orders, app, model, logging) : NoBill,
    images: images ? imagesBill(images, app, model, logging) : NoBill,
  })
  const chosen = bills(m, configured)
  const everyState = bills(m, () => ({ level: 'ALL', includeExecutionData: true }))
  const noData = bills(m, (workflow) =>
    workflow === 'order' || workflow === 'change'
      ? { level: 'ALL', includeExecutionData: false }
      : configured(workflow),
  )
  const slower = bills(
    { ...m, dynamoDbCallMs: 2 * m.dynamoDbCallMs, putEventsMs: 2 * m.putEventsMs, s3RequestMs: 2 * m.s3RequestMs },
    configured,
  )
  const keyless = bills({ ...m, idempotencyKeyShare: 0 }, configured)
  return {
    pricesAsOf: PricesAsOf,
    workflowLogging: Object.fromEntries(app.workflowLogging),
    perMillionOrders: chosen.orders,
    perMillionImages: chosen.images,
    atLevelAll: { ordersUsd: everyState.orders.totalUsd, imagesUsd: everyState.images.totalUsd },
    expressAtAllNoData: { ordersUsd: noData.orders.totalUsd },
    targets: { ordersUsd: OrdersTargetUsd, imagesUsd: ImagesTargetUsd },
    slowerCalls: { ordersUsd: slower.orders.totalUsd, imagesUsd: slower.images.totalUsd },
    withoutIdempotencyKey: { ordersUsd: keyless.orders.totalUsd },
    fixedPerMonth: fixedLines(app),
    assumptions: Object.values(Assumptions).map(({ value, basis }) => `${Number(value.toPrecision(3))}: ${basis}`),
    unconfirmedPrices: Object.entries(Prices)
      .filter(([, price]) => !price.confirmed)
      .map(([name, price]) => `${name} (${price.source})`),
    search: searchCost(),
  }
}

const money = (usd: number) => (usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`)

const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => Math.min(row[column]!.length, 60))))
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

const billReport = (title: string, bill: Bill, target: number): string[] => [
  `${title}: ${money(bill.totalUsd)} (target ${money(target)}: ${bill.totalUsd <= target ? 'met' : `MISSED by ${money(bill.totalUsd - target)}`})`,
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

/** The bill as printed by `tsx bench/cost.ts` and `npm run bench -- --only cost`. */
export const costReport = (cost: CostResult): string[] => {
  const levels = Object.entries(cost.workflowLogging)
    .map(
      ([workflow, logging]) =>
        `${workflow} ${logging.level}${logging.includeExecutionData ? ' with data' : ' without data'}`,
    )
    .join(', ')
  const lines = [
    `Cost on AWS (us-east-1, prices as of ${cost.pricesAsOf}, see bench/prices.ts); workflow logs as the CDK app configures them: ${levels}`,
  ]
  if (!Number.isNaN(cost.perMillionOrders.totalUsd))
    lines.push(...billReport('per million orders', cost.perMillionOrders, cost.targets.ordersUsd))
  if (!Number.isNaN(cost.perMillionImages.totalUsd))
    lines.push(...billReport('per million images', cost.perMillionImages, cost.targets.imagesUsd))
  lines.push(
    `Every workflow at ALL with execution data (-c workflowLogLevel=ALL): ${money(cost.atLevelAll.ordersUsd)} per million orders, ${money(cost.atLevelAll.imagesUsd)} per million images.`,
    `The order and change workflows at ALL without data (-c workflowLogLevel=OrderWorkflow=ALL:nodata,ChangeWorkflow=ALL:nodata): ${money(cost.expressAtAllNoData.ordersUsd)} per million orders.`,
    `If every AWS call took twice as long as assumed: ${money(cost.slowerCalls.ordersUsd)} per million orders, ${money(cost.slowerCalls.imagesUsd)} per million images.`,
    `If clients send no Idempotency-Key: ${money(cost.withoutIdempotencyKey.ordersUsd)} per million orders.`,
    `Fixed per month, whatever the traffic: ${cost.fixedPerMonth.map((item) => `${item.item} ${money(item.usdPerMonth)} (${item.basis})`).join('; ')}.`,
    `Search (OpenSearch Service, ${cost.search.domain.instances} × ${cost.search.domain.instanceType}, ${cost.search.domain.volumeGb} GB gp3): ${money(cost.search.idleUsdPerMonth)} a month at idle, whatever the traffic; documents cost only their storage, ${money(cost.search.storageUsdPerMillionDocumentsMonth)} a month per million once they outgrow the ${cost.search.documentsThatFitDefaultVolume.toLocaleString('en-US')} the default volume holds. -c search=false leaves the domain out.`,
    'Not counted: S3 and DynamoDB storage, data transfer, KMS requests (the tables use the aws/dynamodb key, whose data keys DynamoDB caches), free tiers.',
    'Assumptions:',
    ...cost.assumptions.map((assumption) => `  ${assumption}`),
  )
  if (cost.unconfirmedPrices.length > 0)
    lines.push(
      `Prices not read on the AWS page itself (it renders its tables in the browser): ${cost.unconfirmedPrices.join(', ')}`,
    )
  return lines
}

/**
 * A small batch through `npm start`'s program: `orders` orders through `POST /orders`, each with an Idempotency-Key,
 * and `images` 12-megapixel JPEG uploads, each after a warm-up, each batch drained before its footprint is read.
 */
export const measureFootprints = async (
  counts: { orders: number; images: number },
  log: (line: string) => void,
): Promise<{ orders: OrdersInput; images: ImagesInput }> => {
  const server = await startServer()
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    })
    if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as Record<string, unknown>
  }
  const order = (customerId: string, key: string) =>
    post(
      '/orders',
      { customerId, items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 }], currency: 'EUR' },
      { 'idempotency-key': key },
    )
  const upload = async (key: string, bytes: Uint8Array) => {
    const response = await fetch(`${server.url}/uploads/${key}`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': 'image/jpeg' },
    })
    if (response.status !== 200) throw new Error(`upload of ${key} answered ${response.status}`)
    await waitForProcessed(server.url, key)
  }
  // Event times have whole seconds: a pause keeps one batch's events out of the next one's window.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 1100))
  try {
    const user = await post('/users', { username: 'costmodel', email: 'cost@example.com' })
    await order(String(user.userId), 'warm-up')
    await waitForDrain(server.url, 60_000)
    await pause()
    const ordersFrom = new Date().toISOString()
    for (let i = 0; i < counts.orders; i++) await order(String(user.userId), `cost-${i}`)
    await waitForDrain(server.url, 120_000)
    const ordersTo = new Date().toISOString()
    await pause()
    const photos = await Promise.all(Array.from({ length: counts.images + 1 }, (_, i) => photo(i)))
    await upload('cost/warm-up.jpg', photos[0]!)
    await waitForDrain(server.url, 60_000)
    await pause()
    const imagesFrom = new Date().toISOString()
    for (const [i, bytes] of photos.slice(1).entries()) await upload(`cost/photo-${i}.jpg`, bytes)
    await waitForDrain(server.url, 120_000)
    const imagesTo = new Date().toISOString()
    log(`  ${counts.orders} orders and ${counts.images} images of 12 MP through the local runtime`)
    return {
      orders: { perOrder: readFootprint(server.dataDir, ordersFrom, ordersTo, counts.orders) },
      images: {
        perImage: readFootprint(server.dataDir, imagesFrom, imagesTo, counts.images),
        jpegBytes: photos.slice(1).reduce((sum, bytes) => sum + bytes.length, 0) / counts.images,
      },
    }
  } finally {
    await server.stop()
  }
}

if (require.main === module) {
  measureFootprints({ orders: 40, images: 3 }, console.log).then(
    ({ orders, images }) => console.log(costReport(costModel(orders, images)).join('\n')),
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
