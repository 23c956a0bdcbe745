import type { ExecutionSummary as ConsoleExecution, MetricsView, RedriveOutcome } from '../infra/console/port'
import type {
  DlqQueue,
  ExecutionDetail,
  ExecutionFilter,
  ExecutionSummary,
  PipelineClient,
  ReplayRequest,
  ReplayState,
} from './client'
import { HttpError, type UploadResult } from './client'
import { waitForImage, type ImageOutcome, type WaitOptions } from './wait'

/** Where the pipeline runs: the local runtime over its HTTP API, or a deployed CloudFormation stack. */
export const Targets = ['local', 'aws'] as const
export type Target = (typeof Targets)[number]

/**
 * A replay as either target reports it. The local runtime counts the events it re-delivers; EventBridge does not
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeReplay.html), it says how far through the
 * window it got instead (`lastReplayedAt`).
 */
export interface Replay {
  readonly name: string
  readonly archive: string
  readonly from: string
  readonly to: string
  /** The rules the events are re-delivered to; null for every rule of the bus, undefined when not known (a list). */
  readonly rules?: ReadonlyArray<string> | null
  readonly state: ReplayState | 'CANCELLING'
  readonly total?: number
  readonly replayed?: number
  /** The time of the last event re-delivered: EventBridge's EventLastReplayedTime. */
  readonly lastReplayedAt?: string
  readonly startedAt: string
  readonly endedAt?: string
  readonly reason?: string
  readonly arn?: string
}

/** What `executions` lists; `skipped` names the workflows whose executions the target cannot list, and why. */
export interface ExecutionList {
  readonly executions: ReadonlyArray<ExecutionSummary>
  readonly skipped?: ReadonlyArray<{ readonly workflow: string; readonly reason: string }>
}

/** A message `dlq redrive` could not send on, and why; it stays in its queue. */
export interface Unsent {
  readonly id: string
  readonly reason: string
}

/**
 * What `dlq redrive` did to one dead-letter queue:
 * - MOVING: a queue's own DLQ: SQS moves the messages back to the source queue (StartMessageMoveTask), in the background;
 * - REDRIVEN: a workflow's DLQ: each message's event was sent again, and the message deleted;
 * - PARTIAL: some messages could not be sent again (`failed`) or are not a workflow's dead letter (`skipped`): they stay;
 * - EMPTY: nothing to redrive.
 */
export interface RedriveResult {
  readonly queue: string
  readonly status: 'MOVING' | 'REDRIVEN' | 'PARTIAL' | 'EMPTY'
  readonly taskHandle?: string
  /** MOVING: the source queues the messages go back to. */
  readonly destinations?: ReadonlyArray<string>
  readonly approximateMessages?: number
  /** Events put on the bus again (PutEvents). */
  readonly reput?: number
  /** Events of an AWS service (`aws.s3`), which PutEvents refuses, started on their workflow again (StartExecution). */
  readonly restarted?: number
  readonly failed?: ReadonlyArray<Unsent>
  readonly skipped?: ReadonlyArray<Unsent>
  /** Messages sent back where they came from (the local runtime: a source queue, a rule target, or a workflow). */
  readonly sentBack?: number
}

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

/** What a command named is not there (an execution, a queue, a workflow): exit 1, like a 404. */
export class NotFound extends Error {
  readonly _tag = 'NotFound'
  constructor(message: string) {
    super(message)
    this.name = 'NotFound'
  }
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
