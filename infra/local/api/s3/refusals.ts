import { InvalidObjectKey, NoSuchBucket } from '../../s3/object-store'
import { S3Refusal } from '../../s3/refusal'
import { AwsApiError } from '../errors'
import { InvalidUri } from './operations'
import { MalformedXml } from './xml-input'
import { malformedXml, s3Error } from './wire'

/** The HTTP status S3 answers each of the local S3's refusals with (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
const statusOf: Readonly<Record<S3Refusal['code'], number>> = {
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  NoSuchUpload: 404,
  NoSuchKey: 404,
  PreconditionFailed: 412,
}

/**
 * Any failure of an S3 call as S3's error: the API's own errors as they are, the store's refusals with S3's status, a
 * key the store refuses as a 400 that says why (S3's KeyTooLongError for a long one); what is left is the server's own
 * failure, logged and answered as S3's InternalError, never with a stack trace.
 */
export const asS3Error = (error: unknown): AwsApiError => {
  if (error instanceof AwsApiError) return error
  if (error instanceof S3Refusal) return s3Error(statusOf[error.code], error.code, error.message, error.fields)
  if (error instanceof NoSuchBucket) return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist')
  if (error instanceof InvalidObjectKey)
    return error.message.includes('longer than')
      ? s3Error(400, 'KeyTooLongError', 'Your key is too long', { MaxSizeAllowed: '1024' })
      : s3Error(400, 'InvalidArgument', `The local runtime does not take this object key: ${error.message}`, {
          ArgumentName: 'key',
        })
  if (error instanceof InvalidUri) return s3Error(400, 'InvalidURI', "Couldn't parse the specified URI.")
  if (error instanceof MalformedXml) return malformedXml()
  console.error('S3 request failed:', error)
  return s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.')
}
