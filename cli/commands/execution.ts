import { defineCommand } from '../args'
import { durationBetween, fields, formatDuration, formatTime, json, paletteFor, table, terminalWidth } from '../format'
import type { ExecutionDetail, StateSummary } from '../../contracts/executions'
import { describeFailure } from '../../contracts/executions'

export const execution = defineCommand(
  {
    name: 'execution',
    summary: 'show one execution state by state',
    positionals: { label: 'ID', min: 1, max: 1 },
    options: {
      json: { type: 'boolean', description: 'print the raw execution JSON, history included' },
    },
    description: `Shows one execution, by name or ARN: its status, error and cause, then each state it went through
with its status (SUCCEEDED, FAILED, CAUGHT by a Catch, RUNNING), duration, retries and error.

On either target: Step Functions DescribeExecution and GetExecutionHistory (every page), folded state by state;
with --target aws, plus a link to the execution in the Step Functions console. A name is looked up in each of the
stack's Standard workflows. Step Functions describes no Express execution: the local runtime shows its own record
of one; on AWS, Express workflows' executions are only in CloudWatch Logs.

Examples:
  pipeline execution image-7f3c
  pipeline execution arn:aws:states:us-east-1:123456789012:execution:ImageWorkflow:image-7f3c --json
  pipeline --target aws --region eu-west-1 execution 5f0c2d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f`,
  },
  async ({ positionals, options }, { io, backend }) => {
    const detail = await backend().getExecution(positionals[0] ?? '')
    if (options.json) {
      io.stdout.write(json(detail))
      return 0
    }
    io.stdout.write(render(detail, terminalWidth(io.stdout), paletteFor(io.stdout, io.env).status))
    return 0
  },
)

/** The header block, then the state table; errors are cut to the terminal width when there is one. */
const render = (detail: ExecutionDetail, columns: number | undefined, status: (text: string) => string): string => {
  const header = fields([
    ['Execution', detail.name],
    ['ARN', detail.executionArn],
    ['Workflow', detail.workflow],
    ['Status', status(detail.status)],
    ['Started', formatTime(detail.startDate)],
    ['Stopped', detail.stopDate ? formatTime(detail.stopDate) : undefined],
    [
      'Duration',
      formatDuration(durationBetween(detail.startDate, detail.stopDate)) + (detail.stopDate ? '' : ' so far'),
    ],
    ['Error', detail.error],
    ['Cause', detail.cause === undefined ? undefined : describeFailure(undefined, detail.cause)],
    ['Console', detail.consoleUrl],
  ])
  const states = detail.states ?? []
  if (states.length === 0) return `${header}\nNo states entered yet (${detail.history?.length ?? 0} history events).\n`
  const rows = states.map((state) => [
    (state.iterations ?? 1) > 1 ? `${state.name} (×${state.iterations})` : state.name,
    state.type,
    state.status,
    stateDuration(state, detail.stopDate !== undefined),
    String(state.retries ?? 0),
    describeFailure(state.error, state.cause) ?? '',
  ])
  return `${header}\n${table(
    [
      { header: 'STATE' },
      { header: 'TYPE' },
      { header: 'STATUS', style: status },
      { header: 'DURATION' },
      { header: 'RETRIES' },
      { header: 'ERROR' },
    ],
    rows,
    { maxWidth: columns },
  )}`
}

/** A state that never exits (a Fail state, one cut short by the execution failing) has no duration; a running one has its time so far. */
const stateDuration = (state: StateSummary, executionStopped: boolean): string => {
  if (state.durationMs !== undefined) return formatDuration(state.durationMs)
  if (state.exitedAt !== undefined) return formatDuration(durationBetween(state.enteredAt, state.exitedAt))
  return state.status === 'RUNNING' && !executionStopped
    ? `${formatDuration(durationBetween(state.enteredAt, undefined))} so far`
    : '-'
}
