import { randomUUID } from 'node:crypto'
import { basename, extname } from 'node:path'
import {
  InvalidDefinition,
  InvalidMockConfig,
  MissingMock,
  mockedInvokeTask,
  parseMockConfig,
  runExecution,
  selectTestCase,
  validateDefinition,
  virtualClock,
  type HistoryEvent,
  type InvokeTask,
} from '../../infra/local/stepfunctions/engine'
import { defineCommand, defineGroup } from '../args'
import { UsageError } from '../errors'
import { json } from '../format'
import { readJsonFile, readLocalFile } from '../json-file'

const Account = '123456789012'
const Region = 'us-east-1'

/** Reads `--input`: a file, `-` for standard input, `{}` when absent; it must be JSON, as StartExecution requires. */
const readInput = async (path: string | undefined): Promise<string> => {
  if (path === undefined) return '{}'
  const text =
    path === '-'
      ? await new Promise<string>((resolve, reject) => {
          let data = ''
          process.stdin.setEncoding('utf8')
          process.stdin.on('data', (chunk: string) => (data += chunk))
          process.stdin.on('end', () => resolve(data))
          process.stdin.on('error', reject)
        })
      : (await readLocalFile(path, '--input')).toString('utf8')
  // Whitespace around the JSON is not part of the input AWS would record: a file's final newline is dropped.
  const input = text.replace(/^\uFEFF/, '').trim()
  try {
    JSON.parse(input)
  } catch (error) {
    throw new UsageError(`--input ${path}: not JSON (${(error as Error).message.split('\n')[0]})`, {
      showHelpHint: false,
    })
  }
  return input
}

/** The one-line form of a history event: id, previous id, type, then its details as JSON. */
const historyLine = (event: HistoryEvent): string => {
  const { id, previousEventId, timestamp: _timestamp, type, ...details } = event
  const detail = Object.keys(details).length > 0 ? `  ${JSON.stringify(Object.values(details)[0])}` : ''
  return `${String(id).padStart(4)} ${String(previousEventId).padStart(4)}  ${type}${detail}`
}

const run = defineCommand(
  {
    name: 'sfn run',
    summary: 'run a Step Functions definition locally, with mocked Task states',
    positionals: { label: 'DEFINITION.json', min: 1, max: 1 },
    options: {
      input: {
        type: 'string',
        placeholder: 'FILE',
        description: "the execution input, a JSON file ('-': stdin; default {})",
      },
      mock: {
        type: 'string',
        placeholder: 'FILE',
        description: 'a Step Functions Local mock configuration answering the Task states',
      },
      'test-case': {
        type: 'string',
        placeholder: 'NAME',
        description: 'the test case of --mock (default: its only one)',
      },
      'state-machine': {
        type: 'string',
        placeholder: 'NAME',
        description: "the state machine's name, in --mock and in ARNs (default: the file's name)",
      },
      history: { type: 'boolean', description: 'also print the execution history, as GetExecutionHistory gives it' },
      json: { type: 'boolean', description: 'print one JSON object: {status, output, error, cause, history?}' },
    },
    description: `Runs an Amazon States Language definition (the JSON 'cdk synth' writes for a state machine) with
the project's engine, without a server and without AWS: Pass, Choice, Wait, Map, Parallel, Succeed, Fail, Retry,
Catch, intrinsic functions, variables and JSONata behave as Step Functions documents them. Task states answer
from a Step Functions Local mock configuration (--mock, see
https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html); a Task state the test case
does not mock stops the run with exit 2. Time is simulated: a Wait of a day, a retry interval or a timeout takes
no real time.

Prints the status and the output (SUCCEEDED) or the error and cause; the output is the JSON text
DescribeExecution gives. An invalid definition exits 2 with Step Functions' validation message and location.
Exit codes: 0 SUCCEEDED; 1 FAILED, TIMED_OUT or ABORTED; 2 invalid definition, mock file or command line.

Examples:
  pipeline sfn run cdk.out/order-workflow.json --input order.json --mock mocks.json --test-case HappyPath
  echo '{"items": [1, 2]}' | pipeline sfn run definition.json --input - --history
  pipeline sfn run definition.json --json`,
  },
  async ({ positionals, options }, { io }) => {
    const path = positionals[0] ?? ''
    const definition = await readJsonFile(path, 'DEFINITION')
    const diagnostics = validateDefinition(definition)
    if (diagnostics.length > 0)
      throw new UsageError(new InvalidDefinition(diagnostics).message, { showHelpHint: false })
    const input = await readInput(options.input)
    if (options['test-case'] !== undefined && options.mock === undefined)
      throw new UsageError('--test-case only applies with --mock')
    const stateMachineName = options['state-machine'] ?? basename(path, extname(path))
    let invokeTask: InvokeTask = async ({ stateName }) => {
      throw new MissingMock(`the Task state "${stateName}" needs a mocked response: give one with --mock FILE`)
    }
    if (options.mock !== undefined) {
      try {
        const config = parseMockConfig(await readJsonFile(options.mock, '--mock'))
        const chosen = selectTestCase(config, {
          stateMachine:
            options['state-machine'] ?? (Object.keys(config.StateMachines).length === 1 ? undefined : stateMachineName),
          testCase: options['test-case'],
        })
        invokeTask = mockedInvokeTask(config, chosen.states, chosen.testCase)
      } catch (error) {
        if (error instanceof InvalidMockConfig)
          throw new UsageError(`--mock ${options.mock}: ${error.message}`, { showHelpHint: false })
        throw error
      }
    }
    const history: HistoryEvent[] = []
    const clock = virtualClock()
    const executionName = randomUUID()
    const startTime = new Date(clock.now())
    let outcome
    try {
      outcome = await runExecution({
        definition,
        input,
        context: {
          executionArn: `arn:aws:states:${Region}:${Account}:execution:${stateMachineName}:${executionName}`,
          executionName,
          stateMachineArn: `arn:aws:states:${Region}:${Account}:stateMachine:${stateMachineName}`,
          stateMachineName,
          roleArn: `arn:aws:iam::${Account}:role/${stateMachineName}-role`,
          startTime,
        },
        invokeTask,
        onEvent: (event) => history.push(event),
        sleep: clock.sleep,
        now: clock.now,
      })
    } catch (error) {
      if (error instanceof MissingMock) throw new UsageError(error.message, { showHelpHint: false })
      throw error
    }
    if (options.json) {
      io.stdout.write(json({ ...outcome, ...(options.history ? { history } : {}) }))
    } else {
      const lines: string[] = [outcome.status]
      if (outcome.output !== undefined) lines.push(`output: ${outcome.output}`)
      if (outcome.error !== undefined) lines.push(`error: ${outcome.error}`)
      if (outcome.cause !== undefined) lines.push(`cause: ${outcome.cause}`)
      if (options.history) lines.push('history:', ...history.map(historyLine))
      io.stdout.write(`${lines.join('\n')}\n`)
    }
    return outcome.status === 'SUCCEEDED' ? 0 : 1
  },
)

export const sfn = defineGroup({
  name: 'sfn',
  summary: 'Step Functions definitions, run locally',
  description: `Runs Step Functions definitions with the project's engine, locally and without a server.`,
  subcommands: [run],
})
