import { Duration } from 'aws-cdk-lib'
import { Errors, JitterType, type RetryProps } from 'aws-cdk-lib/aws-stepfunctions'
import { LambdaServiceErrors, TransientError } from '../contracts/errors'

/**
 * Retry what can heal: our `TransientError` and Lambda's service errors, with exponential backoff and
 * full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Typed rejections
 * and defects are not retried: the catch-all takes them. Three retries (four tries, waits of up to 1, 2 and 4 s): a
 * workflow's retries must end before its own timeout, which no Catch sees (test/infra/workflow-timeouts.test.ts).
 */
export const transientRetry: RetryProps = {
  errors: [TransientError._tag, ...LambdaServiceErrors],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 3,
  maxDelay: Duration.seconds(20),
  jitterStrategy: JitterType.FULL,
}

/**
 * The import step runs up to 15 minutes, so each try is expensive (the rows it already placed are skipped on the
 * next): two retries, three tries, within the workflow's hour (see `ImportWorkflow`).
 */
export const importRetry: RetryProps = { ...transientRetry, maxAttempts: 2 }

/** A maintenance chore runs again at the next schedule in five minutes: one retry is enough. */
export const choreRetry: RetryProps = { ...transientRetry, maxAttempts: 1 }

/** Service integrations (SQS, EventBridge) fail with their own error names: retry any task failure a few times. */
export const integrationRetry: RetryProps = {
  errors: [Errors.TASKS_FAILED],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: JitterType.FULL,
}

/**
 * How long a service integration (SendMessage, PutEvents) may take before Step Functions gives up on it
 * (`TimeoutSeconds`): these calls take milliseconds, and a task with no timeout waits for the execution's own.
 */
export const IntegrationTimeout = Duration.seconds(10)
