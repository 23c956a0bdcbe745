import { RedriveExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn'
import type { ExecutionStatus, ExecutionSummary } from '../../console/port'
import { HttpError } from '../../http/errors'
import { iso, parseJson, type AwsContext } from './context'
import { describe, describeByName, subjectOf } from './executions'
import { RedrivableStatuses } from '../../../contracts/executions'

/**
 * RedriveExecution of one execution, by ARN or by name (looked up in each of the stack's workflows): it resumes at the
 * state it failed in, with the same ARN. One that is not FAILED, ABORTED or TIMED_OUT is refused here, before asking
 * Step Functions (HttpError 409 ExecutionNotRedrivable, exit 1), as is Step Functions' own refusal (past 14 days, an
 * Express workflow); an unknown name is NotFound. Answers the execution as it is right after (RUNNING again).
 */
export const redriveExecution = async (aws: AwsContext, id: string): Promise<ExecutionSummary> => {
  const described = id.startsWith('arn:') ? await describe(aws, id) : await describeByName(aws, id)
  const executionArn = described.executionArn ?? id
  refuseUnlessRedrivable(described, id)
  await aws.call('Step Functions', () => aws.clients.sfn.send(new RedriveExecutionCommand({ executionArn })))
  return summaryOf(aws, await describe(aws, executionArn))
}

const summaryOf = async (aws: AwsContext, described: DescribeExecutionCommandOutput): Promise<ExecutionSummary> => {
  const subject = subjectOf(parseJson(described.input))
  const start = described.startDate
  const stop = described.stopDate
  return {
    executionArn: described.executionArn ?? '',
    name: described.name ?? '',
    workflow: described.stateMachineArn ? await aws.stack.workflowOf(described.stateMachineArn) : '',
    status: (described.status ?? 'RUNNING') as ExecutionStatus,
    startDate: iso(start) ?? '',
    ...(stop
      ? { stopDate: iso(stop), ...(start ? { durationMs: new Date(stop).getTime() - new Date(start).getTime() } : {}) }
      : {}),
    ...(subject === undefined ? {} : { subject }),
    ...(described.redriveCount ? { redriveCount: described.redriveCount } : {}),
  }
}

/**
 * RedriveExecution's refusal, before asking Step Functions: only a FAILED, ABORTED or TIMED_OUT execution
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
 */
export const refuseUnlessRedrivable = (
  described: Pick<DescribeExecutionCommandOutput, 'name' | 'status'>,
  id: string,
): void => {
  if ((RedrivableStatuses as ReadonlyArray<string>).includes(described.status ?? '')) return
  throw new HttpError(
    409,
    'ExecutionNotRedrivable',
    `execution ${described.name ?? id} is ${described.status ?? 'unknown'}: only a FAILED, ABORTED or TIMED_OUT execution can be redriven`,
    { source: 'Step Functions' },
  )
}
