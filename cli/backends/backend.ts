import type { MetricsView, RedriveOutcome, ExecutionSummary as ConsoleExecution } from '../../infra/console/port'
import type { DlqQueue, RedriveResult } from '../../contracts/dead-letters'
import type { ExecutionDetail, ExecutionFilter, ExecutionList } from '../../contracts/executions'
import type { Replay, ReplayRequest } from '../../contracts/replays'
import type { ImageOutcome, UploadResult, WaitOptions } from '../../contracts/uploads'
import type { PipelineClient } from '../client'
import { HttpError, NotFound } from '../errors'
import { waitForImage } from '../wait'

/** Where the pipeline runs: the local runtime over its HTTP API, or a deployed CloudFormation stack. */
export const Targets = ['local', 'aws'] as const
export type Target = (typeof Targets)[number]

/** An execution as RedriveExecution leaves it: the same ARN, RUNNING again, its redriveCount one higher. */
export type RedrivenExecution = ConsoleExecution

/** The window `metrics` reads, as ISO 8601 times; absent ends are the last hour up to now. */
export interface MetricsWindow {
  readonly from?: string | undefined
  readonly to?: string | undefined
}

/**
 * The operations the commands need from a pipeline, whichever target runs it: the local runtime's HTTP client
 * (`localBackend`) or a deployed stack's AWS APIs (`cli/aws/backend.ts`). Errors are the CLI's: HttpError for an
 * answer that refuses (4xx: exit 1) or fails (5xx: exit 3), NotFound, UsageError, or a target's own unreachable error.
 */
export interface Backend {
  readonly target: Target
  /** How long `replay` waits between two looks at a running replay. */
  readonly replayPollMs: number
  /** Puts an object at `uploads/{key}`; `key` is the part after `uploads/`. */
  upload(key: string, bytes: Uint8Array, contentType: string): Promise<UploadResult>
  /** Polls until the image workflow has an outcome for this exact upload (key and etag), or the deadline passes. */
  waitForImage(upload: UploadResult, options: WaitOptions): Promise<ImageOutcome>
  listExecutions(filter?: ExecutionFilter): Promise<ExecutionList>
  /** One execution by name or ARN, with its history and a per-state summary of it. */
  getExecution(id: string): Promise<ExecutionDetail>
  startReplay(request: ReplayRequest): Promise<Replay>
  getReplay(name: string): Promise<Replay>
  listReplays(): Promise<{ readonly replays: ReadonlyArray<Replay> }>
  cancelReplay(name: string): Promise<Replay>
  listDlq(): Promise<{ readonly queues: ReadonlyArray<DlqQueue> }>
  /** Redrives one dead-letter queue (by name), or every one when `queue` is undefined. */
  redriveDlq(queue: string | undefined): Promise<{ readonly results: ReadonlyArray<RedriveResult> }>
  /**
   * RedriveExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html) of one
   * execution by name or ARN: it resumes at the state it failed in. A refusal (not FAILED, ABORTED or TIMED_OUT) is an
   * HttpError 409 ExecutionNotRedrivable; an unknown execution is NotFound.
   */
  redriveExecution(id: string): Promise<RedrivenExecution>
  /** Per step: invocations, errors, cold starts, duration percentiles; per workflow: succeeded and failed, over `window`. */
  metrics(window: MetricsWindow): Promise<MetricsView>
}

/** The local target: the local runtime's HTTP client, with the image wait that reads its image records. */
export const localBackend = (client: PipelineClient): Backend => ({
  target: 'local',
  replayPollMs: 250,
  upload: (key, bytes, contentType) => client.upload(key, bytes, contentType),
  waitForImage: (upload, options) => waitForImage(client, upload, options),
  listExecutions: (filter) => client.listExecutions(filter),
  getExecution: (id) => client.getExecution(id),
  startReplay: (request) => client.startReplay(request),
  getReplay: (name) => client.getReplay(name),
  listReplays: () => client.listReplays(),
  cancelReplay: (name) => client.cancelReplay(name),
  listDlq: () => client.listDlq(),
  redriveDlq: async (queue) => {
    const names =
      queue === undefined ? (await client.listDeadLetterQueues()).queues.map((candidate) => candidate.name) : [queue]
    const results: RedriveResult[] = []
    for (const name of names) {
      try {
        results.push(redriveResult(await client.redriveDeadLetters(name)))
      } catch (error) {
        if (error instanceof HttpError && error.status === 404) throw new NotFound(error.message)
        throw error
      }
    }
    return { results }
  },
  redriveExecution: async (id) => {
    try {
      return await client.redriveExecution(id)
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) throw new NotFound(error.message)
      throw error
    }
  },
  metrics: (window) => client.metrics(window),
})

/** The local runtime's outcome for one queue, in the shape `dlq redrive` prints for either target. */
const redriveResult = (outcome: RedriveOutcome): RedriveResult => {
  const failed = outcome.failed.map((message) => ({ id: message.id, reason: message.reason }))
  const status = failed.length > 0 ? 'PARTIAL' : outcome.redriven === 0 ? 'EMPTY' : 'REDRIVEN'
  return { queue: outcome.queue, status, sentBack: outcome.redriven, ...(failed.length > 0 ? { failed } : {}) }
}
