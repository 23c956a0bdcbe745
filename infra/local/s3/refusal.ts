/**
 * A request the local S3 refuses, named by S3's error code (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html),
 * with the extra elements S3 puts in its error (`ProposedSize`, `UploadId`, `PartNumber`). Each front writes it its own way:
 * the S3 API as S3's XML error, the project's routes as their JSON error.
 */
export class S3Refusal extends Error {
  override readonly name = 'S3Refusal'
  constructor(
    readonly code: S3RefusalCode,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message)
  }
}

export type S3RefusalCode =
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'NoSuchUpload'
  | 'NoSuchKey'
  | 'PreconditionFailed'

/** S3's EntityTooLarge, for a body over the limit: the one limit every way in shares (MAX_UPLOAD_BYTES). */
export const entityTooLarge = (limit: number, proposedSize?: number): S3Refusal =>
  new S3Refusal('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.', {
    ...(proposedSize === undefined ? {} : { ProposedSize: String(proposedSize) }),
    MaxSizeAllowed: String(limit),
  })
