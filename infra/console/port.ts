import type {
  DeadLetter,
  DeadLetterQueueView,
  MetricsView,
  RedriveOutcome,
  StepMetrics,
  WorkflowMetrics,
  WorkflowSeriesPoint,
} from '../../contracts/console'
import type { ExecutionStatus, ExecutionSummary } from '../../contracts/executions'
import type { ReplayState } from '../../contracts/replays'

export type {
  DeadLetter,
  DeadLetterQueueView,
  ExecutionStatus,
  ExecutionSummary,
  MetricsView,
  RedriveOutcome,
  ReplayState,
  StepMetrics,
  WorkflowMetrics,
  WorkflowSeriesPoint,
}
/**
 * What the console reads and does, whatever runs the pipeline. Two adapters implement it: the local runtime
 * (`infra/local/console-data.ts`) and a deployed stack over the AWS SDK (`infra/aws/console/console-data.ts`). The
 * console's JSON routes (`infra/console/routes.ts`) and its page only ever talk to this port, so the page is the same
 * over both.
 */

export interface WorkflowView {
  /** The construct id of the state machine, as the runtime names it (`ImageWorkflow`, `OrderWorkflow`, ...). */
  readonly name: string
  readonly arn: string
  readonly type: 'STANDARD' | 'EXPRESS'
}

export interface WorkflowDefinition extends WorkflowView {
  /** The ASL document the state machine runs. */
  readonly definition: unknown
}

export interface ExecutionQuery {
  readonly workflow?: string
  readonly status?: ExecutionStatus
  /** ISO-8601 bounds on the start date, inclusive. */
  readonly from?: string
  readonly to?: string
  /** Matches the execution name or ARN, or the subject (object key, order id). */
  readonly text?: string
  /** 1 to 200, default 50. */
  readonly limit?: number
  /** The opaque `next` of the previous page. */
  readonly cursor?: string
}

export interface Page<T> {
  readonly items: ReadonlyArray<T>
  readonly next?: string
}

/** How one state fared in one execution. */
export type StateOutcome = 'succeeded' | 'failed' | 'caught' | 'retried' | 'running' | 'not-reached'

export interface StateAttempt {
  readonly startedAt: string
  readonly endedAt?: string
  readonly error?: string
  readonly cause?: string
}

export interface StateDetail {
  readonly name: string
  readonly type: string
  /** The worst of this state's runs (a Map's inner states run once per item). */
  readonly outcome: StateOutcome
  readonly enteredAt?: string
  readonly exitedAt?: string
  readonly durationMs?: number
  readonly input?: unknown
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
  /** Task attempts in order; more than one means Retry ran. */
  readonly attempts: ReadonlyArray<StateAttempt>
  /** Retries over every run of the state (each Map iteration's, each loop's). */
  readonly retries: number
  /** How many times the state was entered (Map iterations, loops). */
  readonly runs: number
}

/** One event of GetExecutionHistory, in its shape (`type`, `id`, `previousEventId`, `timestamp`, `...Details`). */
export type HistoryEventView = Readonly<Record<string, unknown>> & {
  readonly id: number
  readonly type: string
  readonly timestamp: string
}

export interface ExecutionDetail extends ExecutionSummary {
  readonly input: unknown
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
  readonly workflowDefinition: unknown
  /** Every state of the definition, nested ones included, each with what happened to it in this execution. */
  readonly states: ReadonlyArray<StateDetail>
  readonly history: ReadonlyArray<HistoryEventView>
}

export interface EventQuery {
  readonly from?: string
  readonly to?: string
  readonly source?: string
  readonly detailType?: string
  /** An EventBridge event pattern, matched with the project's matcher. */
  readonly pattern?: unknown
  readonly limit?: number
  readonly cursor?: string
}

export interface EventSummary {
  readonly id: string
  readonly time: string
  readonly source: string
  readonly detailType: string
  readonly replayName?: string
}

export interface ReplayProgress {
  readonly name: string
  readonly state: ReplayState
  readonly from: string
  readonly to: string
  readonly eventsTotal?: number
  readonly eventsReplayed?: number
  /**
   * How far through the window the replay got, 0 to 1, where the target does not count events: EventBridge says only
   * the time of the last event it re-delivered (DescribeReplay's EventLastReplayedTime).
   */
  readonly progress?: number
  readonly reason?: string
}

export interface ImageView {
  readonly key: string
  readonly status: 'PROCESSED' | 'FAILED' | 'PENDING'
  readonly thumbnails: ReadonlyArray<{ readonly rendition: string; readonly url: string }>
  readonly executionName?: string
  readonly updatedAt?: string
}

export interface UploadResult {
  readonly bucket: string
  readonly key: string
  readonly etag?: string
  readonly size: number
}

export interface ConsoleData {
  readonly target: 'local' | 'aws'
  workflows(): Promise<ReadonlyArray<WorkflowView>>
  workflow(name: string): Promise<WorkflowDefinition>
  executions(query: ExecutionQuery): Promise<Page<ExecutionSummary>>
  execution(nameOrArn: string): Promise<ExecutionDetail>
  /** RedriveExecution: the same execution resumes from where it failed; succeeded states are not run again. */
  redriveExecution(nameOrArn: string): Promise<ExecutionSummary>
  /** A new execution of the same state machine with the same input. */
  startAgain(nameOrArn: string): Promise<ExecutionSummary>
  events(query: EventQuery): Promise<Page<EventSummary>>
  event(id: string): Promise<unknown>
  startReplay(request: { readonly from: string; readonly to: string; readonly name?: string }): Promise<ReplayProgress>
  replay(name: string): Promise<ReplayProgress>
  deadLetters(): Promise<ReadonlyArray<DeadLetterQueueView>>
  /** Sends the messages (all of them when `ids` is absent) back to where they came from, and deletes them here. */
  redriveDeadLetters(queue: string, ids?: ReadonlyArray<string>): Promise<RedriveOutcome>
  deleteDeadLetter(queue: string, id: string): Promise<void>
  metrics(window: { readonly from?: string; readonly to?: string }): Promise<MetricsView>
  images(query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ImageView>>
  upload(key: string, body: Uint8Array, contentType?: string): Promise<UploadResult>
}
