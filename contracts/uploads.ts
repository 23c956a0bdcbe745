import { Schema } from 'effect'
import { ExecutionSummary } from './executions'
import { ImageRecord } from './images'

/** What an upload answers: S3 PutObject's ETag plus the bucket, key and size. */
export const UploadResult = Schema.Struct({
  bucket: Schema.String,
  key: Schema.String,
  etag: Schema.String,
  size: Schema.Number,
})
export type UploadResult = typeof UploadResult.Type

/** How one upload ended: its image record settled, its workflow failed without a record for it, or the wait gave up. */
export type ImageOutcome =
  | { readonly status: 'PROCESSED' | 'FAILED'; readonly record: ImageRecord }
  | { readonly status: 'FAILED'; readonly execution: ExecutionSummary }
  | { readonly status: 'TIMEOUT' }

/** S3 etags come quoted (`"abc"`), sometimes weak (`W/"abc"`); events carry them bare. */
export const normalizeEtag = (etag: string): string =>
  etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase()

/** How long to wait for an upload's outcome, and from when its executions count. */
export interface WaitOptions {
  /** Epoch ms after which polling stops and the outcome is TIMEOUT. */
  readonly deadline: number
  /** Epoch ms just before the upload was sent: executions started earlier belong to older versions. */
  readonly uploadedAt: number
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
}
