import { Effect, Option, Schema } from 'effect'
import { FailureInput, type ImageRecord, type ImageRejectedDetail } from '../../../contracts/images'
import { ObjectCreated } from '../../../contracts/s3'
import { now } from '../../services/clock'
import { ImageTable } from '../../services/image-table'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'

/** The human reason inside a Step Functions `Cause`: Lambda's `errorMessage` when the cause is its JSON, else the cause itself. */
export const reasonOf = (error: { readonly Error: string; readonly Cause?: string | undefined }): string => {
  if (!error.Cause) return error.Error
  try {
    const parsed: unknown = JSON.parse(error.Cause)
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'errorMessage' in parsed &&
      typeof parsed.errorMessage === 'string'
    )
      return parsed.errorMessage
  } catch {
    // A cause that is not Lambda's JSON (a States.* runtime error) is already a sentence.
  }
  return error.Cause
}

/**
 * The catch-all's bookkeeping: records status FAILED with the reason for this object version and says whether
 * this run is the first to fail it, so the workflow dead-letters the event and publishes `ImageRejected` once per
 * version. The record names the execution that wrote it: when this step's answer is lost after the write and
 * Lambda's retry finds the record standing, the same execution is still the first failure, so its dead letter and
 * event are not lost. A version that already stands PROCESSED is not downgraded, and is no rejection; but a run
 * that failed after it (announcing or indexing) left work undone, so its event is still dead-lettered (no
 * `rejection`), and a redrive finishes that work idempotently.
 */
export const recordImageFailure = defineStep({
  name: StepNames.recordImageFailure,
  input: FailureInput,
  run: ({ event, error, executionId }) =>
    Effect.gen(function* () {
      const table = yield* ImageTable
      const at = yield* now
      const reason = reasonOf(error)
      const decoded = Schema.decodeUnknownOption(ObjectCreated)(event)
      if (Option.isNone(decoded)) {
        const rejection: ImageRejectedDetail = { bucket: '', key: '', etag: '', error: error.Error, reason }
        return { firstFailure: true, rejection }
      }
      const { bucket, object } = decoded.value.detail
      const record: ImageRecord = {
        key: object.key,
        bucket: bucket.name,
        etag: object.etag,
        ...(object['version-id'] === undefined ? {} : { versionId: object['version-id'] }),
        status: 'FAILED',
        size: object.size,
        renditions: [],
        error: error.Error,
        reason,
        ...(executionId === undefined ? {} : { failedBy: executionId }),
        createdAt: at,
        updatedAt: at,
      }
      const outcome = yield* table.putVersion(record)
      const rejection: ImageRejectedDetail = {
        bucket: bucket.name,
        key: object.key,
        etag: object.etag,
        error: error.Error,
        reason,
      }
      const ownWrite =
        !outcome.written &&
        executionId !== undefined &&
        outcome.existing.status === 'FAILED' &&
        outcome.existing.etag === object.etag &&
        outcome.existing.failedBy === executionId
      const recorded = outcome.written || ownWrite
      const unfinished =
        !outcome.written && outcome.existing.status === 'PROCESSED' && outcome.existing.etag === object.etag
      return recorded ? { firstFailure: true, rejection } : { firstFailure: unfinished }
    }),
})
