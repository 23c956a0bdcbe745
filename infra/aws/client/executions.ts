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
import type { ExpressExecution, PipelineExtras } from '../../console/extras'
import { HttpError } from '../../http/errors'
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
 * ListExecutions on each workflow `--workflow` picks (all by default), filtered by status. Step Functions keeps no
 * execution list of an Express workflow (StateMachineTypeNotSupported): its executions come from `extras`, the
 * target's own record of them, and where it has none (AWS: they are in CloudWatch Logs) the workflow is named in
 * `skipped`, with the reason. With `key`, each listed execution's input is read (DescribeExecution) to keep those
 * about that object key: slower.
 */
export const listExecutions = async (
  aws: AwsContext,
  filter: ExecutionFilter = {},
  extras?: Pick<PipelineExtras, 'expressExecutions'>,
): Promise<ExecutionList> => {
  if (filter.status === 'PENDING')
    throw new InvalidRequest(
      '--status PENDING: Step Functions has RUNNING (an execution not started yet included), SUCCEEDED, FAILED, TIMED_OUT and ABORTED',
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
        const express = await expressList(workflow, filter, extras)
        if ('reason' in express) {
          skipped.push({ workflow: workflow.name, reason: express.reason })
          return []
        }
        return express.executions
      }
    }),
  )
  let executions = lists.flat()
  if (filter.key !== undefined && filter.key !== '') {
    const key = filter.key
    // An Express execution's subject comes with it; a Standard one's is read from its input.
    const subjects = await mapLimit(
      executions,
      DescribeConcurrency,
      async (execution) =>
        execution.subject ?? subjectOf(parseJson((await describe(aws, execution.executionArn)).input)),
    )
    executions = executions.flatMap((execution, index) =>
      subjects[index] === key ? [{ ...execution, subject: key }] : [],
    )
  }
  return { executions, ...(skipped.length > 0 ? { skipped } : {}) }
}

/** An Express workflow's newest executions from the extras, or the reason the target has none to give. */
const expressList = async (
  workflow: Workflow,
  filter: ExecutionFilter,
  extras: Pick<PipelineExtras, 'expressExecutions'> | undefined,
): Promise<{ readonly executions: ReadonlyArray<ExecutionSummary> } | { readonly reason: string }> => {
  const notKept =
    'an Express workflow: Step Functions keeps no list of its executions (they are in its CloudWatch Logs)'
  if (!extras) return { reason: notKept }
  try {
    const page = await extras.expressExecutions({
      stateMachineArn: workflow.arn,
      workflow: workflow.name,
      limit: ListedPerWorkflow,
      ...(filter.status ? { status: filter.status as Exclude<ExecutionStatus, 'PENDING'> } : {}),
    })
    return {
      executions: page.items.map((execution) => ({
        executionArn: execution.executionArn,
        name: execution.name,
        workflow: workflow.name,
        status: execution.status,
        startDate: execution.startDate,
        ...(execution.stopDate === undefined ? {} : { stopDate: execution.stopDate }),
        ...(execution.subject === undefined ? {} : { subject: execution.subject }),
      })),
    }
  } catch (error) {
    if (error instanceof HttpError && error.status === 501) return { reason: notKept }
    throw error
  }
}

export const describe = (aws: AwsContext, executionArn: string): Promise<DescribeExecutionCommandOutput> =>
  aws.call('Step Functions', () => aws.clients.sfn.send(new DescribeExecutionCommand({ executionArn })))

/**
 * One execution, by ARN or by name (looked up in each of the stack's workflows): DescribeExecution, then every page of
 * GetExecutionHistory, folded state by state by the fold the local runtime and the console use, and the console link.
 */
export const getExecution = async (
  aws: AwsContext,
  id: string,
  extras?: Pick<PipelineExtras, 'expressExecution'>,
): Promise<ExecutionDetail> => {
  let described: DescribeExecutionCommandOutput
  try {
    described = id.startsWith('arn:') ? await describe(aws, id) : await describeByName(aws, id)
  } catch (error) {
    // Not one Step Functions describes: an Express workflow's, which the target may keep its own way.
    const express = extras && isUnknownToStepFunctions(error) ? await expressExecution(extras, id) : undefined
    if (!express) throw error
    return expressDetail(aws, express)
  }
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
    // The local runtime's executions have no page in AWS's console.
    ...(aws.settings.endpoint === undefined ? { consoleUrl: consoleUrl(await aws.region(), executionArn) } : {}),
  }
}

/** Step Functions does not know the execution: no such name in the stack, or an ARN it does not describe. */
const isUnknownToStepFunctions = (error: unknown): boolean =>
  error instanceof NotFound ||
  (error instanceof HttpError &&
    error.source === 'Step Functions' &&
    (error.code === 'ExecutionDoesNotExist' || error.code === 'StateMachineTypeNotSupported'))

/** The extras' Express execution; where the target cannot give one (AWS), the request cannot be made as asked. */
const expressExecution = async (
  extras: Pick<PipelineExtras, 'expressExecution'>,
  id: string,
): Promise<ExpressExecution | undefined> => {
  try {
    return await extras.expressExecution(id)
  } catch (error) {
    if (error instanceof HttpError && error.status === 501) throw new InvalidRequest(error.message)
    throw error
  }
}

const expressDetail = async (aws: AwsContext, express: ExpressExecution): Promise<ExecutionDetail> => {
  const { summary } = express
  return {
    executionArn: summary.executionArn,
    name: summary.name,
    workflow: await aws.stack.workflowOf(express.stateMachineArn),
    status: summary.status,
    startDate: summary.startDate,
    ...(summary.stopDate === undefined ? {} : { stopDate: summary.stopDate }),
    ...(summary.subject === undefined ? {} : { subject: summary.subject }),
    input: express.input,
    ...(express.error === undefined ? {} : { error: express.error }),
    ...(express.cause === undefined ? {} : { cause: express.cause }),
    history: express.history as ReadonlyArray<HistoryEvent>,
    states: stateSummaries(express.history as ReadonlyArray<HistoryEvent>),
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
