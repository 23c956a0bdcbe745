import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionStatus as SfnStatus,
} from '@aws-sdk/client-sfn'
import type {
  ExecutionDetail,
  ExecutionFilter,
  ExecutionList,
  ExecutionStatus,
  ExecutionSummary,
  HistoryEvent,
} from '../../../contracts/executions'
import { InvalidRequest, NotFound } from './errors'
import { iso, mapLimit, parseJson, type AwsContext } from './context'
import { fromAwsError } from './errors'
import { ListedPerWorkflow } from './limits'
import { stateSummaries } from '../../console/state-outcomes'
import type { Workflow } from './stack'

/** DescribeExecution calls in flight at once (`--key` reads each listed execution's input). */
const DescribeConcurrency = 5

/** The object key an execution is about: its S3 event's `detail.object.key`, as the local runtime's `subject`. */
export const subjectOf = (input: unknown): string | undefined => {
  const key = (input as { detail?: { object?: { key?: unknown } } } | undefined)?.detail?.object?.key
  return typeof key === 'string' ? key : undefined
}

/** The console page of an execution. */
export const consoleUrl = (region: string, executionArn: string): string =>
  `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`

const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined

/**
 * ListExecutions on each workflow `--workflow` picks (all by default), filtered by status. Express workflows keep no
 * execution list in Step Functions (StateMachineTypeNotSupported): they are named in `skipped`. With `key`, each
 * listed execution's input is read (DescribeExecution) to keep those about that object key: slower.
 */
export const listExecutions = async (aws: AwsContext, filter: ExecutionFilter = {}): Promise<ExecutionList> => {
  if (filter.status === 'PENDING')
    throw new InvalidRequest(
      "--status PENDING is the local runtime's: Step Functions has RUNNING, SUCCEEDED, FAILED, TIMED_OUT and ABORTED",
    )
  const workflows = await aws.stack.pickWorkflows(filter.workflow)
  const skipped: Array<{ workflow: string; reason: string }> = []
  const lists = await Promise.all(
    workflows.map(async (workflow) => {
      try {
        const answer = await aws.clients.sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: workflow.arn,
            maxResults: ListedPerWorkflow,
            ...(filter.status ? { statusFilter: filter.status as SfnStatus } : {}),
          }),
        )
        return (answer.executions ?? []).map((execution): ExecutionSummary => ({
          executionArn: execution.executionArn ?? '',
          name: execution.name ?? '',
          workflow: workflow.name,
          status: (execution.status ?? 'RUNNING') as ExecutionStatus,
          startDate: iso(execution.startDate) ?? '',
          ...(execution.stopDate ? { stopDate: iso(execution.stopDate) } : {}),
        }))
      } catch (error) {
        if (errorName(error) !== 'StateMachineTypeNotSupported')
          throw fromAwsError(error, 'Step Functions', aws.settings)
        skipped.push({
          workflow: workflow.name,
          reason:
            'an Express workflow: Step Functions keeps no list of its executions (they are in its CloudWatch Logs)',
        })
        return []
      }
    }),
  )
  let executions = lists.flat()
  if (filter.key !== undefined && filter.key !== '') {
    const key = filter.key
    const subjects = await mapLimit(executions, DescribeConcurrency, async (execution) =>
      subjectOf(parseJson((await describe(aws, execution.executionArn)).input)),
    )
    executions = executions.flatMap((execution, index) =>
      subjects[index] === key ? [{ ...execution, subject: key }] : [],
    )
  }
  return { executions, ...(skipped.length > 0 ? { skipped } : {}) }
}

export const describe = (aws: AwsContext, executionArn: string): Promise<DescribeExecutionCommandOutput> =>
  aws.call('Step Functions', () => aws.clients.sfn.send(new DescribeExecutionCommand({ executionArn })))

/**
 * One execution, by ARN or by name (looked up in each of the stack's workflows): DescribeExecution, then every page of
 * GetExecutionHistory, folded state by state by the fold the local runtime and the console use, and the console link.
 */
export const getExecution = async (aws: AwsContext, id: string): Promise<ExecutionDetail> => {
  const described = id.startsWith('arn:') ? await describe(aws, id) : await describeByName(aws, id)
  const executionArn = described.executionArn ?? id
  const history: HistoryEvent[] = []
  let token: string | undefined
  do {
    const page = await aws.call('Step Functions', () =>
      aws.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: token })),
    )
    for (const event of page.events ?? [])
      history.push({
        ...event,
        id: event.id ?? 0,
        timestamp: iso(event.timestamp) ?? '',
        type: event.type ?? '',
      } as HistoryEvent)
    token = page.nextToken
  } while (token)
  const input = parseJson(described.input)
  return {
    executionArn,
    name: described.name ?? id,
    workflow: described.stateMachineArn ? await aws.stack.workflowOf(described.stateMachineArn) : '',
    status: (described.status ?? 'RUNNING') as ExecutionStatus,
    startDate: iso(described.startDate) ?? '',
    ...(described.stopDate ? { stopDate: iso(described.stopDate) } : {}),
    ...(subjectOf(input) === undefined ? {} : { subject: subjectOf(input) }),
    input: input ?? described.input,
    ...(described.error === undefined ? {} : { error: described.error }),
    ...(described.cause === undefined ? {} : { cause: described.cause }),
    history,
    states: stateSummaries(history),
    consoleUrl: consoleUrl(await aws.region(), executionArn),
  }
}

/** An execution's ARN is its state machine's with `execution` for `stateMachine` and the name appended: try each workflow. */
export const describeByName = async (aws: AwsContext, name: string): Promise<DescribeExecutionCommandOutput> => {
  const workflows = await aws.stack.workflows()
  for (const workflow of workflows) {
    try {
      return await aws.clients.sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(workflow, name) }))
    } catch (error) {
      // Not this workflow's (or an Express one's, whose executions Step Functions does not describe): try the next.
      if (errorName(error) === 'ExecutionDoesNotExist' || errorName(error) === 'StateMachineTypeNotSupported') continue
      throw fromAwsError(error, 'Step Functions', aws.settings)
    }
  }
  throw new NotFound(
    `no execution named ${name} in the workflows of stack ${aws.stack.stackName} (${workflows.map((workflow) => workflow.name).join(', ') || 'none'}); give its ARN to read another`,
  )
}

export const executionArnOf = (workflow: Workflow, name: string): string =>
  `${workflow.arn.replace(':stateMachine:', ':execution:')}:${name}`
