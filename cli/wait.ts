import type { ImageRecord } from '../contracts/images'
import type { ExecutionSummary } from '../contracts/executions'
import { normalizeEtag, type ImageOutcome, type UploadResult, type WaitOptions } from '../contracts/uploads'
import type { ImportReport, Order, PipelineClient } from './client'
import { HttpError, InvalidResponse } from './errors'

const FirstDelayMs = 250
const MaxDelayMs = 2000
/** The runtime runs on this machine, but leave room for clocks read at different moments. */
const ClockSkewMs = 2000

/**
 * Polls until the workflow has an outcome for this exact upload. The one place that knows how the runtime
 * reports outcomes, so the endpoints can change here alone:
 *
 * - `GET /images/{key}` is the answer once its etag equals the uploaded etag and its status is PROCESSED or
 *   FAILED. A record of an older version (another etag), or a 404, means "not yet". Re-uploading identical
 *   bytes gives the same etag, so the earlier outcome answers at once: same bytes, same result.
 * - `GET /executions?key=` covers a workflow that failed without writing the record (its failure recorder
 *   itself failed): a FAILED/TIMED_OUT/ABORTED execution started after the upload, whose input
 *   (`GET /executions/{arn}`) is this key's S3 event with this etag. The image workflow also ends FAILED
 *   after recording a rejection, so the record is read once more before the execution is taken as the answer.
 *
 * Unreachable propagates, as do server errors of the record lookup; errors of the execution lookup are
 * ignored (the record decides).
 */
export const waitForImage = async (
  client: PipelineClient,
  upload: UploadResult,
  options: WaitOptions,
): Promise<ImageOutcome> => {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const etag = normalizeEtag(upload.etag)
  const settledRecord = async () => {
    const record = await client.getImage(upload.key)
    return record && isSettled(record) && isThisVersion(record, etag, options.uploadedAt) ? record : undefined
  }
  const notOurs = new Set<string>()
  let delay = FirstDelayMs
  for (;;) {
    const record = await settledRecord()
    if (record) return { status: record.status, record }
    const failed = await failedExecution(client, upload.key, etag, options.uploadedAt, notOurs)
    if (failed) {
      const recorded = await settledRecord()
      return recorded ? { status: recorded.status, record: recorded } : { status: 'FAILED', execution: failed }
    }
    const remaining = options.deadline - now()
    if (remaining <= 0) return { status: 'TIMEOUT' }
    await sleep(Math.min(delay, remaining))
    delay = Math.min(MaxDelayMs, Math.round(delay * 1.5))
  }
}

const isSettled = (record: ImageRecord): boolean => record.status === 'PROCESSED' || record.status === 'FAILED'

const isThisVersion = (record: ImageRecord, etag: string, uploadedAt: number): boolean => {
  if (typeof record.etag === 'string' && record.etag !== '') return normalizeEtag(record.etag) === etag
  // A record without an etag cannot name its version: accept it only if it was written after the upload.
  const writtenAt = Date.parse(record.updatedAt ?? record.createdAt ?? '')
  return Number.isFinite(writtenAt) && writtenAt >= uploadedAt - ClockSkewMs
}

const isFailure = (status: string): boolean => status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED'

/** A failed execution about this version of `key`; `notOurs` remembers the ones already ruled out across polls. */
const failedExecution = async (
  client: PipelineClient,
  key: string,
  etag: string,
  uploadedAt: number,
  notOurs: Set<string>,
): Promise<ExecutionSummary | undefined> => {
  const executions = await ignoringServerErrors(async () => (await client.listExecutions({ key })).executions)
  for (const execution of executions ?? []) {
    if (!isFailure(execution.status) || notOurs.has(execution.executionArn)) continue
    if (!(Date.parse(execution.startDate) >= uploadedAt - ClockSkewMs)) continue
    const input =
      execution.input ??
      (await ignoringServerErrors(async () => (await client.getExecution(execution.executionArn)).input))
    if (input === undefined || input === null) continue
    const text = (typeof input === 'string' ? input : JSON.stringify(input)).toLowerCase()
    // The input of an S3 Object Created event names the key and the etag of the version it is about.
    if (text.includes(key.toLowerCase()) && (!text.includes('etag') || text.includes(etag))) return execution
    notOurs.add(execution.executionArn)
  }
  return undefined
}

const ignoringServerErrors = async <A>(lookup: () => Promise<A>): Promise<A | undefined> => {
  try {
    return await lookup()
  } catch (error) {
    if (error instanceof HttpError || error instanceof InvalidResponse) return undefined
    throw error
  }
}

export interface PollOptions {
  /** Epoch ms after which we stop polling. */
  readonly deadline: number
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
}

/**
 * Calls `check` until it answers something other than undefined, waiting 250 ms after the first call and half as long
 * again after each next one, up to 2 s; undefined when the deadline passes first. Errors of `check` propagate.
 */
export const pollUntil = async <A>(
  check: () => Promise<A | undefined>,
  options: PollOptions,
): Promise<A | undefined> => {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  let delay = FirstDelayMs
  for (;;) {
    const found = await check()
    if (found !== undefined) return found
    const remaining = options.deadline - now()
    if (remaining <= 0) return undefined
    await sleep(Math.min(delay, remaining))
    delay = Math.min(MaxDelayMs, Math.round(delay * 1.5))
  }
}

/**
 * The report of this exact import: `GET /objects/reports/{key}.json` once its etag equals the uploaded etag. A 404,
 * or the report of another version of the file (another etag), means "not yet". Undefined on timeout.
 */
export const waitForReport = async (
  client: PipelineClient,
  key: string,
  upload: UploadResult,
  options: PollOptions,
): Promise<ImportReport | undefined> => {
  const etag = normalizeEtag(upload.etag)
  return pollUntil(async () => {
    const report = await client.getImportReport(key)
    return report && normalizeEtag(report.etag) === etag ? report : undefined
  }, options)
}

/**
 * Polls `GET /orders/{id}` until the order workflow decided it (any status but PENDING). `settled` is false on timeout,
 * with the order as last seen; a 404 (not written yet) counts as PENDING.
 */
export const waitForOrder = async (
  client: PipelineClient,
  orderId: string,
  options: PollOptions,
): Promise<
  { readonly settled: true; readonly order: Order } | { readonly settled: false; readonly order: Order | undefined }
> => {
  let last: Order | undefined
  const decided = await pollUntil(async () => {
    try {
      last = await client.getOrder(orderId)
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return undefined
      throw error
    }
    return last.status === 'PENDING' ? undefined : last
  }, options)
  return decided ? { settled: true, order: decided } : { settled: false, order: last }
}
