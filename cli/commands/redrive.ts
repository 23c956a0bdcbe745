import { defineCommand } from '../args'
import { fields, formatTime, json, paletteFor } from '../format'

export const redrive = defineCommand(
  {
    name: 'redrive',
    summary: 'redrive a failed execution from the state it failed in',
    positionals: { label: 'EXECUTION', min: 1, max: 1 },
    options: {
      json: { type: 'boolean', description: 'print the redriven execution as JSON' },
    },
    description: `Redrives one execution, by name or ARN, as Step Functions' RedriveExecution does: the same execution
(same ARN) runs again from the state it failed in, with the input that state received; the states that succeeded
are not run again. Its status goes back to RUNNING, its redrive count grows by one, and its history continues
after an ExecutionRedriven event. Only a FAILED, ABORTED or TIMED_OUT execution of a Standard workflow can be
redriven: any other answers ExecutionNotRedrivable (exit 1).

On the local runtime, a redrive interrupted by a stop carries on at the next start. Follow it with
'pipeline execution EXECUTION'. To run an execution's input again as a new execution, use the console's
"start again".

Examples:
  pipeline redrive 5f0c2d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f
  pipeline redrive arn:aws:states:us-east-1:000000000000:execution:ImageWorkflow:5f0c2d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f --json`,
  },
  async ({ positionals, options }, { io, backend }) => {
    const execution = await backend().redriveExecution(positionals[0] ?? '')
    if (options.json) {
      io.stdout.write(json(execution))
      return 0
    }
    io.stdout.write(
      fields([
        ['Execution', execution.name],
        ['ARN', execution.executionArn],
        ['Workflow', execution.workflow],
        ['Status', paletteFor(io.stdout, io.env).status(execution.status)],
        ['Redrives', String(execution.redriveCount ?? 1)],
        ['Started', formatTime(execution.startDate)],
      ]),
    )
    io.stdout.write(`Follow it with: pipeline execution ${execution.name}\n`)
    return 0
  },
)
