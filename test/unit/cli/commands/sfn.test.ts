import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../../cli/main'
import { captureIo, closedUrl } from '../fake-runtime'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-sfn-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const file = (name: string, content: unknown): string => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

/** No server runs in these tests: sfn run never needs one. */
const run = async (argv: string[]) => {
  const { io, stdout, stderr } = captureIo({ PIPELINE_URL: await closedUrl() })
  const code = await main(['sfn', 'run', ...argv], io)
  return { code, stdout: stdout(), stderr: stderr() }
}

const lambdaTask = {
  StartAt: 'Call',
  States: {
    Call: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'resize', 'Payload.$': '$' },
      Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 30, MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Rejected' }],
      ResultSelector: { 'body.$': '$.Payload' },
      Next: 'Done',
    },
    Rejected: { Type: 'Fail', Error: 'Rejected', CausePath: '$.failure.Cause' },
    Done: { Type: 'Succeed' },
  },
}

const mocks = {
  StateMachines: {
    resize: {
      TestCases: {
        HappyPath: { Call: 'Resized' },
        Throttled: { Call: 'ThrottledThenResized' },
        Broken: { Call: 'Broken' },
      },
    },
  },
  MockedResponses: {
    Resized: { '0': { Return: { StatusCode: 200, Payload: { width: 200 } } } },
    ThrottledThenResized: {
      '0-1': { Throw: { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate exceeded' } },
      '2': { Return: { StatusCode: 200, Payload: { width: 100 } } },
    },
    Broken: { '0': { Throw: { Error: 'ImageTooLarge', Cause: 'over 25 MB' } } },
  },
}

describe('pipeline sfn run', () => {
  it('prints SUCCEEDED with the output and exits 0', async () => {
    // Prepare
    const definition = file('definition.json', {
      StartAt: 'Hello',
      States: { Hello: { Type: 'Pass', Parameters: { 'greeting.$': "States.Format('hello {}', $.name)" }, End: true } },
    })
    const input = file('input.json', { name: 'ada' })

    // Act
    const result = await run([definition, '--input', input])

    // Assess
    expect(result).toEqual({ code: 0, stdout: 'SUCCEEDED\noutput: {"greeting":"hello ada"}\n', stderr: '' })
  })

  it('answers Task states from the mock test case, retries included, in simulated time', async () => {
    const definition = file('resize.json', lambdaTask)
    const mockFile = file('mocks.json', mocks)

    const result = await run([definition, '--mock', mockFile, '--test-case', 'Throttled', '--json'])

    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ status: 'SUCCEEDED', output: '{"body":{"width":100}}' })
  })

  it('prints FAILED with the error and cause and exits 1', async () => {
    const result = await run([
      file('resize.json', lambdaTask),
      '--mock',
      file('mocks.json', mocks),
      '--test-case',
      'Broken',
    ])

    expect(result).toEqual({ code: 1, stdout: 'FAILED\nerror: Rejected\ncause: over 25 MB\n', stderr: '' })
  })

  it('adds the history with --history --json, as GetExecutionHistory shapes it', async () => {
    const definition = file('resize.json', lambdaTask)

    const result = await run([
      definition,
      '--mock',
      file('mocks.json', mocks),
      '--test-case',
      'HappyPath',
      '--history',
      '--json',
    ])

    const printed = JSON.parse(result.stdout) as {
      history: Array<{ id: number; previousEventId: number; type: string }>
    }
    expect(printed.history.map(({ id, previousEventId, type }) => [id, previousEventId, type])).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 0, 'TaskStateEntered'],
      [3, 2, 'TaskScheduled'],
      [4, 3, 'TaskStarted'],
      [5, 4, 'TaskSucceeded'],
      [6, 5, 'TaskStateExited'],
      [7, 6, 'SucceedStateEntered'],
      [8, 7, 'SucceedStateExited'],
      [9, 8, 'ExecutionSucceeded'],
    ])
  })

  it("exits 2 with Step Functions' validation message and location for an invalid definition", async () => {
    const definition = file('bad.json', { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } })

    const result = await run([definition])

    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      "pipeline sfn run: Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next'\n",
    )
  })

  it('exits 2 naming the Task state when no mock answers it', async () => {
    const result = await run([file('resize.json', lambdaTask)])

    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      'pipeline sfn run: the Task state "Call" needs a mocked response: give one with --mock FILE\n',
    )
  })

  it.each([
    {
      name: 'a response without Return or Throw',
      mock: { StateMachines: {}, MockedResponses: { R: { '0': {} } } },
      message: 'MockedResponses.R."0" must have exactly one of Return and Throw',
    },
    {
      name: 'invocations that skip a number',
      mock: { StateMachines: {}, MockedResponses: { R: { '0': { Return: 1 }, '2': { Return: 2 } } } },
      message:
        'MockedResponses.R: invocations must be numbered consecutively from 0; expected one starting at 1, got 2',
    },
    {
      name: 'a test case naming an unknown response',
      mock: { StateMachines: { resize: { TestCases: { T: { Call: 'Nope' } } } }, MockedResponses: {} },
      message:
        'StateMachines.resize.TestCases.T.Call names the mocked response "Nope", which MockedResponses does not define',
    },
    {
      name: 'a Throw without a Cause',
      mock: { StateMachines: {}, MockedResponses: { R: { '0': { Throw: { Error: 'E' } } } } },
      message: 'MockedResponses.R."0".Throw must have an Error and a Cause, both strings',
    },
  ])('exits 2 for a mock file with $name', async ({ mock, message }) => {
    const mockFile = file('mocks.json', mock)

    const result = await run([file('resize.json', lambdaTask), '--mock', mockFile])

    expect(result.code).toBe(2)
    expect(result.stderr).toBe(`pipeline sfn run: --mock ${mockFile}: ${message}\n`)
  })

  it.each([
    { name: 'without a definition', argv: (): string[] => [], message: 'missing DEFINITION.json' },
    {
      name: 'with --test-case but no --mock',
      argv: (): string[] => [file('d.json', { StartAt: 'A', States: { A: { Type: 'Succeed' } } }), '--test-case', 'X'],
      message: '--test-case only applies with --mock',
    },
  ])('exits 2 $name, pointing at --help', async ({ argv, message }) => {
    const result = await run(argv())

    expect(result.code).toBe(2)
    expect(result.stderr).toBe(`pipeline sfn run: ${message}\nRun 'pipeline sfn run --help' for usage.\n`)
  })

  it('exits 2 for an input that is not JSON, naming the file', async () => {
    const input = file('input.json', '{not json')

    const result = await run([file('d.json', { StartAt: 'A', States: { A: { Type: 'Succeed' } } }), '--input', input])

    expect(result.code).toBe(2)
    expect(result.stderr.startsWith(`pipeline sfn run: --input ${input}: not JSON (`)).toBe(true)
  })
})
