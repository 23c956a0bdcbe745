import { normalizeEtag, type UploadResult } from '../contracts/uploads'
import type { ImportReport, Order, PipelineClient } from './client'
import { HttpError } from './errors'

const FirstDelayMs = 250
const MaxDelayMs = 2000

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
