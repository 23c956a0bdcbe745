import { UsageError } from './args'
import type { DlqQueue, ExecutionDetail, ExecutionFilter, ExecutionSummary, PipelineClient, ReplayRequest, ReplayState, UploadResult } from './client'
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
  redriveDlq: async () => {
    // The local runtime has no redrive route yet (its HTTP API: GET /dlq only).
    throw new UsageError("not supported on the local target yet: the local runtime has no redrive route. Use '--target aws' for a deployed stack", { showHelpHint: false })
  },
})
