import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb'
import { NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3'
import { Effect, Exit } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import {
  callAws,
  cancellationCodes,
  describeAwsError,
  isConditionalCheckFailed,
  isObjectNotFound,
  isTransactionCanceled,
  isTransient,
} from '../../../../../infra/aws/layers/classify'
import { defectOf } from '../../../../support/exits'

const s3Error = (name: string, httpStatusCode: number, fault: 'client' | 'server') =>
  new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode }, message: name })

const systemError = (code: string) => Object.assign(new Error(`socket ${code}`), { code })
const namedError = (name: string) => Object.assign(new Error(name), { name })
const canceled = (...codes: Array<string | undefined>) =>
  new TransactionCanceledException({
    $metadata: {},
    message: 'Transaction cancelled',
    CancellationReasons: codes.map((Code) => (Code === undefined ? {} : { Code })),
  })

type AwsErrorClass = 'not-found' | 'transient' | 'fatal'

/** How the layers sort a rejection: object-not-found first, then transient, everything else fatal. */
const classify = (error: unknown): AwsErrorClass =>
  isObjectNotFound(error) ? 'not-found' : isTransient(error) ? 'transient' : 'fatal'

describe('sorting an SDK rejection', () => {
  it.each<[string, AwsErrorClass, unknown]>([
    [
      'S3 NoSuchKey (GetObject)',
      'not-found',
      new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }),
    ],
    [
      'S3 NotFound (HeadObject)',
      'not-found',
      new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'Not Found' }),
    ],
    ['DynamoDB ThrottlingException', 'transient', new ThrottlingException({ $metadata: {}, message: 'slow down' })],
    [
      'DynamoDB ProvisionedThroughputExceededException',
      'transient',
      new ProvisionedThroughputExceededException({ $metadata: {}, message: 'too fast' }),
    ],
    [
      'DynamoDB InternalServerError (server fault, no status)',
      'transient',
      new InternalServerError({ $metadata: {}, message: 'oops' }),
    ],
    ['S3 SlowDown 503', 'transient', s3Error('SlowDown', 503, 'server')],
    ['S3 InternalError 500', 'transient', s3Error('InternalError', 500, 'server')],
    ['any 429', 'transient', s3Error('TooManyRequests', 429, 'client')],
    ['SDK request timeout', 'transient', namedError('TimeoutError')],
    ['connection reset', 'transient', systemError('ECONNRESET')],
    ['connection refused', 'transient', systemError('ECONNREFUSED')],
    ['modelled retryable trait', 'transient', Object.assign(new Error('x'), { $retryable: {} })],
    ['S3 AccessDenied 403', 'fatal', s3Error('AccessDenied', 403, 'client')],
    ['S3 NoSuchBucket 404', 'fatal', s3Error('NoSuchBucket', 404, 'client')],
    ['DynamoDB ValidationException', 'fatal', namedError('ValidationException')],
    ['a plain bug', 'fatal', new TypeError('undefined is not a function')],
    ['not an Error at all', 'fatal', 'boom'],
    ['a transaction canceled by a conflict', 'transient', canceled('None', 'TransactionConflict')],
    ['a transaction canceled by throttling', 'transient', canceled('ThrottlingError', 'ProvisionedThroughputExceeded')],
    ['a transaction canceled by a condition', 'fatal', canceled('ConditionalCheckFailed', 'None')],
    [
      'a transaction canceled by a condition and a conflict',
      'fatal',
      canceled('ConditionalCheckFailed', 'TransactionConflict'),
    ],
    ['a transaction canceled by a validation error', 'fatal', canceled('ValidationError')],
    ['a transaction canceled without reasons', 'fatal', canceled()],
  ])('%s is %s', (_name, expected, error) => {
    expect(classify(error)).toBe(expected)
  })
})

describe('isConditionalCheckFailed', () => {
  it('recognises the DynamoDB exception by name', () => {
    expect(
      isConditionalCheckFailed(
        new ConditionalCheckFailedException({ $metadata: {}, message: 'The conditional request failed' }),
      ),
    ).toBe(true)
    expect(isConditionalCheckFailed(namedError('ValidationException'))).toBe(false)
  })
})

describe('isTransactionCanceled and cancellationCodes', () => {
  it('recognise the exception by name and list one code per action, None when absent', () => {
    const error = canceled('None', 'ConditionalCheckFailed', undefined)

    expect(isTransactionCanceled(error)).toBe(true)
    expect(isTransactionCanceled(namedError('ConditionalCheckFailedException'))).toBe(false)
    expect(cancellationCodes(error)).toEqual(['None', 'ConditionalCheckFailed', 'None'])
  })
})

describe('callAws', () => {
  it('passes the result through', async () => {
    const exit = await Effect.runPromiseExit(callAws('Op', async () => 42))

    expect(exit).toEqual(Exit.succeed(42))
  })

  it('fails with TransientError carrying the operation and the SDK error name', async () => {
    const exit = await Effect.runPromiseExit(
      callAws('Table.get', () => Promise.reject(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))),
    )

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'Table.get', message: 'ThrottlingException: Rate exceeded' })),
    )
  })

  it('dies with the original error when retrying cannot help', async () => {
    const denied = s3Error('AccessDenied', 403, 'client')

    const exit = await Effect.runPromiseExit(callAws('Bucket.get', () => Promise.reject(denied)))

    expect(defectOf(exit)).toBe(denied)
  })

  it('aborts the request when the fiber is interrupted', async () => {
    let aborted = false
    const hang = (signal: AbortSignal) =>
      new Promise<never>(() =>
        signal.addEventListener('abort', () => {
          aborted = true
        }),
      )

    const exit = await Effect.runPromiseExit(callAws('Slow.op', hang).pipe(Effect.timeout('10 millis')))

    expect(Exit.isFailure(exit)).toBe(true)
    expect(aborted).toBe(true)
  })
})

describe('describeAwsError', () => {
  it('falls back to the value itself when there is no message', () => {
    expect(describeAwsError('boom')).toBe('boom')
  })
})
