import { defineCommand, defineGroup } from '../args'
import { json, table, terminalWidth } from '../format'

export const schedules = defineCommand(
  {
    name: 'schedules',
    summary: "list the scheduler's schedules (the names 'schedule run' takes)",
    positionals: { label: '', min: 0, max: 0 },
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer as it came" },
    },
    description: `Lists the local EventBridge Scheduler's schedules: name, expression (the local scheduler runs rate()
expressions), target (the end of its ARN: a state machine, a function) and whether it is enabled.
A schedule's name is what 'pipeline schedule run' takes.

Examples:
  pipeline schedules
  pipeline schedules --json`,
  },
  async ({ options }, { io, client }) => {
    const answer = await client().listSchedules()
    if (options.json) {
      io.stdout.write(json(answer))
      return 0
    }
    if (answer.schedules.length === 0) {
      io.stdout.write('No schedules.\n')
      return 0
    }
    const rows = answer.schedules.map((schedule) => [
      schedule.name,
      schedule.expression,
      lastArnSegment(schedule.targetArn),
      schedule.enabled ? 'yes' : 'no',
    ])
    io.stdout.write(
      table([{ header: 'NAME' }, { header: 'EXPRESSION' }, { header: 'TARGET' }, { header: 'ENABLED' }], rows, {
        maxWidth: terminalWidth(io.stdout),
      }),
    )
    return 0
  },
)

const run = defineCommand(
  {
    name: 'schedule run',
    summary: "start a schedule's target now",
    positionals: { label: 'NAME', min: 1, max: 1 },
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer ({schedule, executionArn})" },
    },
    description: `Fires the schedule NAME (see 'pipeline schedules') at once, as its rate would: starts its target
and prints the execution's ARN ('pipeline execution ARN' follows it). Exits 1 when there is no such schedule.

Examples:
  pipeline schedule run MaintenanceSchedule
  pipeline execution "$(pipeline schedule run MaintenanceSchedule)"`,
  },
  async ({ positionals, options }, { io, client }) => {
    const answer = await client().runSchedule(positionals[0] ?? '')
    io.stdout.write(options.json ? json(answer) : `${answer.executionArn}\n`)
    return 0
  },
)

export const schedule = defineGroup({
  name: 'schedule',
  summary: 'run a schedule now',
  description: `Works with one schedule of the local scheduler ('pipeline schedules' lists them).
  pipeline schedule run NAME [--json]
      Starts the schedule's target now and prints the execution ARN; 'pipeline schedule run --help' for more.`,
  subcommands: [run],
})

/** The last `:` or `/` segment of an ARN (`...:stateMachine:Maintenance` is Maintenance), or the text itself. */
export const lastArnSegment = (arn: string): string => {
  const text = typeof arn === 'string' ? arn.trim() : ''
  return (
    text
      .split(/[:/]/)
      .filter((segment) => segment !== '')
      .pop() ??
    (text || '-')
  )
}
