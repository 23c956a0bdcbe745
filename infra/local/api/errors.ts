/**
 * An AWS API's refusal, in the service's own terms: the HTTP status, the error code a client's SDK turns into its
 * exception (`ExecutionDoesNotExist`, `NoSuchKey`), the message, and what a protocol adds (SQS's legacy query code,
 * S3's resource fields). Each protocol module writes it in its wire shape.
 */
export class AwsApiError extends Error {
  override readonly name = 'AwsApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: {
      /** SQS's `x-amzn-query-error` (`AWS.SimpleQueueService.NonExistentQueue;Sender`), which SDKs map codes by. */
      readonly queryError?: string
      /** Extra elements of an S3 error (`Key`, `BucketName`, `UploadId`). */
      readonly fields?: Readonly<Record<string, string>>
      /** Client (`Sender`) or server (`Receiver`) fault, for the query protocol. */
      readonly fault?: 'Sender' | 'Receiver'
    } = {},
  ) {
    super(message)
  }
}

/** A missing or malformed parameter, as the JSON and query protocols name it. */
export const validationError = (message: string): AwsApiError => new AwsApiError(400, 'ValidationException', message)
