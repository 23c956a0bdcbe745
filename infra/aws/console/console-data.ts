import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn'
import type { AwsSettings } from '../client/context'
import { parseJson } from '../client/context'
import { Replays } from '../client/replays'
import type { Replay } from '../../../contracts/replays'
import {
  type ConsoleData,
  type DeadLetterQueueView,
  type EventQuery,
  type EventSummary,
  type ExecutionDetail,
  type ExecutionQuery,
  type ExecutionSummary,
  type ImageView,
  type MetricsView,
  type Page,
  type RedriveOutcome,
  type ReplayProgress,
  type UploadResult,
  type WorkflowDefinition,
  type WorkflowView,
} from '../../console/port'
import { asConsoleError, badField, consoleContext, type ConsoleContext } from './context'
import { ConsoleDeadLetters } from './dead-letters'
import { Executions } from './executions'
import { ConsoleImages } from './images'
import { ConsoleMetrics } from './metrics'
import { StackMap } from './stack-map'
import { HttpError } from '../../http/errors'

/** EventBridge's rule for replay names (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html). */
const ReplayName = /^[.\-_A-Za-z0-9]{1,64}$/

const isoField = (field: string, value: unknown): string => {
  if (typeof value !== 'string' || !Number.isFinite(Date.parse(value)))
    throw badField(field, 'an ISO-8601 date is required')
  return new Date(value).toISOString()
}

/** How far a replay got through its window, by the time of the last event EventBridge re-delivered. */
export const replayProgress = (replay: Replay): ReplayProgress => {
  const from = Date.parse(replay.from)
  const to = Date.parse(replay.to)
  const last = replay.lastReplayedAt === undefined ? undefined : Date.parse(replay.lastReplayedAt)
  const progress =
    replay.state === 'COMPLETED'
      ? 1
      : last !== undefined && Number.isFinite(last) && to > from
        ? Math.min(1, Math.max(0, (last - from) / (to - from)))
        : replay.state === 'STARTING'
          ? 0
          : undefined
  return {
    name: replay.name,
    state: replay.state,
    from: replay.from,
    to: replay.to,
    ...(progress === undefined ? {} : { progress }),
    ...(replay.reason === undefined ? {} : { reason: replay.reason }),
  }
}

/**
 * The console's port over a deployed stack (`--stack`, in `--region`, with `--profile`'s credentials): Step Functions for
 * workflows and executions, EventBridge for replays, SQS for dead letters, CloudWatch for metrics, DynamoDB and S3 for
 * images. Where AWS has no API for what the console shows (archived events one by one, Express executions), it answers
 * 501 saying so and where to look instead.
 */
export class AwsConsoleData implements ConsoleData {
  readonly target = 'aws' as const
  readonly stack: StackMap
  readonly imageStore: ConsoleImages
  private readonly executionsOf: Executions
  private readonly deadLettersOf: ConsoleDeadLetters
  private readonly metricsOf: ConsoleMetrics
  private readonly replays: Replays

  constructor(readonly context: ConsoleContext) {
    this.stack = new StackMap(context)
    this.executionsOf = new Executions(context, this.stack)
    this.deadLettersOf = new ConsoleDeadLetters(context, this.stack)
    this.metricsOf = new ConsoleMetrics(context, this.stack)
    this.imageStore = new ConsoleImages(context, this.stack)
    this.replays = new Replays(context.aws)
  }

  workflows(): Promise<ReadonlyArray<WorkflowView>> {
    return guard(async () => (await this.stack.workflows()).map(({ name, arn, type }) => ({ name, arn, type })))
  }

  workflow(name: string): Promise<WorkflowDefinition> {
    return guard(async () => {
      const { name: construct, arn, type } = await this.stack.workflow(name)
      const described = await this.context.aws.call('Step Functions', () =>
        this.context.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn })),
      )
      return { name: construct, arn, type, definition: parseJson(described.definition) ?? {} }
    })
  }

  executions(query: ExecutionQuery): Promise<Page<ExecutionSummary>> {
    return guard(() => this.executionsOf.list(query))
  }

  execution(nameOrArn: string): Promise<ExecutionDetail> {
    return guard(() => this.executionsOf.detail(nameOrArn))
  }

  redriveExecution(nameOrArn: string): Promise<ExecutionSummary> {
    return guard(() => this.executionsOf.redrive(nameOrArn))
  }

  startAgain(nameOrArn: string): Promise<ExecutionSummary> {
    return guard(() => this.executionsOf.startAgain(nameOrArn))
  }

  /** EventBridge keeps an archive but has no API to list or read the events in it: only a replay sends them again. */
  async events(_query: EventQuery): Promise<Page<EventSummary>> {
    throw new HttpError(
      501,
      'ArchivedEventsNotListed',
      'EventBridge has no API to list or read archived events: an archive can only be replayed (StartReplay). To see events, replay a window to the bus, or look at the executions they started.',
    )
  }

  async event(_id: string): Promise<unknown> {
    throw new HttpError(
      501,
      'ArchivedEventsNotListed',
      'EventBridge has no API to read an archived event by its id: an archive can only be replayed (StartReplay).',
    )
  }

  startReplay(request: {
    readonly from: string
    readonly to: string
    readonly name?: string
  }): Promise<ReplayProgress> {
    return guard(async () => {
      const from = isoField('from', request.from)
      // EventBridge refuses an end in the future; nothing past now is archived yet, so now is the same window.
      const to = new Date(Math.min(Date.parse(isoField('to', request.to)), this.context.aws.now())).toISOString()
      if (Date.parse(from) >= Date.parse(to)) throw badField('from', 'must be before to (and before now)')
      if (request.name !== undefined && (typeof request.name !== 'string' || !ReplayName.test(request.name)))
        throw badField('name', '1 to 64 letters, digits, dots, dashes or underscores')
      return replayProgress(
        await this.replays.start({ from, to, ...(request.name === undefined ? {} : { name: request.name }) }),
      )
    })
  }

  replay(name: string): Promise<ReplayProgress> {
    return guard(async () => {
      if (!ReplayName.test(name)) throw badField('name', '1 to 64 letters, digits, dots, dashes or underscores')
      return replayProgress(await this.replays.get(name))
    })
  }

  deadLetters(): Promise<ReadonlyArray<DeadLetterQueueView>> {
    return guard(() => this.deadLettersOf.view())
  }

  redriveDeadLetters(queue: string, ids?: ReadonlyArray<string>): Promise<RedriveOutcome> {
    return guard(() => this.deadLettersOf.redrive(queue, ids))
  }

  deleteDeadLetter(queue: string, id: string): Promise<void> {
    return guard(() => this.deadLettersOf.delete(queue, id))
  }

  metrics(window: { readonly from?: string; readonly to?: string }): Promise<MetricsView> {
    return guard(() => this.metricsOf.view(window))
  }

  images(query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ImageView>> {
    return guard(() => this.imageStore.list(query))
  }

  upload(key: string, body: Uint8Array, contentType?: string): Promise<UploadResult> {
    return guard(() => this.imageStore.upload(key, body, contentType))
  }
}

/** Runs one request, its errors as the console's routes answer them. */
const guard = async <A>(work: () => Promise<A>): Promise<A> => {
  try {
    return await work()
  } catch (error) {
    throw asConsoleError(error)
  }
}

/** The adapter over the stack `settings` name; nothing is sent before a request asks. */
export const awsConsoleData = (
  settings: AwsSettings,
  context: ConsoleContext = consoleContext(settings),
): AwsConsoleData => new AwsConsoleData(context)
