import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch'
import type { MetricsView, StepMetrics, WorkflowMetrics, WorkflowSeriesPoint } from '../../console/port'
import { badField, type ConsoleContext } from './context'
import type { StackMap } from './stack-map'

/** The namespace Powertools' metrics publish to (POWERTOOLS_METRICS_NAMESPACE on every step, `infra/aws/constructs/step-function.ts`). */
export const StepMetricsNamespace = 'Pipeline'
/** The window when a request names none. */
export const DefaultWindowMs = 60 * 60 * 1000
/** Up to this window, the workflow series has one point a minute; past it, one every 5 minutes. */
const MinuteSeriesUpToMs = 3 * 60 * 60 * 1000
/**
 * How long an answer is reused for the same window. GetMetricData is billed per metric asked (about 140 for this
 * stack) and CloudWatch's data has one-minute resolution: a page polling every 2 seconds would pay for nothing new.
 */
const CachedForMs = 30_000
/** GetMetricData takes at most 500 queries a call. */
const QueriesPerCall = 500

const bound = (field: string, value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback
  const ms = Date.parse(value)
  if (!Number.isFinite(ms)) throw badField(field, `not an ISO-8601 date (got ${value})`)
  return ms
}

/** The window asked for (default: the last hour), validated. */
export const windowOf = (
  window: { readonly from?: string; readonly to?: string },
  now: number,
): { readonly from: number; readonly to: number } => {
  const to = bound('to', window.to, now)
  const from = bound('from', window.from, to - DefaultWindowMs)
  if (from >= to) throw badField('from', 'must be before to')
  return { from, to }
}

/**
 * CloudWatch GetMetricData over the window: per step's function, Lambda's Invocations and Errors (Sum) and Duration
 * (p50, p95, p99) over the whole window as one period, and the cold starts Powertools counts (`ColdStart` in the
 * `Pipeline` namespace, by `service`: the step's name); per workflow, Step Functions' ExecutionsSucceeded and
 * ExecutionsFailed (Sum) per minute, or per 5 minutes for a window over 3 hours. Steps that did not run are left out.
 */
export class ConsoleMetrics {
  /** Recent answers by the window asked: see CachedForMs. */
  private readonly recent = new Map<string, { readonly at: number; readonly view: Promise<MetricsView> }>()

  constructor(
    private readonly context: ConsoleContext,
    private readonly stack: StackMap,
    private readonly cloudwatch: CloudWatchClient,
  ) {}

  async view(window: { readonly from?: string; readonly to?: string }): Promise<MetricsView> {
    const now = this.context.aws.now()
    const key = `${window.from ?? ''}|${window.to ?? ''}`
    for (const [old, entry] of this.recent) if (now - entry.at >= CachedForMs) this.recent.delete(old)
    const cached = this.recent.get(key)
    if (cached) return cached.view
    const view = this.read(windowOf(window, now))
    this.recent.set(key, { at: now, view })
    view.catch(() => this.recent.delete(key))
    return view
  }

