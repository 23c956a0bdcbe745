import { consoleContextOver } from '../../infra/aws/console/context'
import { ConsoleMetrics } from '../../infra/aws/console/metrics'
import { StackMap } from '../../infra/aws/console/stack-map'
import { type MetricsView } from '../../infra/console/port'
import type { MetricsWindow } from './backend'
import type { AwsContext } from '../../infra/aws/client/context'
import { HttpError, UsageError } from '../errors'

/**
 * The stack's metrics over a window (default: the last hour), as the console shows them: per step's function, Lambda's
 * invocations, errors and duration percentiles and Powertools' cold starts; per workflow, executions succeeded and
 * failed, from CloudWatch (GetMetricData). A bad window is a UsageError (exit 2).
 */
export const stackMetrics = async (aws: AwsContext, window: MetricsWindow): Promise<MetricsView> => {
  const context = consoleContextOver(aws)
  try {
    return await new ConsoleMetrics(context, new StackMap(context)).view({
      ...(window.from === undefined ? {} : { from: window.from }),
      ...(window.to === undefined ? {} : { to: window.to }),
    })
  } catch (error) {
    if (error instanceof HttpError && error.status === 400) throw new UsageError(error.message)
    throw error
  }
}
