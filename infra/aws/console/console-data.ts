import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn'
import type { AwsSettings } from '../client/context'
import { parseJson } from '../client/context'
import { uploadObject } from '../client/images'
import { Replays } from '../client/replays'
import type { Replay } from '../../../contracts/replays'
import { UploadsPrefix } from '../../../contracts/sources'
import type { PipelineExtras, ReplayCounts } from '../../console/extras'
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
import { AwsExtras } from './extras'
import { checkKey } from './images'
import { StackMap } from './stack-map'

/** EventBridge's rule for replay names (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html). */
const ReplayName = /^[.\-_A-Za-z0-9]{1,64}$/

const isoField = (field: string, value: unknown): string => {
  if (typeof value !== 'string' || !Number.isFinite(Date.parse(value)))
    throw badField(field, 'an ISO-8601 date is required')
  return new Date(value).toISOString()
}

/**
 * How far a replay got: in events where the target counts them (the local runtime), else through its window by the
 * time of the last event EventBridge re-delivered.
 */
export const replayProgress = (replay: Replay, counts?: ReplayCounts): ReplayProgress => {
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
    ...(counts === undefined ? {} : { eventsTotal: counts.total, eventsReplayed: counts.replayed }),
    ...(progress === undefined ? {} : { progress }),
    ...(replay.reason === undefined ? {} : { reason: replay.reason }),
  }
}

/**
 * The console's port over the AWS APIs of a stack: a deployed one (`--stack`, in `--region`, with `--profile`'s
 * credentials), or the local runtime on its own endpoint. Step Functions for workflows and executions, EventBridge for
 * replays, SQS for dead letters, S3 for uploads; what AWS has no API for (an archive's events, images, metrics,
 * Express workflows' executions, replayed event counts) comes from `extras`, the target's own.
 */
export class AwsConsoleData implements ConsoleData {
  readonly target: 'local' | 'aws'
  readonly stack: StackMap
  private readonly executionsOf: Executions
  private readonly deadLettersOf: ConsoleDeadLetters
  private readonly replays: Replays

  constructor(
    readonly context: ConsoleContext,
    readonly extras: PipelineExtras,
    stack: StackMap = new StackMap(context),
  ) {
    this.target = extras.target
    this.stack = stack
    this.executionsOf = new Executions(context, this.stack, extras)
    this.deadLettersOf = new ConsoleDeadLetters(context, this.stack)
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

  events(query: EventQuery): Promise<Page<EventSummary>> {
    return guard(() => this.extras.events(query))
  }

  event(id: string): Promise<unknown> {
    return guard(() => this.extras.event(id))
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
      const started = await this.replays.start({
        from,
        to,
        ...(request.name === undefined ? {} : { name: request.name }),
      })
      return replayProgress(started, (await this.extras.replayCounts()).get(started.name))
    })
  }

  replay(name: string): Promise<ReplayProgress> {
    return guard(async () => {
      if (!ReplayName.test(name)) throw badField('name', '1 to 64 letters, digits, dots, dashes or underscores')
      const [replay, counts] = await Promise.all([this.replays.get(name), this.extras.replayCounts()])
      return replayProgress(replay, counts.get(name))
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
    return guard(() => this.extras.metrics(window))
  }

  images(query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ImageView>> {
    return guard(() => this.extras.images(query))
  }

  /** S3 PutObject under `uploads/` (a key given with the prefix keeps it once), where the image workflow picks it up. */
  upload(key: string, body: Uint8Array, contentType?: string): Promise<UploadResult> {
    return guard(async () => {
      const relative = key.startsWith(UploadsPrefix) ? key.slice(UploadsPrefix.length) : key
      checkKey('key', relative)
      const uploaded = await uploadObject(
        this.context.aws,
        relative,
        body,
        contentType?.trim() || 'application/octet-stream',
      )
      return {
        bucket: uploaded.bucket,
        key: uploaded.key,
        size: uploaded.size,
        ...(uploaded.etag ? { etag: uploaded.etag } : {}),
      }
    })
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

/** The console over a deployed stack (`settings`), with the stack's own extras; nothing is sent before a request asks. */
export const awsConsoleData = (
  settings: AwsSettings,
  context: ConsoleContext = consoleContext(settings),
): { readonly data: AwsConsoleData; readonly extras: AwsExtras } => {
  const stack = new StackMap(context)
  const extras = new AwsExtras(context, stack)
  return { data: new AwsConsoleData(context, extras, stack), extras }
}
