import { defineCommand } from '../args'
import { ListedPerWorkflow } from '../../infra/aws/client/limits'
import { durationBetween, formatDuration, formatTime, json, paletteFor, table } from '../format'
import { UsageError } from '../errors'
import { ExecutionStatuses, type ExecutionStatus } from '../../contracts/executions'

export const executions = defineCommand(
  {
    name: 'executions',
    summary: 'list workflow executions, newest first',
    positionals: { label: '', min: 0, max: 0 },
    options: {
      workflow: { type: 'string', placeholder: 'W', description: 'only executions of workflow W' },
      status: {
        type: 'string',
        placeholder: 'S',
        description: `only executions in status S (${ExecutionStatuses.join(', ')})`,
      },
      key: {
        type: 'string',
        placeholder: 'K',
        description: 'only executions about object key K (e.g. uploads/cat.jpg)',
      },
      json: { type: 'boolean', description: "print the server's JSON answer as it came" },
    },
    description: `Lists the workflow executions as a table: name, workflow, status, start time (local) and duration
(so far, for RUNNING ones).

On either target: Step Functions ListExecutions on each of the stack's state machines (or the one --workflow
names: its pipeline:workflow tag, e.g. image, or its construct's name, e.g. ImageWorkflow), the newest
${ListedPerWorkflow} of each. Express workflows (order, change, maintenance) keep no execution list in Step Functions:
the local runtime lists its own record of them; with --target aws they are skipped, with a note on stderr. --key
reads each listed execution's input: slower.

Examples:
  pipeline executions --status FAILED
  pipeline executions --workflow ImageWorkflow --json
  pipeline --target aws executions --workflow image --status FAILED`,
  },
  async ({ options }, { io, backend }) => {
    const status = options.status === undefined ? undefined : parseStatus(options.status)
    const answer = await backend().listExecutions({ workflow: options.workflow, status, key: options.key })
    if (options.json) {
      io.stdout.write(json(answer))
      return 0
    }
    for (const { workflow, reason } of answer.skipped ?? [])
      io.stderr.write(`pipeline executions: skipped workflow ${workflow}: ${reason}\n`)
    if (answer.executions.length === 0) {
      io.stdout.write('No executions.\n')
      return 0
    }
    const now = Date.now()
    const newestFirst = [...answer.executions].sort(
      (a, b) => (Date.parse(b.startDate) || 0) - (Date.parse(a.startDate) || 0),
    )
    const palette = paletteFor(io.stdout, io.env)
    io.stdout.write(
      table(
        [
          { header: 'NAME' },
          { header: 'WORKFLOW' },
          { header: 'STATUS', style: palette.status },
          { header: 'STARTED' },
          { header: 'DURATION' },
        ],
        newestFirst.map((execution) => [
          execution.name,
          execution.workflow,
          execution.status,
          formatTime(execution.startDate),
          formatDuration(durationBetween(execution.startDate, execution.stopDate, now)),
        ]),
      ),
    )
    return 0
  },
)

const parseStatus = (raw: string): ExecutionStatus => {
  const status = raw.trim().toUpperCase()
  if (!(ExecutionStatuses as ReadonlyArray<string>).includes(status))
    throw new UsageError(`--status must be one of ${ExecutionStatuses.join(', ')} (got ${raw})`)
  return status as ExecutionStatus
}
