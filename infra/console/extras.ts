import type {
  EventQuery,
  EventSummary,
  ExecutionStatus,
  ExecutionSummary,
  HistoryEventView,
  ImageView,
  MetricsView,
  Page,
} from './port'

/** How far a replay got, counted in events: the local runtime counts them, EventBridge does not. */
export interface ReplayCounts {
  readonly total: number
  readonly replayed: number
}

/** One page of an Express workflow's executions, newest first, as ListExecutions pages a Standard one. */
export interface ExpressExecutionQuery {
  readonly stateMachineArn: string
  /** The workflow's name, as the caller shows it. */
  readonly workflow: string
  /** Step Functions' statuses: RUNNING also holds an execution accepted and not started yet. */
  readonly status?: Exclude<ExecutionStatus, 'PENDING'>
  /** 1 to 100. */
  readonly limit: number
  /** The `next` of the previous page. */
  readonly token?: string
}

/** One Express execution as DescribeExecution and GetExecutionHistory would answer it, if they took Express ones. */
export interface ExpressExecution {
  readonly summary: ExecutionSummary
  readonly stateMachineArn: string
  readonly input: unknown
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
  readonly history: ReadonlyArray<HistoryEventView>
}

/**
 * What a pipeline keeps that AWS has no API for, one port with two implementations: the deployed stack's
 * (`infra/aws/console/extras.ts`) and the local runtime's (`infra/local/console/extras.ts` in the local server,
 * and over the runtime's own routes for the CLI). Everything else, Step Functions, EventBridge, SQS, S3 and
 * CloudFormation answer, on AWS and on the local runtime's endpoint alike, so it has one implementation over the SDK.
 *
 * Where a target has no way to answer, the method throws an HttpError 501 saying so and where to look instead.
 */
export interface PipelineExtras {
  readonly target: 'local' | 'aws'
  /** An archive's events, newest first: EventBridge can only replay an archive, not list or read it. */
  events(query: EventQuery): Promise<Page<EventSummary>>
  /** One archived event, whole. */
  event(id: string): Promise<unknown>
  /** Uploads with their image record's status and thumbnails, newest first (on AWS: a Scan of the image table). */
  images(query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ImageView>>
  /** Per step and per workflow over a window (on AWS: CloudWatch GetMetricData). */
  metrics(window: { readonly from?: string; readonly to?: string }): Promise<MetricsView>
  /**
   * An Express workflow's executions: ListExecutions refuses Express state machines (on AWS they are in CloudWatch
   * Logs), so each target keeps them its own way.
   */
  expressExecutions(query: ExpressExecutionQuery): Promise<Page<ExecutionSummary>>
  /** One Express execution by name or ARN, with its history; undefined when there is none. */
  expressExecution(nameOrArn: string): Promise<ExpressExecution | undefined>
  /** Each replay's event counts, by name, where the target counts them; empty where it does not. */
  replayCounts(): Promise<ReadonlyMap<string, ReplayCounts>>
}
