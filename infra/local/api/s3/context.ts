import type { IncomingMessage, ServerResponse } from 'node:http'
import { Either, Schema } from 'effect'
import type { LocalMultipartUploads } from '../../s3/multipart'
import type { LocalObjectStore } from '../../s3/object-store'
import { MaxItemsParam } from '../../../../contracts/aws/s3'
import type { RequestIds } from './wire'
import { invalidArgument, noSuchBucket } from './wire'

/** What an S3 operation is handed: the request, its answer, its ids, its bucket, key and query, and the services. */
export interface S3Call {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly ids: RequestIds
  readonly bucket?: string
  readonly key?: string
  readonly query: URLSearchParams
  readonly store: LocalObjectStore
  readonly uploads: LocalMultipartUploads
  /** MAX_UPLOAD_BYTES: the largest object, through any way in. */
  readonly maxUploadBytes: number
  /** When the buckets came to be, for ListBuckets' CreationDate: when this endpoint started. */
  readonly bucketsCreated: string
}

export type S3Operation = (call: S3Call) => Promise<void> | void

/** The call's bucket, which must exist: S3's NoSuchBucket otherwise. */
export const bucketOf = (call: S3Call): string => {
  if (call.bucket === undefined || !call.store.hasBucket(call.bucket)) throw noSuchBucket(call.bucket ?? '')
  return call.bucket
}

/** The call's key (the operation is an object operation, so it has one). */
export const keyOf = (call: S3Call): string => call.key!

/** A request header, as one string. */
export const headerOf = (call: S3Call, name: string): string | undefined => {
  const value = call.req.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/**
 * `max-keys`, `max-parts` or `max-uploads`: absent is 1,000, over 1,000 is 1,000 (S3 never answers more), anything
 * but a whole number is S3's InvalidArgument with the message S3 gives for it.
 */
export const maxItems = (call: S3Call, name: string, message: string): number => {
  const raw = call.query.get(name)
  if (raw === null) return 1000
  const decoded = Schema.decodeUnknownEither(MaxItemsParam)(raw)
  if (Either.isLeft(decoded) || decoded.right > 2_147_483_647) throw invalidArgument(message, name, raw)
  return Math.min(decoded.right, 1000)
}
