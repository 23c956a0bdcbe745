import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib'
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events'
import { SfnStateMachine, SqsQueue } from 'aws-cdk-lib/aws-events-targets'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { LogLevel, type IStateMachine, type LogOptions, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import type { Construct } from 'constructs'
import { uncaughtExecutionEnds } from '../../../contracts/dead-letters'
import type { EventPattern } from '../../../contracts/patterns'
import { acknowledge, wildcardResourceFinding, XRayWildcardReason } from './findings'

/** The workflows of the pipeline, by the id each one's construct and log group are named after. */
export const WorkflowIds = [
  'ImageWorkflow',
  'OrderWorkflow',
  'ChangeWorkflow',
  'ImportWorkflow',
  'MaintenanceWorkflow',
] as const
export type WorkflowId = (typeof WorkflowIds)[number]

/** How much of a workflow's executions goes to its log group. */
export interface WorkflowLogging {
  readonly level: LogLevel
  readonly includeExecutionData: boolean
}

const FailuresWithData: WorkflowLogging = { level: LogLevel.ERROR, includeExecutionData: true }

/**
 * Each workflow's default log, chosen for what its users see and what it costs
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html; logs are billed per GB ingested):
 * - the Express order and change workflows log failures with their data (`ERROR`): the Step Functions console shows
 *   an Express execution only from its log, so a failed one is there with its input, error and cause, and a
 *   successful one is not. Level ALL with data was most of the bill per order; `ALL:nodata` shows every state of
 *   every execution without inputs and outputs, at about a fifth of that (see `bench/cost.ts`);
 * - the Standard image and import workflows keep every execution's history in Step Functions, which the console
 *   reads whatever the log level: their log carries failures only, for Logs Insights and subscriptions;
 * - the maintenance workflow runs every five minutes whatever the traffic: every state with its data costs a few
 *   cents a month.
 * `-c workflowLogLevel=...` changes any of them (see {@link workflowLoggingFromContext}).
 */
export const DefaultWorkflowLogging: Readonly<Record<WorkflowId, WorkflowLogging>> = {
  ImageWorkflow: FailuresWithData,
  OrderWorkflow: FailuresWithData,
  ChangeWorkflow: FailuresWithData,
  ImportWorkflow: FailuresWithData,
  MaintenanceWorkflow: { level: LogLevel.ALL, includeExecutionData: true },
}

const LogLevels: Readonly<Record<string, LogLevel>> = {
  ALL: LogLevel.ALL,
  ERROR: LogLevel.ERROR,
  FATAL: LogLevel.FATAL,
  OFF: LogLevel.OFF,
}

const ExecutionData: Readonly<Record<string, boolean>> = { DATA: true, NODATA: false }

/**
 * Reads the `workflowLogLevel` context value: one setting for every workflow (`ALL`), or settings by workflow
 * (`OrderWorkflow=ALL:nodata,ImageWorkflow=OFF`; the others keep their default). A setting is a level (`ALL`,
 * `ERROR`, `FATAL`, `OFF`), then optionally `:data` (the default) or `:nodata` for execution data. Anything else
 * throws, naming the value, so a typo stops the synthesis.
 */
export const workflowLoggingFromContext = (value: unknown): Partial<Record<WorkflowId, WorkflowLogging>> => {
  if (value === undefined || value === '') return {}
  const text = String(value)
  const setting = (written: string): WorkflowLogging => {
    const [name = '', data = 'DATA', ...rest] = written.trim().toUpperCase().split(':')
    const level = LogLevels[name]
    if (!level)
      throw new Error(
        `workflowLogLevel: "${written}" is not one of ${Object.keys(LogLevels).join(', ')} (in "${text}")`,
      )
    const includeExecutionData = ExecutionData[data]
    if (includeExecutionData === undefined || rest.length > 0)
      throw new Error(`workflowLogLevel: "${written}" ends neither in :data nor in :nodata (in "${text}")`)
    return { level, includeExecutionData }
  }
  if (!text.includes('=')) return Object.fromEntries(WorkflowIds.map((id) => [id, setting(text)]))
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const [id = '', written = ''] = pair.split('=')
      if (!(WorkflowIds as ReadonlyArray<string>).includes(id.trim()))
        throw new Error(`workflowLogLevel: "${id}" is not one of ${WorkflowIds.join(', ')} (in "${text}")`)
      return [id.trim(), setting(written)]
    }),
  )
}

