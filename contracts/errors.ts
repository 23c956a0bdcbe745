import { Schema } from 'effect'

/**
 * An infrastructure failure worth retrying (throttling, a timeout, an injected fault).
 * Workflows retry it with backoff and full jitter before their catch-all takes over.
 */
export class TransientError extends Schema.TaggedError<TransientError>()('TransientError', {
  operation: Schema.String,
  message: Schema.String,
}) {}

/** The step's input does not decode with its contract: retrying cannot help. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()('InvalidInput', {
  message: Schema.String,
}) {}

/** Lambda's own failures that Step Functions recommends retrying (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). */
export const LambdaServiceErrors = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const
