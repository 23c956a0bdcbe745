import type { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb'
import { Effect } from 'effect'
import { TransientError } from '../../../contracts/errors'

// How the AWS layers sort an SDK v3 rejection into the pipeline's error model:
// - `not-found`: S3 `NoSuchKey` (GetObject) or `NotFound` (HeadObject has no body, so the SDK names a 404 that way);
// - `transient`: throttling, 5xx, timeouts and dropped connections, which a retry can fix, and a transaction
//   canceled only by conflicts or throttling;
// - `fatal`: everything else (AccessDenied, ValidationException, a missing table...), which no retry fixes.
//
// The lists mirror the SDK's own retry classification
// (https://github.com/smithy-lang/smithy-typescript/blob/main/packages/service-error-classification/src/constants.ts),
// copied rather than imported because that package is not a direct dependency.

/** Error names that mean "slow down" (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html). */
const throttlingNames: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
])

/** Timeouts raised by the SDK's HTTP handler or returned by the service. */
const timeoutNames: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'])

/** Node socket errors that a new connection usually cures; `EAI_AGAIN` is DNS saying "try again". */
const networkCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
])

/** The fields an SDK v3 ServiceException (or a Node system error) carries; all optional since anything can be thrown. */
interface SdkErrorFields {
  readonly name?: unknown
  readonly code?: unknown
  readonly message?: unknown
  readonly $fault?: unknown
  readonly $retryable?: unknown
  readonly $metadata?: { readonly httpStatusCode?: unknown; readonly clockSkewCorrected?: unknown }
}

const fieldsOf = (error: unknown): SdkErrorFields => (typeof error === 'object' && error !== null ? error : {})

const statusOf = (fields: SdkErrorFields): number | undefined => {
  const status = fields.$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

const isThrottling = (fields: SdkErrorFields): boolean =>
  statusOf(fields) === 429 || (typeof fields.name === 'string' && throttlingNames.has(fields.name))

// `$fault: 'server'` covers modelled 5xx exceptions (InternalServerError...) built without HTTP metadata;
// `clockSkewCorrected` means the SDK fixed its clock, so the next attempt will sign correctly.
const isServerFaultOrSkew = (fields: SdkErrorFields): boolean =>
  (statusOf(fields) ?? 0) >= 500 || fields.$fault === 'server' || fields.$metadata?.clockSkewCorrected === true

const isTimeoutOrNetwork = (fields: SdkErrorFields): boolean =>
  (typeof fields.name === 'string' && timeoutNames.has(fields.name)) ||
  (typeof fields.code === 'string' && networkCodes.has(fields.code))

/** True for the two names S3 gives a missing key (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). */
export const isObjectNotFound = (error: unknown): boolean => {
  const name = fieldsOf(error).name
  return name === 'NoSuchKey' || name === 'NotFound'
}

/**
 * DynamoDB's answer to a write whose ConditionExpression is false: an expected outcome for idempotent writes,
 * never an error (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#API_PutItem_Errors).
 * Matched by name, not `instanceof`, so a second copy of the SDK in a bundle cannot break it.
 */
export const isConditionalCheckFailed = (error: unknown): error is ConditionalCheckFailedException =>
  fieldsOf(error).name === 'ConditionalCheckFailedException'

/**
 * DynamoDB's answer to a TransactWriteItems that did not commit. `CancellationReasons` holds one reason per action,
 * in request order, `Code: 'None'` for the actions that did not fail
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#API_TransactWriteItems_Errors).
 */
export const isTransactionCanceled = (error: unknown): error is TransactionCanceledException =>
  fieldsOf(error).name === 'TransactionCanceledException'

/** The cancellation `Code` of each action of a canceled transaction, in request order (`None` when absent). */
export const cancellationCodes = (error: TransactionCanceledException): ReadonlyArray<string> =>
  (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None')

/** Cancellation codes a retry of the same transaction can pass: a concurrent transaction on an item, or throttling. */
const transientCancellationCodes: ReadonlySet<string> = new Set([
  'TransactionConflict',
  'ProvisionedThroughputExceeded',
  'ThrottlingError',
])

// Transient only when every failed action failed for a transient reason: a ConditionalCheckFailed or ValidationError
// next to a conflict would fail the same way again.
const isTransientCancellation = (error: unknown): boolean => {
  if (!isTransactionCanceled(error)) return false
  const failed = cancellationCodes(error).filter((code) => code !== 'None')
  return failed.length > 0 && failed.every((code) => transientCancellationCodes.has(code))
}

/** True when retrying the same request can succeed; `$retryable` is the service model's own retryable trait. */
export const isTransient = (error: unknown): boolean => {
  const fields = fieldsOf(error)
  return (
    fields.$retryable !== undefined ||
    isThrottling(fields) ||
    isServerFaultOrSkew(fields) ||
    isTimeoutOrNetwork(fields) ||
    isTransientCancellation(error)
  )
}

/** `Name: message` (or `ECODE: message` for a Node socket error), the most a log reader needs to tell throttling from a timeout. */
export const describeAwsError = (error: unknown): string => {
  const { name, code, message } = fieldsOf(error)
  const text = typeof message === 'string' && message !== '' ? message : String(error)
  const label =
    name !== 'Error' && typeof name === 'string' && name !== '' ? name : typeof code === 'string' ? code : name
  return typeof label === 'string' && label !== '' ? `${label}: ${text}` : text
}

/**
 * The last step of every adapter call: a transient rejection becomes a `TransientError` (the workflow retries it
 * with backoff), anything else a defect, since a retry would fail the same way and only hide the cause.
 */
export const failTransientOrDie =
  (operation: string) =>
  (error: unknown): Effect.Effect<never, TransientError> =>
    isTransient(error)
      ? Effect.fail(new TransientError({ operation, message: describeAwsError(error) }))
      : Effect.die(error)

/**
 * Runs one SDK call, keeping the raw rejection so the caller can recognise the outcomes it expects
 * (ConditionalCheckFailed, NoSuchKey) before {@link failTransientOrDie}. The abort signal cancels the HTTP
 * request when the fiber is interrupted (https://aws.amazon.com/blogs/developer/abortcontroller-in-modular-aws-sdk-for-javascript/).
 */
export const tryAws = <A>(run: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, unknown> =>
  Effect.tryPromise({ try: run, catch: (error) => error })

/** An SDK call whose only expected failure is a transient one. */
export const callAws = <A>(
  operation: string,
  run: (signal: AbortSignal) => Promise<A>,
): Effect.Effect<A, TransientError> => tryAws(run).pipe(Effect.catchAll(failTransientOrDie(operation)))
