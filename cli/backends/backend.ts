import type { MetricsView, ExecutionSummary as ConsoleExecution } from '../../infra/console/port'
import type { DlqQueue, RedriveResult } from '../../contracts/dead-letters'
import type { ExecutionDetail, ExecutionFilter, ExecutionList } from '../../contracts/executions'
import type { Replay, ReplayRequest } from '../../contracts/replays'
import type { ImageOutcome, UploadResult, WaitOptions } from '../../contracts/uploads'

/** Where the pipeline runs: the local runtime (its AWS endpoint and its own routes), or a deployed CloudFormation stack. */
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
 * The operations the commands need from a pipeline, whichever target runs it. One implementation serves both
 * (`./aws.ts`): the AWS APIs, of a deployed stack or of the local runtime on its own endpoint. Errors are the CLI's:
 * HttpError for an answer that refuses (4xx: exit 1) or fails (5xx: exit 3), NotFound, UsageError, InvalidRequest,
 * or a target's own unreachable error.
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
