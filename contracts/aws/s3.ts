import { Schema } from 'effect'

/**
 * The S3 wire shapes the local endpoint reads from requests (https://docs.aws.amazon.com/AmazonS3/latest/API/),
 * decoded where they are read: XML request bodies once parsed into plain values, and query parameters.
 */

/** A whole number in decimal digits, as S3 writes numbers in XML and query strings (no sign, no exponent). */
const Digits = Schema.String.pipe(Schema.pattern(/^\d{1,15}$/))
const IntFromDigits = Schema.compose(Digits, Schema.NumberFromString).pipe(Schema.int())

/** One `<Part>` of a CompleteMultipartUpload body (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html). */
export const CompletedPart = Schema.Struct({
  PartNumber: IntFromDigits,
  ETag: Schema.String.pipe(Schema.minLength(1)),
  ChecksumCRC32: Schema.optional(Schema.String),
  ChecksumCRC32C: Schema.optional(Schema.String),
  ChecksumCRC64NVME: Schema.optional(Schema.String),
  ChecksumSHA1: Schema.optional(Schema.String),
  ChecksumSHA256: Schema.optional(Schema.String),
})
export type CompletedPart = typeof CompletedPart.Type

/**
 * The body of CompleteMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html):
 * at least one part, at most 10,000.
 */
export const CompleteMultipartUploadBody = Schema.Struct({
  Parts: Schema.Array(CompletedPart).pipe(Schema.minItems(1), Schema.maxItems(10_000)),
})
export type CompleteMultipartUploadBody = typeof CompleteMultipartUploadBody.Type

/** One `<Object>` of a DeleteObjects body (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectIdentifier.html). */
export const ObjectIdentifier = Schema.Struct({
  Key: Schema.String.pipe(Schema.minLength(1)),
  VersionId: Schema.optional(Schema.String),
  ETag: Schema.optional(Schema.String),
  LastModifiedTime: Schema.optional(Schema.String),
  Size: Schema.optional(IntFromDigits),
})
export type ObjectIdentifier = typeof ObjectIdentifier.Type

/** The body of DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): 1 to 1,000 keys. */
export const DeleteObjectsBody = Schema.Struct({
  Quiet: Schema.optional(Schema.Literal('true', 'false')),
  Objects: Schema.Array(ObjectIdentifier).pipe(Schema.minItems(1), Schema.maxItems(1000)),
})
export type DeleteObjectsBody = typeof DeleteObjectsBody.Type

/** `max-keys`, `max-parts`, `max-uploads`: a whole number (S3 caps it at 1,000 where it answers). */
export const MaxItemsParam = IntFromDigits

/** `partNumber` of UploadPart (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html): 1 to 10,000. */
export const PartNumberParam = IntFromDigits.pipe(Schema.between(1, 10_000))

/** `encoding-type`: `url` is the only one S3 knows. */
export const EncodingTypeParam = Schema.Literal('url')

/** `x-amz-metadata-directive` of CopyObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). */
export const MetadataDirective = Schema.Literal('COPY', 'REPLACE')

/** What a ListObjectsV2 continuation token carries here: where the previous page ended (a key, or a common prefix). */
export const ContinuationToken = Schema.Union(
  Schema.Struct({ key: Schema.String }),
  Schema.Struct({ prefix: Schema.String }),
)
export type ContinuationToken = typeof ContinuationToken.Type
