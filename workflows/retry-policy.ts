import { Duration } from 'aws-cdk-lib'
import { Errors, JitterType, type RetryProps } from 'aws-cdk-lib/aws-stepfunctions'
import { LambdaServiceErrors, TransientError } from '../contracts/errors'

/**
 * Retry what can heal: our `TransientError` and Lambda's service errors, with exponential backoff and
 * full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Typed rejections
 * and defects are not retried: the catch-all takes them.
 */
export const transientRetry: RetryProps = {
  errors: [TransientError._tag, ...LambdaServiceErrors],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 4,
  maxDelay: Duration.seconds(20),
  jitterStrategy: JitterType.FULL,
}

/** Service integrations (SQS, EventBridge) fail with their own error names: retry any task failure a few times. */
export const integrationRetry: RetryProps = {
  errors: [Errors.TASKS_FAILED],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: JitterType.FULL,
}
