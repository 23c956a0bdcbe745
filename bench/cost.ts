import { DefaultRenditions } from '../contracts/images'
import { synthesizePipeline } from '../infra/aws/synth'
import { allStates, type AslDefinition } from '../infra/local/model/asl'
import { localModel } from '../infra/local/model/template'
import { StepNames } from '../steps/kit/catalog'
import { WorkflowTag } from '../contracts/executions'
import type { ImagesResult } from './images'
import type { OrdersResult } from './orders'
import { Prices, PricesAsOf, type Price } from './prices'
import type { Footprint } from './support/footprint'

/**
 * The AWS bill per million orders and per million images, from what the benchmark runs measured (step durations,
 * executions, state transitions, events and their bytes, log bytes, per unit of work) and what the CDK app
 * declares (each function's memory, each workflow's type and log level), priced with {@link Prices}. Every line is quantity x price;
 * the assumptions the local runtime cannot measure are named in the line's `basis`.
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

export interface CostResult {
  readonly pricesAsOf: string
  /** Each workflow's log level as the CDK app configures it (the synthesized template's `LoggingConfiguration`). */
  readonly workflowLogging: Readonly<Record<string, WorkflowLogLevel>>
  readonly perMillionOrders: Bill
  readonly perMillionImages: Bill
  /** The totals with every workflow at level ALL with execution data (`-c workflowLogLevel=ALL`). */
  readonly atLevelAll: { readonly ordersUsd: number; readonly imagesUsd: number }
  /** The totals with every workflow logging failures only, with execution data (`-c workflowLogLevel=ERROR`). */
  readonly atLevelError: { readonly ordersUsd: number; readonly imagesUsd: number }
  readonly targetUsdPerMillionOrders: number
  /** What the totals would gain if every Lambda invocation took `assumedMs` on AWS instead of its local duration. */
  readonly sensitivity: { readonly assumedMs: number; readonly extraOrdersUsd: number; readonly extraImagesUsd: number }
  readonly unconfirmedPrices: ReadonlyArray<string>
  /** The search domain: a fixed cost a month, not a cost per order or image. */
  readonly search: SearchCost
}

export const OrdersTargetUsd = 4

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

/** X-Ray's default sampling rule: the first request each second, then 5%; at a million a month nearly all are the 5%. */
const TracedShare = 0.05
/** Lambda's own START, END and REPORT lines plus one structured Powertools line, per invocation. */
const LambdaLogBytesPerInvocation = 600
/** Express workflows bill the memory they use in 64 MB chunks; these workflows' definitions and payloads fit one. */
const ExpressMemoryGb = 64 / 1024

interface AppShape {
  /** Function memory in MB by step name, from the synthesized template. */
  readonly memoryByStep: ReadonlyMap<string, number>
  /** For each `workflow/state` Task that invokes Lambda, the step it invokes. */
  readonly stepOfTask: ReadonlyMap<string, string>
  readonly workflowType: ReadonlyMap<string, 'STANDARD' | 'EXPRESS'>
  /** The step a DynamoDB stream pipe enriches with, and its batch size. */
  readonly pipeEnrichment: ReadonlyArray<{ step: string; batchSize: number; source: string }>
  /** Each workflow's execution log level and whether it carries execution data, as the CDK app configures them. */
  readonly workflowLogging: ReadonlyMap<string, WorkflowLogLevel>
}

/** A state machine's `LoggingConfiguration` as synthesized: its level (`OFF` when it has none) and execution data. */
export interface WorkflowLogLevel {
  readonly level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF'
  readonly includeExecutionData: boolean
}

const EveryStateLogged: WorkflowLogLevel = { level: 'ALL', includeExecutionData: true }
const FailuresLogged: WorkflowLogLevel = { level: 'ERROR', includeExecutionData: true }

/** Each workflow's logging in the template, by its `pipeline:workflow` tag. */
const loggingByWorkflow = (template: ReturnType<typeof synthesizePipeline>): Map<string, WorkflowLogLevel> => {
  const byWorkflow = new Map<string, WorkflowLogLevel>()
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue
    const properties = resource.Properties as {
      Tags?: Array<{ Key: string; Value: string }>
      LoggingConfiguration?: { Level?: WorkflowLogLevel['level']; IncludeExecutionData?: boolean }
    }
    const workflow = properties.Tags?.find((tag) => tag.Key === WorkflowTag)?.Value
    if (workflow === undefined) continue
    byWorkflow.set(workflow, {
      level: properties.LoggingConfiguration?.Level ?? 'OFF',
      includeExecutionData: properties.LoggingConfiguration?.IncludeExecutionData ?? false,
    })
  }
  return byWorkflow
}

