import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn'
import { formatTime } from '../../../../cli/format'
import { BucketName, ImageArn, OrderArn, givenStack, inputsOf, mocks } from '../aws/fake-stack'
import { imageExecution, plain, startFakeRuntime, type FakeRuntime } from '../fake-runtime'
import { runLocal } from '../local-target'

// The local target: DescribeExecution and GetExecutionHistory on the runtime's endpoint; an execution Step Functions
// does not describe (an Express workflow's, on AWS) from the runtime's own record of it.

const executionArn = (machine: string, name: string) => `${machine.replace(':stateMachine:', ':execution:')}:${name}`
const at = (ms: number) => new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms)
const arn = executionArn(ImageArn, 'image-7f3c')
const longCause = `uploads/cat.jpg ${'is a corrupt or truncated jpeg, '.repeat(6)}premature end`

/** A run whose PersistImage failed twice (one retry), then the execution failed. */
const history = (cause: string): HistoryEvent[] => [
  { id: 1, timestamp: at(0), type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}' } },
  {
    id: 2,
    previousEventId: 1,
    timestamp: at(10),
    type: 'TaskStateEntered',
    stateEnteredEventDetails: { name: 'ValidateImage', input: '{}' },
  },
  {
    id: 3,
    previousEventId: 2,
    timestamp: at(130),
    type: 'TaskStateExited',
    stateExitedEventDetails: { name: 'ValidateImage', output: '{}' },
  },
  {
    id: 4,
    previousEventId: 3,
    timestamp: at(130),
    type: 'TaskStateEntered',
    stateEnteredEventDetails: { name: 'PersistImage', input: '{}' },
  },
  {
    id: 5,
    previousEventId: 4,
    timestamp: at(131),
    type: 'TaskScheduled',
    taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' },
  },
  {
    id: 6,
    previousEventId: 5,
    timestamp: at(1000),
    type: 'TaskFailed',
    taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'States.TaskFailed', cause },
  },
  {
    id: 7,
    previousEventId: 6,
    timestamp: at(1500),
    type: 'TaskScheduled',
    taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' },
  },
  {
    id: 8,
    previousEventId: 7,
    timestamp: at(2400),
    type: 'TaskFailed',
    taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'States.TaskFailed', cause },
  },
  {
    id: 9,
    previousEventId: 8,
    timestamp: at(2400),
    type: 'ExecutionFailed',
    executionFailedEventDetails: { error: 'States.TaskFailed', cause },
  },
]

const givenExecution = (cause = '{"errorMessage":"image table unavailable"}') => {
  mocks.sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
    executionArn: arn,
    stateMachineArn: ImageArn,
    name: 'image-7f3c',
    status: 'FAILED',
    startDate: at(0),
    stopDate: at(2400),
    input: JSON.stringify({ detail: { bucket: { name: BucketName }, object: { key: 'uploads/cat.jpg', etag: 'a' } } }),
    error: 'States.TaskFailed',
    cause,
  })
  mocks.sfn.on(GetExecutionHistoryCommand, { executionArn: arn }).resolves({ events: history(cause) })
}

let runtime: FakeRuntime
beforeEach(async () => {
  givenStack()
  // Any execution but the ones a test describes does not exist.
  mocks.sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ $metadata: { httpStatusCode: 400 }, message: 'Execution Does Not Exist' }))
  runtime = await startFakeRuntime({
    executions: [
      imageExecution({ executionArn: executionArn(OrderArn, 'order-1'), name: 'order-1', workflow: 'order' }),
    ],
  })
})
afterEach(() => runtime.close())

describe('pipeline execution', () => {
  it('shows the execution, then each state with status, duration, retries and error, with no AWS console link', async () => {
    // Prepare
    givenExecution()

    // Act
    const { code, stdout } = await runLocal(['execution', 'image-7f3c'], runtime.url)

    // Assess
    expect(code).toBe(0)
    expect(inputsOf(mocks.sfn.commandCalls(GetExecutionHistoryCommand))).toEqual([
      { executionArn: arn, maxResults: 1000, nextToken: undefined },
    ])
    expect(stdout).toBe(
      [
        'Execution  image-7f3c',
        `ARN        ${arn}`,
        'Workflow   image',
        'Status     FAILED',
        `Started    ${formatTime(at(0).toISOString())}`,
        `Stopped    ${formatTime(at(2400).toISOString())}`,
        'Duration   2.4s',
        'Error      States.TaskFailed',
        'Cause      image table unavailable',
        '',
        'STATE          TYPE  STATUS     DURATION  RETRIES  ERROR',
        'ValidateImage  Task  SUCCEEDED  120ms     0',
        'PersistImage   Task  FAILED     -         1        States.TaskFailed: image table unavailable',
        '',
      ].join('\n'),
    )
    expect(runtime.requests).toEqual([])
  })

  it("reads an execution Step Functions does not describe from the runtime's own record of it", async () => {
    const { code, stdout } = await runLocal(['execution', 'order-1'], runtime.url)

    expect(code).toBe(0)
    expect(runtime.requests.map((request) => request.path)).toEqual(['/executions/order-1'])
    expect(stdout).toContain('Execution  order-1\n')
    expect(stdout).toContain('Workflow   order\n')
    expect(stdout).toMatch(/ValidateImage\s+Task\s+SUCCEEDED\s+120ms/)
  })

  it('cuts long errors to the terminal width', async () => {
    givenExecution(longCause)

    const { stdout } = await runLocal(['execution', arn], runtime.url, { tty: true, columns: 80 })

    const widest = Math.max(
      ...plain(stdout)
        .split('\n')
        .filter((line) => line.startsWith('PersistImage'))
        .map((line) => line.length),
    )
    expect(widest).toBeLessThan(80)
    expect(stdout).toContain('…')
  })

  it('prints the execution as JSON with --json, its history included', async () => {
    givenExecution()

    const { code, stdout } = await runLocal(['execution', 'image-7f3c', '--json'], runtime.url)

    expect(code).toBe(0)
    const detail = JSON.parse(stdout) as Record<string, unknown>
    expect(detail).toMatchObject({ executionArn: arn, status: 'FAILED', subject: 'uploads/cat.jpg' })
    expect(detail.history).toHaveLength(9)
    expect(detail.consoleUrl).toBeUndefined()
  })

  it('exits 1 naming the workflows searched for an unknown execution', async () => {
    const { code, stdout, stderr } = await runLocal(['execution', 'nope'], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      'pipeline execution: no execution named nope in the workflows of stack Pipeline (image, order); give its ARN to read another\n',
    )
  })
})
