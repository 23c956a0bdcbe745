import type { ExpressExecution, ExpressExecutionQuery, PipelineExtras, ReplayCounts } from '../../console/extras'
import type { EventSummary, ExecutionSummary, ImageView, MetricsView, Page } from '../../console/port'
import { HttpError } from '../../http/errors'
import type { ConsoleContext, ExtrasClients } from './context'
import type { ConsoleImages } from './images'
import type { ConsoleMetrics } from './metrics'
import type { StackMap } from './stack-map'

/** What the console says where EventBridge cannot answer: an archive is replayed, never listed or read. */
const archiveNotListed = (what: string): HttpError =>
  new HttpError(
    501,
    'ArchivedEventsNotListed',
    `EventBridge has no API to ${what}: an archive can only be replayed (StartReplay). To see events, replay a window to the bus, or look at the executions they started.`,
  )

/** Where an Express workflow's executions are on AWS, since Step Functions keeps no list or history of them. */
export const expressNotListed = (workflow: string): HttpError =>
  new HttpError(
    501,
    'ExpressExecutionsNotListed',
    `${workflow} is an Express workflow: Step Functions keeps no list or history of its executions (ListExecutions and GetExecutionHistory refuse Express state machines). Its executions are in the CloudWatch Logs log group it logs to; search them there (CloudWatch Logs Insights).`,
  )

/**
 * The deployed stack's extras: images from the image table (DynamoDB Scan) with thumbnails read from the bucket
 * through the console, metrics from CloudWatch (GetMetricData). An archive's events and Express workflows' executions
 * have no AWS API to read them: 501, saying where to look. EventBridge counts no replayed events.
 *
 * CloudWatch and DynamoDB load only when metrics or images are asked for: the CLI's other commands never pay for them.
 */
export class AwsExtras implements PipelineExtras {
  readonly target = 'aws' as const
  private imagesOf: ConsoleImages | undefined
  private metricsOf: ConsoleMetrics | undefined
  private clientsOf: ExtrasClients | undefined

  constructor(
    private readonly context: ConsoleContext,
    private readonly stack: StackMap,
    clients?: ExtrasClients,
  ) {
    this.clientsOf = clients
  }

  async events(): Promise<Page<EventSummary>> {
    throw archiveNotListed('list or read archived events')
  }

  async event(): Promise<unknown> {
    throw archiveNotListed('read an archived event by its id')
  }

  images(query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ImageView>> {
    return this.imageStore().list(query)
  }

  /** A rendition's bytes from the bucket, for the thumbnails the console serves. */
  rendition(key: string): Promise<{ readonly body: Uint8Array; readonly contentType: string }> {
    return this.imageStore().rendition(key)
  }

  metrics(window: { readonly from?: string; readonly to?: string }): Promise<MetricsView> {
    if (!this.metricsOf) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load (see the class)
      const { ConsoleMetrics } = require('./metrics') as typeof import('./metrics')
      this.metricsOf = new ConsoleMetrics(this.context, this.stack, this.clients().cloudwatch)
    }
    return this.metricsOf.view(window)
  }

  async expressExecutions(query: ExpressExecutionQuery): Promise<Page<ExecutionSummary>> {
    throw expressNotListed(query.workflow)
  }

  /**
   * An Express execution's ARN (`arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:ID`) is refused with where to
   * look; anything else is none of an Express workflow's, and a name is searched for nowhere (CloudWatch Logs is).
   */
  async expressExecution(nameOrArn: string): Promise<ExpressExecution | undefined> {
    const [, , , , , kind, machine] = nameOrArn.split(':')
    if (kind !== 'express') return undefined
    throw expressNotListed(machine ?? nameOrArn)
  }

  async replayCounts(): Promise<ReadonlyMap<string, ReplayCounts>> {
    return new Map()
  }

  private imageStore(): ConsoleImages {
    if (!this.imagesOf) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load (see the class)
      const { ConsoleImages } = require('./images') as typeof import('./images')
      this.imagesOf = new ConsoleImages(this.context, this.stack, this.clients().dynamodb)
    }
    return this.imagesOf
  }

  private clients(): ExtrasClients {
    if (!this.clientsOf) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load (see the class)
      const { createExtrasClients } = require('./extras-clients') as typeof import('./extras-clients')
      this.clientsOf = createExtrasClients(this.context.aws.settings)
    }
    return this.clientsOf
  }
}
