import type { LocalStateMachine } from '../model/template'

/** Event types of an execution's failure, ERROR level and up (https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html). */
const isErrorEvent = (type: string): boolean => type === 'FailStateEntered' || /(Failed|TimedOut|Aborted)$/.test(type)

/** FATAL level: only how the execution itself ended badly. */
const isFatalEvent = (type: string): boolean =>
  type === 'ExecutionFailed' || type === 'ExecutionAborted' || type === 'ExecutionTimedOut'

/**
 * What an Express execution leaves behind. Step Functions keeps no history for Express workflows: their executions are
 * what the state machine's log level sends to CloudWatch Logs (ALL every event, ERROR the failures, FATAL the
 * execution's own failure, OFF nothing), with or without execution data
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). The local runtime keeps the same, and so writes
 * no history at all for a successful Express execution logged at ERROR.
 */
export const expressEventFilter = (
  machine: Pick<LocalStateMachine, 'type' | 'logging'>,
): { readonly keep: (type: string) => boolean; readonly withData: boolean } | undefined => {
  if (machine.type !== 'EXPRESS') return undefined
  const level = machine.logging?.level ?? 'OFF'
  const keep =
    level === 'ALL' ? () => true : level === 'ERROR' ? isErrorEvent : level === 'FATAL' ? isFatalEvent : () => false
  return { keep, withData: machine.logging?.includeExecutionData ?? false }
}
