import { Stack } from 'aws-cdk-lib'
import type { IEventBus } from 'aws-cdk-lib/aws-events'
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { CfnPipe } from 'aws-cdk-lib/aws-pipes'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import type { Table } from 'aws-cdk-lib/aws-dynamodb'
import { Construct } from 'constructs'
import type { EventPattern } from '../../../contracts/patterns'
import { ChangesSource } from '../../../contracts/sources'
import { acknowledge, wildcardResourceFinding } from './findings'

export interface ChangePipeProps {
  /** A table with a stream of NEW_AND_OLD_IMAGES. */
  readonly table: Table
  /** The step that decodes a batch of stream records into typed change details. */
  readonly enrichment: IFunction
  readonly bus: IEventBus
  readonly detailType: string
  /** Where a batch goes when the enrichment keeps failing. */
  readonly deadLetterQueue: IQueue
  /** Event patterns over the stream records: a record matching none of them never reaches the enrichment. */
  readonly filters?: ReadonlyArray<EventPattern>
}

/**
 * An EventBridge pipe from a table's stream to the bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html):
 * batches of stream records, in order per item, decoded by the enrichment step, each result put on the bus as
 * one event of `detailType`. Defaults it enforces: start from the oldest record; gather records for up to a second
 * (fewer enrichment invocations when writes come in bursts); halve a failing batch until the one record that fails
 * is alone (`AUTOMATIC_BISECT`), retry it three times, then send its place in the stream (shard and sequence
 * numbers, not the records: they are re-read from the stream, which keeps them 24 hours) to the DLQ; the pipe's role
 * may only read this stream (and list streams, which takes no resource), invoke this step, put on this bus and send
 * to this DLQ.
 */
export class ChangePipe extends Construct {
  readonly pipe: CfnPipe

  constructor(scope: Construct, id: string, props: ChangePipeProps) {
    super(scope, id)
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    })
    props.table.grantStreamRead(role)
    props.enrichment.grantInvoke(role)
    acknowledge(
      role,
      wildcardResourceFinding(this, `${props.enrichment.functionArn}:*`),
      "grantInvoke covers the enrichment function and its versions and aliases (`<arn>:*`); the function is this pipe's own decode step.",
    )
    props.bus.grantPutEventsTo(role)
    props.deadLetterQueue.grantSendMessages(role)
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }))
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'dynamodb:ListStreams supports no resource-level permissions and is granted on "*" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html); reading records stays scoped to this table\'s stream.',
    )
    this.pipe = new CfnPipe(this, 'Pipe', {
      roleArn: role.roleArn,
      source: props.table.tableStreamArn!,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'TRIM_HORIZON',
          batchSize: 10,
          maximumBatchingWindowInSeconds: 1,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          maximumRetryAttempts: 3,
          deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
        },
        ...(props.filters
          ? { filterCriteria: { filters: props.filters.map((pattern) => ({ pattern: JSON.stringify(pattern) })) } }
          : {}),
      },
      enrichment: props.enrichment.functionArn,
      target: props.bus.eventBusArn,
      targetParameters: { eventBridgeEventBusParameters: { detailType: props.detailType, source: ChangesSource } },
    })
  }
}
