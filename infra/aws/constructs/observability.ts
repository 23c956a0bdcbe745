import { Duration } from 'aws-cdk-lib'
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2'
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarmAction,
  type IMetric,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'

export interface ObservabilityProps {
  /** Every dead-letter queue, by name: one message in any is worth a look. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>
  /** Every workflow's state machine, by name. */
  readonly workflows: Readonly<Record<string, IStateMachine>>
  /** Every step's function, by name. */
  readonly steps: Readonly<Record<string, IFunction>>
  readonly httpApi: IHttpApi
  /** Every pipe's name (its PipeName dimension), by the name shown. @default none */
  readonly pipes?: Readonly<Record<string, string>>
  /** Queues whose oldest message shows their consumer has stalled, by name. @default none */
  readonly workQueues?: Readonly<Record<string, IQueue>>
  /** Where alarms notify (an SNS topic, say); without it they show on the dashboard and in the console only. */
  readonly alarmAction?: IAlarmAction
  /** How long a dashboard graph looks back. @default 6 hours */
  readonly dashboardRange?: Duration
}

const oneMinute = Duration.minutes(1)

/** A work queue's oldest message past this: its consumer stalled (three receives of 3 minutes each end sooner). */
const StalledQueueAge = Duration.minutes(15)

/**
 * CloudWatch alarms and one dashboard for the pipeline
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). An alarm fires on:
 * any message visible in a dead-letter queue (`ApproximateNumberOfMessagesVisible` > 0), any failed or timed-out
 * execution of a workflow (`ExecutionsFailed`, `ExecutionsTimedOut` > 0), any error or throttled invocation of a
 * step (`Errors`, `Throttles` > 0), any failed pipe execution (`AWS/EventBridge/Pipes` `ExecutionFailed` > 0,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html), a work queue whose oldest
 * message is older than 15 minutes, and any 5xx answer of the HTTP API. Each looks at one-minute periods and treats
 * missing data as fine (no traffic is not a failure).
 * The dashboard shows the alarms' states, dead-letter depths, executions, step errors, throttles and durations,
 * and the API's traffic, errors and latency.
 */
