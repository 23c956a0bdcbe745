import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { acknowledge } from './findings'

/**
 * An SQS queue with the defaults every pipeline queue has: SQS-managed server-side encryption, a queue policy
 * denying requests without TLS (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html),
 * messages kept 14 days, the longest SQS allows, so a dead letter waits for its redrive, and retained when the stack
 * is deleted: its messages are accepted work (dead letters, queued orders) that deleting the stack must not lose.
 */
export const secureQueue = (scope: Construct, id: string, props: QueueProps = {}): Queue =>
  new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.RETAIN,
    ...props,
  })

/**
 * Why a dead-letter queue has no dead-letter queue or redrive policy of its own: it is the end of a failure path.
 * Another DLQ would only move the problem one queue further; an alarm on its depth (see `Observability`) is what
 * gets it looked at.
 */
export const deadLetterQueueReason = (feeds: string): string =>
  `This queue is itself a dead-letter queue (for ${feeds}); its messages are inspected and redriven by hand, and an alarm fires when it holds any.`

/** The dead-letter queues of the workflows, the rule targets and the pipes, by the name the local runtime gives them. */
export interface WorkflowDeadLetterQueues {
  /** Image workflow failures, with event, error and cause. */
  readonly ImageDeadLetters: Queue
  /** Events a rule, the upload forwarding or the maintenance schedule could not deliver to its target. */
  readonly RuleTargetDeadLetters: Queue
  readonly OrderDeadLetters: Queue
  readonly ChangeDeadLetters: Queue
  readonly ImportDeadLetters: Queue
  /** Stream batches the change pipes could not enrich or deliver. */
  readonly PipeDeadLetters: Queue
}

export interface DeadLetterQueuesProps {
  /** How long a dead letter waits for inspection and redrive. @default 14 days, the longest SQS keeps a message */
  readonly retention?: Duration
}

/**
 * The pipeline's dead-letter queues, one per failure path, each a {@link secureQueue}. Nothing is lost: every
 * accepted event ends as a succeeded execution or here, with the reason.
 */
export class DeadLetterQueues extends Construct {
  readonly queues: WorkflowDeadLetterQueues

  constructor(scope: Construct, id: string, props: DeadLetterQueuesProps = {}) {
    super(scope, id)
    const dlq = (queueId: keyof WorkflowDeadLetterQueues, feeds: string) => {
      const queue = secureQueue(this, queueId, props.retention ? { retentionPeriod: props.retention } : {})
      acknowledge(queue, 'AwsSolutions-SQS3', deadLetterQueueReason(feeds))
      acknowledge(queue, 'Serverless-SQSRedrivePolicy', deadLetterQueueReason(feeds))
      return queue
    }
    this.queues = {
      ImageDeadLetters: dlq('ImageDeadLetters', 'the image workflow'),
      RuleTargetDeadLetters: dlq('RuleTargetDeadLetters', 'EventBridge rule targets and the maintenance schedule'),
      OrderDeadLetters: dlq('OrderDeadLetters', 'the order workflow'),
      ChangeDeadLetters: dlq('ChangeDeadLetters', 'the change workflow'),
      ImportDeadLetters: dlq('ImportDeadLetters', 'the import workflow'),
      PipeDeadLetters: dlq('PipeDeadLetters', 'the change pipes'),
    }
  }
}