/**
 * A state machine's execution log (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html), at the
 * workflow's {@link DefaultWorkflowLogging} unless `logging` says otherwise, in a log group of its own kept one month. The name
 * starts with `/aws/vendedlogs/states/` so CloudWatch Logs' resource policy, which has a size limit, need not list
 * each group.
 */
export const workflowLogs = (
  scope: Construct,
  workflowId: WorkflowId,
  logging: WorkflowLogging = DefaultWorkflowLogging[workflowId],
): LogOptions => {
  if (logging.level !== LogLevel.ALL) {
    acknowledge(
      scope,
      'AwsSolutions-SF1',
      `The ${workflowId} logs at level ${logging.level}${logging.includeExecutionData ? ' with execution data' : ''}, chosen per workflow: every failure is logged with its context while successes, the bulk of the executions, cost no log ingestion (level ALL with data was most of the per-order bill); X-Ray traces a sample of executions state by state, and -c workflowLogLevel=ALL restores the full log.`,
    )
  }
  return {
    destination: new LogGroup(scope, `${workflowId}Logs`, {
      logGroupName: `/aws/vendedlogs/states/${Aws.STACK_NAME}-${workflowId}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
    level: logging.level,
    includeExecutionData: logging.includeExecutionData,
  }
}

/**
 * The findings every workflow's role raises and why they stand: X-Ray and log delivery take no resource, and the
 * `lambda:invoke` integration grants each function with its versions (`<function arn>:*`).
 */
export const acknowledgeWorkflowRole = (stateMachine: StateMachine): void => {
  acknowledge(
    stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    `${XRayWildcardReason} Execution logging to CloudWatch Logs likewise needs logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups on "*" (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).`,
  )
}

/** Acknowledges the `<function arn>:*` resource that the `lambda:invoke` integration adds for each step the workflow calls. */
export const acknowledgeInvokedVersions = (stateMachine: StateMachine, functions: ReadonlyArray<IFunction>): void => {
  for (const fn of functions) {
    acknowledge(
      stateMachine.role,
      wildcardResourceFinding(stateMachine, `${fn.functionArn}:*`),
      "Step Functions' lambda:invoke integration grants the function and its versions and aliases (`<arn>:*`), so a task may name a qualified function; the function itself is one of this workflow's steps.",
    )
  }
}

export interface StartWorkflowProps {
  readonly bus: IEventBus
  readonly eventPattern: EventPattern
  readonly stateMachine: IStateMachine
  /** Where an event goes once EventBridge gives up starting the workflow. */
  readonly deadLetterQueue: IQueue
}

/**
 * A rule on the pipeline bus that starts a workflow, with the retry policy and DLQ set explicitly
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html): eight retries within 24 hours.
 */
export const startWorkflowRule = (scope: Construct, id: string, props: StartWorkflowProps): Rule =>
  new Rule(scope, id, {
    eventBus: props.bus,
    eventPattern: props.eventPattern as never,
    targets: [
      new SfnStateMachine(props.stateMachine, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
      }),
    ],
  })

export interface UncaughtEndsProps {
  /** A Standard workflow: Express workflows send no status change events. */
  readonly stateMachine: IStateMachine
  /** The workflow's own DLQ, where its catch-all sends what fails. */
  readonly deadLetterQueue: IQueue
  /** Where the rule puts an event it could not deliver to that DLQ. */
  readonly ruleDeadLetterQueue: IQueue
}

/**
 * A rule on the default bus that sends the workflow's DLQ every execution that ended without reaching its catch-all
 * (timed out, or stopped by StopExecution): Step Functions' "Execution Status Change" event itself, which carries the
 * execution's input (the event it started on), its status, error and cause
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html). The event goes as it is, with no input
 * transformer: the dead-letter readers know its shape (`contracts/dead-letters.ts`), and a redrive starts the state
 * machine again on the input. Standard workflows only: Express ones emit no such event, so theirs rely on every
 * task timing out, and every retry ending, before the workflow does (test/infra/workflow-timeouts.test.ts).
 */
export const deadLetterUncaughtEnds = (scope: Construct, id: string, props: UncaughtEndsProps): Rule =>
  new Rule(scope, id, {
    description: 'Sends the timed-out and aborted executions of one workflow to its DLQ',
    eventPattern: uncaughtExecutionEnds(props.stateMachine.stateMachineArn) as never,
    targets: [
      new SqsQueue(props.deadLetterQueue, {
        deadLetterQueue: props.ruleDeadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
      }),
    ],
  })
