import { Duration } from 'aws-cdk-lib'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { deadLetterQueueReason, secureQueue } from './dead-letter-queues'
import { acknowledge } from './findings'

export interface OrdersQueueProps {
  /** How many receives a message gets before it moves to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number
  /**
   * How long a received message stays invisible. Lambda's guidance for an SQS event source is at least six times the
   * function's timeout, so a batch retried after throttling is not received twice
   * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html). @default 3 minutes (the receiving
   * step's timeout is 30 seconds)
   */
  readonly visibilityTimeout?: Duration
}

/**
 * The orders queue, where other systems send orders, with its redrive to `OrdersQueueDeadLetters`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html): a
 * message that fails `maxReceiveCount` times moves there instead of blocking the queue. Both are
 * {@link secureQueue}s (SQS-managed encryption, TLS only).
 */
export class OrdersQueue extends Construct {
  readonly queue: Queue
  readonly deadLetterQueue: Queue

  constructor(scope: Construct, id: string, props: OrdersQueueProps = {}) {
    super(scope, id)
    this.deadLetterQueue = secureQueue(this, 'OrdersQueueDeadLetters')
    // (AwsSolutions-SQS3 sees the redrive policy below and knows this queue for a DLQ; the Serverless pack does not.)
    acknowledge(
      this.deadLetterQueue,
      'Serverless-SQSRedrivePolicy',
      deadLetterQueueReason('the orders queue, by its redrive policy'),
    )
    this.queue = secureQueue(this, 'OrdersQueue', {
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(3),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    })
  }
}