  private async read({ from, to }: { readonly from: number; readonly to: number }): Promise<MetricsView> {
    const [steps, workflows] = await Promise.all([this.stack.steps(), this.stack.workflows()])
    const wholeWindow = Math.ceil((to - from) / 60_000) * 60
    const seriesPeriod = to - from <= MinuteSeriesUpToMs ? 60 : 300
    const lambda = (id: string, metric: string, stat: string, functionName: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: functionName }],
        },
        Period: wholeWindow,
        Stat: stat,
      },
      ReturnData: true,
    })
    const states = (id: string, metric: string, stateMachineArn: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/States',
          MetricName: metric,
          Dimensions: [{ Name: 'StateMachineArn', Value: stateMachineArn }],
        },
        Period: seriesPeriod,
        Stat: 'Sum',
      },
      ReturnData: true,
    })
    const queries: MetricDataQuery[] = [
      ...steps.flatMap((step, index) => [
        lambda(`invocations${index}`, 'Invocations', 'Sum', step.functionName),
        lambda(`errors${index}`, 'Errors', 'Sum', step.functionName),
        lambda(`p50_${index}`, 'Duration', 'p50', step.functionName),
        lambda(`p95_${index}`, 'Duration', 'p95', step.functionName),
        lambda(`p99_${index}`, 'Duration', 'p99', step.functionName),
        {
          Id: `coldstarts${index}`,
          MetricStat: {
            Metric: {
              Namespace: StepMetricsNamespace,
              MetricName: 'ColdStart',
              Dimensions: [{ Name: 'service', Value: step.step }],
            },
            Period: wholeWindow,
            Stat: 'Sum',
          },
          ReturnData: true,
        },
      ]),
      ...workflows.flatMap((workflow, index) => [
        states(`succeeded${index}`, 'ExecutionsSucceeded', workflow.arn),
        states(`failed${index}`, 'ExecutionsFailed', workflow.arn),
      ]),
    ]
    const results = await this.fetch(queries, from, to)
    const sum = (id: string) => (results.get(id)?.Values ?? []).reduce((total, value) => total + value, 0)
    const first = (id: string) => results.get(id)?.Values?.[0]
    const stepMetrics = steps.flatMap((step, index): StepMetrics[] => {
      const percentiles = { p50Ms: first(`p50_${index}`), p95Ms: first(`p95_${index}`), p99Ms: first(`p99_${index}`) }
      const counts = {
        invocations: sum(`invocations${index}`),
        errors: sum(`errors${index}`),
        coldStarts: sum(`coldstarts${index}`),
      }
      // As on the local target, only the steps that ran in the window.
      if (counts.invocations + counts.errors + counts.coldStarts === 0) return []
      return [
        {
          step: step.step,
          ...counts,
          ...Object.fromEntries(Object.entries(percentiles).filter(([, value]) => value !== undefined)),
        },
      ]
    })
    const workflowMetrics = workflows.map((workflow, index): WorkflowMetrics => {
      const series = seriesOf(results.get(`succeeded${index}`), results.get(`failed${index}`), from, to, seriesPeriod)
      const succeeded = series.reduce((total, point) => total + point.succeeded, 0)
      const failed = series.reduce((total, point) => total + point.failed, 0)
      return {
        workflow: workflow.name,
        succeeded,
        failed,
        ...(succeeded + failed > 0 ? { successRate: succeeded / (succeeded + failed) } : {}),
        series,
      }
    })
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      steps: stepMetrics,
      workflows: workflowMetrics,
    }
  }

  /** Every page of every GetMetricData call, each query's points gathered under its id. */
  private async fetch(
    queries: ReadonlyArray<MetricDataQuery>,
    from: number,
    to: number,
  ): Promise<ReadonlyMap<string, MetricDataResult>> {
    const results = new Map<string, { Timestamps: Date[]; Values: number[] }>()
    for (let start = 0; start < queries.length; start += QueriesPerCall) {
      let token: string | undefined
      do {
        const answer = await this.context.aws.call('CloudWatch', () =>
          this.cloudwatch.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries.slice(start, start + QueriesPerCall),
              StartTime: new Date(from),
              EndTime: new Date(to),
              ScanBy: 'TimestampAscending',
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        )
        for (const result of answer.MetricDataResults ?? []) {
          const gathered = results.get(result.Id ?? '') ?? { Timestamps: [], Values: [] }
          gathered.Timestamps.push(...(result.Timestamps ?? []).map((timestamp) => new Date(timestamp)))
          gathered.Values.push(...(result.Values ?? []))
          results.set(result.Id ?? '', gathered)
        }
        token = answer.NextToken
      } while (token)
    }
    return results
  }
}

/** One point per period from the window's start (CloudWatch leaves out periods without data: they count 0). */
const seriesOf = (
  succeeded: MetricDataResult | undefined,
  failed: MetricDataResult | undefined,
  from: number,
  to: number,
  periodSeconds: number,
): WorkflowSeriesPoint[] => {
  const period = periodSeconds * 1000
  const first = Math.floor(from / period) * period
  const points = new Map<number, { succeeded: number; failed: number }>()
  for (let start = first; start < to; start += period) points.set(start, { succeeded: 0, failed: 0 })
  const add = (result: MetricDataResult | undefined, field: 'succeeded' | 'failed') => {
    ;(result?.Timestamps ?? []).forEach((timestamp, index) => {
      const start = Math.floor(new Date(timestamp).getTime() / period) * period
      const point = points.get(start) ?? { succeeded: 0, failed: 0 }
      point[field] += result?.Values?.[index] ?? 0
      points.set(start, point)
    })
  }
  add(succeeded, 'succeeded')
  add(failed, 'failed')
  return [...points.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, point]) => ({ start: new Date(start).toISOString(), ...point }))
}