const readApp = (): AppShape => {
  const template = synthesizePipeline()
  const model = localModel(template, WorkflowTag)
  const memoryByStep = new Map<string, number>()
  for (const resource of Object.values(template.Resources ?? {}) as Array<{
    Type: string
    Properties?: { MemorySize?: number; Environment?: { Variables?: Record<string, unknown> } }
  }>) {
    const step = resource.Properties?.Environment?.Variables?.PIPELINE_STEP
    if (resource.Type === 'AWS::Lambda::Function' && typeof step === 'string')
      memoryByStep.set(step, resource.Properties?.MemorySize ?? 128)
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
  return {
    memoryByStep,
    stepOfTask,
    workflowType: new Map(model.stateMachines.map((machine) => [machine.workflow, machine.type])),
    pipeEnrichment: (model.pipes ?? []).flatMap((pipe) => {
      const step = stepOfFunction(pipe.enrichmentArn)
      return step ? [{ step, batchSize: pipe.batchSize, source: pipe.sourceArn }] : []
    }),
    workflowLogging: loggingByWorkflow(template),
  }
}

const line = (item: string, quantityPerUnit: number, price: Price, basis: string): LineItem => ({
  item,
  quantityPerMillion: quantityPerUnit * 1e6,
  unit: price.per,
  usdPerMillion: quantityPerUnit * 1e6 * price.usd,
  basis,
})

const lambdaLines = (
  label: string,
  step: string,
  invocations: number,
  medianMs: number,
  app: AppShape,
  basis: string,
): LineItem[] => {
  const memoryMb = app.memoryByStep.get(step) ?? 256
  // Lambda bills each invocation's duration rounded up to the millisecond.
  const gbSeconds = invocations * (Math.ceil(Math.max(1, medianMs)) / 1000) * (memoryMb / 1024)
  return [
    line(`Lambda requests: ${label}`, invocations, Prices.lambdaRequest, `${invocations.toFixed(2)} per unit`),
    line(`Lambda duration: ${label} (${memoryMb} MB, ${medianMs} ms)`, gbSeconds, Prices.lambdaArmGbSecond, basis),
  ]
}

const workflowLines = (footprint: Footprint, app: AppShape): LineItem[] =>
  footprint.workflows.flatMap((workflow) => {
    if (app.workflowType.get(workflow.workflow) === 'STANDARD') {
      return [
        line(
          `Step Functions Standard: ${workflow.workflow} transitions`,
          workflow.transitionsPerUnit,
          Prices.standardTransition,
          `${workflow.transitionsPerUnit} states entered per unit (measured)`,
        ),
      ]
    }
    const billedSeconds = Math.ceil(Math.max(1, workflow.medianDurationMs) / 100) / 10
    return [
      line(
        `Step Functions Express: ${workflow.workflow} executions`,
        workflow.executionsPerUnit,
        Prices.expressRequest,
        `${workflow.executionsPerUnit} per unit (measured)`,
      ),
      line(
        `Step Functions Express: ${workflow.workflow} duration`,
        workflow.executionsPerUnit * billedSeconds * ExpressMemoryGb,
        Prices.expressGbSecond,
        `median ${workflow.medianDurationMs} ms locally, billed as ${billedSeconds} s x 64 MB`,
      ),
    ]
  })

const taskLines = (footprint: Footprint, app: AppShape): LineItem[] =>
  footprint.tasks.flatMap((task) => {
    const step = app.stepOfTask.get(`${task.workflow}/${task.state}`)
    return step
      ? lambdaLines(
          `${task.workflow}/${task.state}`,
          step,
          task.perUnit,
          task.medianMs,
          app,
          'median duration measured in the local runtime',
        )
      : []
  })

/**
 * Below level ALL only failures are logged: `*Failed`, `*TimedOut` and `*Aborted` events, a task's caught failure
 * included. The benchmark runs' work succeeds, so their failures cannot be measured; this share of executions is
 * assumed to fail and to log at most their whole history with its data.
 */
const AssumedFailingShare = 0.01

/** Bytes a workflow sends to CloudWatch Logs per unit at `logging`, from the history bytes measured at level ALL. */
const workflowLogBytes = (workflow: Footprint['workflows'][number], logging: WorkflowLogLevel): number => {
  if (logging.level === 'OFF') return 0
  const everything = workflow.logBytesPerUnit
  return logging.level === 'ALL' ? everything : everything * AssumedFailingShare
}

const describeLogging = (footprint: Footprint, logging: (workflow: string) => WorkflowLogLevel): string =>
  footprint.workflows
    .map((workflow) => {
      const chosen = logging(workflow.workflow)
      return `${workflow.workflow} at ${chosen.level}${chosen.includeExecutionData ? ' with data' : ''}`
    })
    .join(', ')

const commonLines = (
  footprint: Footprint,
  lambdaInvocations: number,
  logging: (workflow: string) => WorkflowLogLevel,
): LineItem[] => {
  const workflowBytes = footprint.workflows.reduce(
    (sum, workflow) => sum + workflowLogBytes(workflow, logging(workflow.workflow)),
    0,
  )
  const logBytes = workflowBytes + lambdaInvocations * LambdaLogBytesPerInvocation
  const belowAll = footprint.workflows.some((workflow) => logging(workflow.workflow).level !== 'ALL')
  return [
    line(
      'EventBridge custom events',
      footprint.eventsPerUnit,
      Prices.customEvent,
      `${footprint.eventsPerUnit} events per unit (measured, mean ${footprint.meanEventBytes} bytes: one 64 KB chunk each)`,
    ),
    line(
      'EventBridge archive',
      footprint.archivedBytesPerUnit / 1e9,
      Prices.archiveGb,
      `${footprint.archivedBytesPerUnit} bytes archived per unit (measured)`,
    ),
    line(
      'CloudWatch Logs ingestion',
      logBytes / 1e9,
      Prices.logsIngestedGb,
      `workflow logs ${describeLogging(footprint, logging)}: ${Math.round(workflowBytes)} B per unit (level ALL: the history bytes measured + 250 B envelope per event${belowAll ? `; below ALL, failures only, ${AssumedFailingShare * 100}% of executions assumed to fail` : ''}); ${LambdaLogBytesPerInvocation} B per Lambda invocation`,
    ),
    line('X-Ray traces', TracedShare, Prices.xrayTrace, 'tracing is active; default sampling keeps about 5%'),
  ]
}

/** A step's time on AWS includes its SDK calls (DynamoDB, EventBridge: a few ms each); the local adapters take none. */
const AssumedAwsStepMs = 50

/** The extra duration cost if each Lambda duration line's invocations took at least {@link AssumedAwsStepMs}. */
const extraAtAssumedDuration = (bill: Bill): number =>
  bill.lines
    .filter((item) => item.item.startsWith('Lambda duration'))
    .reduce((sum, item) => {
      const match = /\((\d+) MB, ([\d.]+) ms\)/.exec(item.item)
      if (!match) return sum
      const ms = Number(match[2])
      const invocationsPerMillion =
        item.quantityPerMillion / ((Math.ceil(Math.max(1, ms)) / 1000) * (Number(match[1]) / 1024))
      const extraGbSeconds =
        invocationsPerMillion *
        (Math.max(0, AssumedAwsStepMs - Math.ceil(Math.max(1, ms))) / 1000) *
        (Number(match[1]) / 1024)
      return sum + extraGbSeconds * Prices.lambdaArmGbSecond.usd
    }, 0)

const total = (lines: ReadonlyArray<LineItem>): Bill => ({
  lines,
  totalUsd: lines.reduce((sum, item) => sum + item.usdPerMillion, 0),
})

type Logging = (workflow: string) => WorkflowLogLevel

/** Invocations per unit of the task `workflow/state`, measured (0 when it did not run). */
const perUnitOf = (footprint: Footprint, workflow: string, state: string): number =>
  footprint.tasks.find((task) => task.workflow === workflow && task.state === state)?.perUnit ?? 0

/**
 * DynamoDB requests per order, from the measured invocations and what each step's adapter sends
 * (`infra/aws/layers/*-dynamodb.ts`): the orders table's writes (one stream record each, measured); a ledger claim
 * (PutItem) and completion (UpdateItem) per
 * published notification, counted for every NotifyDecision and NotifyChange (an upper bound: a change that announces
 * nothing writes nothing); one strongly consistent GetItem of the user per ValidateOrder. Items are under 1 KB. The
 * search documents are written to the OpenSearch domain, which bills by the hour, not by the write ({@link searchCost}).
 */
const orderTableRequests = (footprint: Footprint) => {
  const ledgerWrites =
    2 * (perUnitOf(footprint, 'order', 'NotifyDecision') + perUnitOf(footprint, 'change', 'NotifyChange'))
  return {
    writes: footprint.streamRecordsPerUnit + ledgerWrites,
    writesBasis: `${footprint.streamRecordsPerUnit} orders-table writes (stream records, measured) + ${ledgerWrites} ledger claims and completions (2 per notify step run, an upper bound); items under 1 KB`,
    reads: perUnitOf(footprint, 'order', 'ValidateOrder'),
  }
}

const ordersBill = (orders: OrdersResult, app: AppShape, logging: Logging): Bill => {
  const footprint = orders.perOrder
  const tasks = taskLines(footprint, app)
  const stepInvocations = footprint.tasks
    .filter((task) => app.stepOfTask.has(`${task.workflow}/${task.state}`))
    .reduce((sum, task) => sum + task.perUnit, 0)
  const orderSteps = footprint.tasks.filter((task) => task.workflow === 'order')
  const typicalStepMs = orderSteps.length > 0 ? Math.max(...orderSteps.map((task) => task.medianMs)) : 5
  const enrichment = app.pipeEnrichment.filter((pipe) => /order/i.test(pipe.source) || /order/i.test(pipe.step))
  const pipeLines = enrichment.flatMap((pipe) => [
    line(
      'EventBridge Pipes requests (orders table stream)',
      footprint.streamRecordsPerUnit,
      Prices.pipeRequest,
      `${footprint.streamRecordsPerUnit} stream records per order (measured)`,
    ),
    ...lambdaLines(
      `pipe enrichment ${pipe.step}`,
      pipe.step,
      footprint.streamRecordsPerUnit / pipe.batchSize,
      typicalStepMs,
      app,
      `batch size ${pipe.batchSize}; duration taken as the slowest order step (not timed locally)`,
    ),
  ])
  const lambdaInvocations =
    1 + stepInvocations + enrichment.reduce((sum, pipe) => sum + footprint.streamRecordsPerUnit / pipe.batchSize, 0)
  const table = orderTableRequests(footprint)
  return total([
    line('API Gateway HTTP API requests', 1, Prices.httpApiRequest, 'one POST /orders'),
    ...lambdaLines(
      'api (POST /orders)',
      StepNames.httpApi,
      1,
      orders.apiLatencyP50Ms,
      app,
      "the HTTP p50 of one client sending one order at a time, an upper bound on the function's own time",
    ),
    ...tasks,
    ...workflowLines(footprint, app),
    ...pipeLines,
    line('DynamoDB writes', table.writes, Prices.dynamoWriteUnit, table.writesBasis),
    line(
      'DynamoDB reads',
      table.reads,
      Prices.dynamoReadUnit,
      'the user, read strongly consistent once per ValidateOrder (measured runs)',
    ),
    ...commonLines(footprint, lambdaInvocations, logging),
  ])
}

const imagesBill = (images: ImagesResult, app: AppShape, logging: Logging): Bill => {
  const footprint = images.perImage
  const renditions = DefaultRenditions.length
  const stepInvocations = footprint.tasks
    .filter((task) => app.stepOfTask.has(`${task.workflow}/${task.state}`))
    .reduce((sum, task) => sum + task.perUnit, 0)
  return total([
    line('S3 PUT', 1 + renditions, Prices.s3Put, `the upload and ${renditions} renditions`),
    line(
      'S3 GET and HEAD',
      2 + 2 * renditions,
      Prices.s3Get,
      'validate: HEAD and GET; each rendition: GET of the original and HEAD of its output',
    ),
    ...taskLines(footprint, app),
    ...workflowLines(footprint, app),
    line(
      'DynamoDB writes',
      3,
      Prices.dynamoWriteUnit,
      "the image record, and the notification ledger's claim and completion (one write unit each)",
    ),
    ...commonLines(footprint, stepInvocations, logging),
  ])
}

const NoBill: Bill = { lines: [], totalUsd: Number.NaN }

export const costModel = (orders: OrdersResult | undefined, images: ImagesResult | undefined): CostResult => {
  const app = readApp()
  const unconfirmedPrices = Object.entries(Prices)
    .filter(([, price]) => !price.confirmed)
    .map(([name, price]) => `${name} (${price.source})`)
  // A workflow the template does not name logs nothing of its own.
  const configured: Logging = (workflow) =>
    app.workflowLogging.get(workflow) ?? { level: 'OFF', includeExecutionData: false }
  const everyState: Logging = () => EveryStateLogged
  const perMillionOrders = orders ? ordersBill(orders, app, configured) : NoBill
  const perMillionImages = images ? imagesBill(images, app, configured) : NoBill
  const sensitivity = {
    assumedMs: AssumedAwsStepMs,
    extraOrdersUsd: Number.isNaN(perMillionOrders.totalUsd) ? 0 : extraAtAssumedDuration(perMillionOrders),
    extraImagesUsd: Number.isNaN(perMillionImages.totalUsd) ? 0 : extraAtAssumedDuration(perMillionImages),
  }
  return {
    pricesAsOf: PricesAsOf,
    workflowLogging: Object.fromEntries(app.workflowLogging),
    perMillionOrders,
    perMillionImages,
    atLevelAll: {
      ordersUsd: orders ? ordersBill(orders, app, everyState).totalUsd : Number.NaN,
      imagesUsd: images ? imagesBill(images, app, everyState).totalUsd : Number.NaN,
    },
    atLevelError: {
      ordersUsd: orders ? ordersBill(orders, app, () => FailuresLogged).totalUsd : Number.NaN,
      imagesUsd: images ? imagesBill(images, app, () => FailuresLogged).totalUsd : Number.NaN,
    },
    targetUsdPerMillionOrders: OrdersTargetUsd,
    sensitivity,
    unconfirmedPrices,
    search: searchCost(),
  }
}
