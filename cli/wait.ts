import type { ImageRecord } from '../contracts/images'
import { HttpError, InvalidResponse, type ExecutionSummary, type PipelineClient, type UploadResult } from './client'

/** How one upload ended: its image record settled, its workflow failed before writing one, or we gave up. */
export type ImageOutcome =
  | { readonly status: 'PROCESSED' | 'FAILED'; readonly record: ImageRecord }
  | { readonly status: 'FAILED'; readonly execution: ExecutionSummary }
  | { readonly status: 'TIMEOUT' }

export interface WaitOptions {
  /** Epoch ms after which we stop polling and answer TIMEOUT. */
  readonly deadline: number
  /** Epoch ms just before the upload was sent: executions started earlier belong to older versions. */
  readonly uploadedAt: number
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
}

const FirstDelayMs = 250
const MaxDelayMs = 2000
/** The runtime runs on this machine, but leave room for clocks read at different moments. */
const ClockSkewMs = 5000

/**
 * Polls until the workflow has an outcome for this exact upload. The one place that knows how the runtime
 * reports outcomes, so the endpoint can change here alone:
 *
 * - `GET /images/{key}` is the answer once its etag equals the uploaded etag and its status is PROCESSED or
 *   FAILED. A record for an older version (another etag), or a 404, means "not yet". Re-uploading identical
 *   bytes gives the same etag, so the earlier outcome answers at once: same bytes, same result.
 * - `GET /executions?key=` covers the workflow failing before it records anything (its catch-all itself
 *   failed): a FAILED/TIMED_OUT/ABORTED execution started after the upload whose input names this key and
 *   no other etag. Executions without input are ignored, since nothing ties them to this version.
 *
 * Unreachable propagates; other errors of the execution lookup are ignored (the image record decides).
 */
export const waitForImage = async (client: PipelineClient, upload: UploadResult, options: WaitOptions): Promise<ImageOutcome> => {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const etag = normalizeEtag(upload.etag)
  let delay = FirstDelayMs
  for (;;) {
    const record = await client.getImage(upload.key)
    if (record && isSettled(record) && isThisVersion(record, etag, options.uploadedAt)) return { status: record.status, record }
    const failed = await failedExecution(client, upload.key, etag, options.uploadedAt)
    if (failed) return { status: 'FAILED', execution: failed }
    const remaining = options.deadline - now()
    if (remaining <= 0) return { status: 'TIMEOUT' }
    await sleep(Math.min(delay, remaining))
    delay = Math.min(MaxDelayMs, Math.round(delay * 1.5))
  }
}

/** S3 etags come quoted (`"abc"`), sometimes weak (`W/"abc"`); events carry them bare. */
export const normalizeEtag = (etag: string): string => etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1').toLowerCase()

const isSettled = (record: ImageRecord): boolean => record.status === 'PROCESSED' || record.status === 'FAILED'

const isThisVersion = (record: ImageRecord, etag: string, uploadedAt: number): boolean => {
  if (typeof record.etag === 'string' && record.etag !== '') return normalizeEtag(record.etag) === etag
  // A record without an etag cannot name its version: accept it only if it was written after the upload.
  const writtenAt = Date.parse(record.updatedAt ?? record.createdAt ?? '')
  return Number.isFinite(writtenAt) && writtenAt >= uploadedAt - ClockSkewMs
}

const failedExecution = async (client: PipelineClient, key: string, etag: string, uploadedAt: number): Promise<ExecutionSummary | undefined> => {
  let executions: ReadonlyArray<ExecutionSummary>
  try {
    executions = (await client.listExecutions({ key })).executions
  } catch (error) {
    if (error instanceof HttpError || error instanceof InvalidResponse) return undefined
    throw error
  }
  return executions.find((execution) => {
    if (execution.status !== 'FAILED' && execution.status !== 'TIMED_OUT' && execution.status !== 'ABORTED') return false
    if (!(Date.parse(execution.startDate) >= uploadedAt - ClockSkewMs)) return false
    if (execution.input === undefined || execution.input === null) return false
    const input = (typeof execution.input === 'string' ? execution.input : JSON.stringify(execution.input)).toLowerCase()
    if (!input.includes(key.toLowerCase())) return false
    // The input of an S3 Object Created event carries the etag: if it names one, it must be ours.
    return !/etag/.test(input) || input.includes(etag)
  })
}
