import type { ExpressExecution, ExpressExecutionQuery, PipelineExtras, ReplayCounts } from '../../infra/console/extras'
import type {
  EventQuery,
  EventSummary,
  ExecutionSummary,
  HistoryEventView,
  ImageView,
  MetricsView,
  Page,
} from '../../infra/console/port'
import type { PipelineClient } from '../client'
import { HttpError } from '../errors'

/** A page as the port has it: `next` only when there is one. */
const pageOf = <T>(items: ReadonlyArray<T>, next: string | undefined): Page<T> =>
  next === undefined ? { items } : { items, next }

/**
 * The local runtime's extras, read over its own routes: what AWS has no API for, which its AWS endpoint therefore
 * does not answer either. The console's JSON routes for the archive, images, metrics and an Express workflow's
 * executions; `GET /executions/{id}` for one Express execution; `GET /replays` for the events each replay counted.
 */
export class LocalRoutesExtras implements PipelineExtras {
  readonly target = 'local' as const

  constructor(private readonly client: PipelineClient) {}

  async events(query: EventQuery): Promise<Page<EventSummary>> {
    const page = await this.client.consoleEvents({
      from: query.from,
      to: query.to,
      source: query.source,
      detailType: query.detailType,
      pattern: query.pattern === undefined ? undefined : JSON.stringify(query.pattern),
      limit: query.limit?.toString(),
      cursor: query.cursor,
    })
    return pageOf(page.events, page.next)
  }

  event(id: string): Promise<unknown> {
    return this.client.consoleEvent(id)
  }

  async images(query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ImageView>> {
    const page = await this.client.consoleImages(query)
    return pageOf(page.images, page.next)
  }

  metrics(window: { readonly from?: string; readonly to?: string }): Promise<MetricsView> {
    return this.client.metrics(window)
  }

  async expressExecutions(query: ExpressExecutionQuery): Promise<Page<ExecutionSummary>> {
    const page = await this.client.consoleExecutions({
      workflow: query.stateMachineArn,
      status: query.status,
      limit: query.limit,
      cursor: query.token,
    })
    return pageOf(page.executions, page.next)
  }

  async expressExecution(nameOrArn: string): Promise<ExpressExecution | undefined> {
    let found: Awaited<ReturnType<PipelineClient['getExecution']>>
    try {
      found = await this.client.getExecution(nameOrArn)
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return undefined
      throw error
    }
    const { history, input, error, cause, output, stateMachineArn, states: _states, ...summary } = found
    return {
      summary,
      stateMachineArn:
        stateMachineArn ?? found.executionArn.split(':').slice(0, 7).join(':').replace(':execution:', ':stateMachine:'),
      input,
      ...(output === undefined ? {} : { output }),
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
      history: history as ReadonlyArray<HistoryEventView>,
    }
  }

  async replayCounts(): Promise<ReadonlyMap<string, ReplayCounts>> {
    const { replays } = await this.client.listReplays()
    return new Map(
      replays.flatMap((replay) =>
        replay.total === undefined || replay.replayed === undefined
          ? []
          : [[replay.name, { total: replay.total, replayed: replay.replayed }] as const],
      ),
    )
  }
}
