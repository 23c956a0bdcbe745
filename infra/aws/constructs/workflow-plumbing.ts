import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib'
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events'
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { LogLevel, type IStateMachine, type LogOptions, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import type { Construct } from 'constructs'
import type { EventPattern } from '../../../contracts/patterns'
import { acknowledge, wildcardResourceFinding, XRayWildcardReason } from './findings'

/**
 * The execution log every state machine gets (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html):
 * level ALL with execution data, in a log group of its own kept one month. The name starts with
 * `/aws/vendedlogs/states/` so CloudWatch Logs' resource policy, which has a size limit, need not list each group.
 */
export const workflowLogs = (scope: Construct, workflowId: string): LogOptions => ({
  destination: new LogGroup(scope, `${workflowId}Logs`, {
    logGroupName: `/aws/vendedlogs/states/${Aws.STACK_NAME}-${workflowId}`,
    retention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  }),
  level: LogLevel.ALL,
  includeExecutionData: true,
})

/**
 * The findings every workflow's role raises and why they stand: X-Ray and log delivery take no resource, and the
 * `lambda:invoke` integration grants each function with its versions (`<function arn>:*`).
 */
export const acknowledgeWorkflowRole = (stateMachine: StateMachine): void => {
  acknowledge(stateMachine.role, 'AwsSolutions-IAM5[Resource::*]',
    `${XRayWildcardReason} Execution logging to CloudWatch Logs likewise needs logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups on "*" (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).`)
}

/** Acknowledges the `<function arn>:*` resource that the `lambda:invoke` integration adds for each step the workflow calls. */
export const acknowledgeInvokedVersions = (stateMachine: StateMachine, functions: ReadonlyArray<IFunction>): void => {
  for (const fn of functions) {
    acknowledge(stateMachine.role, wildcardResourceFinding(stateMachine, `${fn.functionArn}:*`),
      'Step Functions\' lambda:invoke integration grants the function and its versions and aliases (`<arn>:*`), so a task may name a qualified function; the function itself is one of this workflow\'s steps.')
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
    targets: [new SfnStateMachine(props.stateMachine, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
  })