export class Observability extends Construct {
  readonly alarms: ReadonlyArray<Alarm>
  readonly dashboard: Dashboard

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id)
    const alarms: Alarm[] = []
    const alarmAbove0 = (alarmId: string, metric: IMetric, description: string) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      })
      if (props.alarmAction) alarm.addAlarmAction(props.alarmAction)
      alarms.push(alarm)
      return alarm
    }

    // Alarms take the plain metric; the dashboard shows the same metric labelled with the resource's name.
    const dlqDepths = Object.entries(props.deadLetterQueues).map(([name, queue]) => {
      const metric = queue.metricApproximateNumberOfMessagesVisible({ period: oneMinute, statistic: Stats.MAXIMUM })
      alarmAbove0(
        `${name}NotEmpty`,
        metric,
        `${name} holds messages: inspect them (pipeline dlq) and redrive once the cause is fixed.`,
      )
      return metric.with({ label: name })
    })
    const failedExecutions = Object.entries(props.workflows).map(([name, stateMachine]) => {
      const metric = stateMachine.metricFailed({ period: oneMinute, statistic: Stats.SUM })
      alarmAbove0(
        `${name}ExecutionsFailed`,
        metric,
        `An execution of ${name} failed: its event is in the workflow's dead-letter queue with the cause.`,
      )
      return metric.with({ label: name })
    })
    // A timeout reaches no Catch: the alarm is what sees it (an Express workflow's event is then in no DLQ).
    const timedOutExecutions = Object.entries(props.workflows).map(([name, stateMachine]) => {
      const metric = stateMachine.metricTimedOut({ period: oneMinute, statistic: Stats.SUM })
      alarmAbove0(
        `${name}ExecutionsTimedOut`,
        metric,
        `An execution of ${name} timed out, which no Catch sees: a Standard workflow's event is in its DLQ (sent by the status change rule), an Express workflow's only in its logs.`,
      )
      return metric.with({ label: name })
    })
    for (const [name, fn] of Object.entries(props.steps))
      alarmAbove0(
        `${name}Errors`,
        fn.metricErrors({ period: oneMinute, statistic: Stats.SUM }),
        `${name} failed: see its log group; a workflow's catch-all or a pipe's retries decide what happens to its input.`,
      )
    const pipeFailures = Object.entries(props.pipes ?? {}).map(([name, pipeName]) => {
      const metric = new Metric({
        namespace: 'AWS/EventBridge/Pipes',
        metricName: 'ExecutionFailed',
        dimensionsMap: { PipeName: pipeName },
        period: oneMinute,
        statistic: Stats.SUM,
      })
      alarmAbove0(
        `${name}ExecutionsFailed`,
        metric,
        `${name} failed a batch: it retries, then sends the batch's place in the stream to PipeDeadLetters.`,
      )
      return metric.with({ label: name })
    })
    for (const [name, queue] of Object.entries(props.workQueues ?? {})) {
      const alarm = new Alarm(this, `${name}OldestMessage`, {
        metric: queue.metricApproximateAgeOfOldestMessage({ period: oneMinute, statistic: Stats.MAXIMUM }),
        threshold: StalledQueueAge.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `${name}'s oldest message waited over ${StalledQueueAge.toMinutes()} minutes: its consumer is stalled or throttled.`,
      })
      if (props.alarmAction) alarm.addAlarmAction(props.alarmAction)
      alarms.push(alarm)
    }
    const throttles = Object.entries(props.steps).map(([name, fn]) => {
      const metric = fn.metricThrottles({ period: oneMinute, statistic: Stats.SUM })
      alarmAbove0(`${name}Throttles`, metric, `${name} was throttled: the account's or function's concurrency ran out.`)
      return metric.with({ label: name })
    })
    const serverErrors = props.httpApi.metricServerError({ period: oneMinute, statistic: Stats.SUM })
    alarmAbove0(
      'HttpApiServerErrors',
      serverErrors,
      "The HTTP API answered 5xx: see the API step's log group and the access logs.",
    )
    this.alarms = alarms

    const graph = (title: string, left: IMetric[], width = 12) => new GraphWidget({ title, left, width, height: 6 })
    const perStep = (metricOf: (fn: IFunction, label: string) => IMetric) =>
      Object.entries(props.steps).map(([name, fn]) => metricOf(fn, name))
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: props.dashboardRange ?? Duration.hours(6),
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 6 })],
        [graph('Dead letters (messages visible)', dlqDepths), graph('Executions failed', failedExecutions)],
        [graph('Executions timed out', timedOutExecutions), graph('Pipe executions failed', pipeFailures)],
        [
          graph(
            'Executions started',
            Object.entries(props.workflows).map(([name, sm]) =>
              sm.metricStarted({ period: oneMinute, statistic: Stats.SUM, label: name }),
            ),
          ),
          graph(
            'Executions succeeded',
            Object.entries(props.workflows).map(([name, sm]) =>
              sm.metricSucceeded({ period: oneMinute, statistic: Stats.SUM, label: name }),
            ),
          ),
        ],
        [
          graph(
            'Step errors',
            perStep((fn, label) => fn.metricErrors({ period: oneMinute, statistic: Stats.SUM, label })),
          ),
          graph('Step throttles', throttles),
        ],
        [
          graph(
            'Step duration (p99)',
            perStep((fn, label) => fn.metricDuration({ period: oneMinute, statistic: Stats.p(99), label })),
            24,
          ),
        ],
        [
          graph('API requests and errors', [
            props.httpApi.metricCount({ period: oneMinute, statistic: Stats.SUM, label: 'requests' }),
            props.httpApi.metricClientError({ period: oneMinute, statistic: Stats.SUM, label: '4xx' }),
            serverErrors.with({ label: '5xx' }),
          ]),
          graph('API latency (p99)', [
            props.httpApi.metricLatency({ period: oneMinute, statistic: Stats.p(99), label: 'latency' }),
            props.httpApi.metricIntegrationLatency({
              period: oneMinute,
              statistic: Stats.p(99),
              label: 'integration latency',
            }),
          ]),
        ],
      ],
    })
  }
}
