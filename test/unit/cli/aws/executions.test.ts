import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNServiceException,
  StateMachineTypeNotSupported,
  type HistoryEvent,
} from '@aws-sdk/client-sfn'
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation'
import { formatTime } from '../../../../cli/format'
import {
  BucketName,
  ImageArn,
  OrderArn,
  Region,
  givenStack,
  inputsOf,
  mocks,
  resource,
  runAws,
  stackOutputs,
} from './fake-stack'

const executionArn = (machine: string, name: string) => `${machine.replace(':stateMachine:', ':execution:')}:${name}`
const at = (ms: number) => new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms)

beforeEach(() => givenStack())

describe('pipeline --target aws executions', () => {
  it("lists each Standard workflow's executions with ListExecutions, newest first, and notes the Express ones it cannot list", async () => {
    // Prepare: the order workflow is Express: Step Functions refuses to list its executions.
    mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: ImageArn }).resolves({
      executions: [
        {
          executionArn: executionArn(ImageArn, 'a1'),
          stateMachineArn: ImageArn,
          name: 'a1',
          status: 'FAILED',
          startDate: at(0),
          stopDate: at(4000),
        },
        {
          executionArn: executionArn(ImageArn, 'b2'),
          stateMachineArn: ImageArn,
          name: 'b2',
          status: 'FAILED',
          startDate: at(60_000),
          stopDate: at(61_500),
        },
      ],
    })
    mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: OrderArn }).rejects(
      new StateMachineTypeNotSupported({
        $metadata: { httpStatusCode: 400 },
        message: 'This operation is not supported by this type of state machine',
      }),
    )

    // Act
    const { code, stdout, stderr } = await runAws(['executions', '--status', 'failed'])

    // Assess
    expect(code).toBe(0)
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
      { stateMachineArn: ImageArn, maxResults: 100, statusFilter: 'FAILED' },
      { stateMachineArn: OrderArn, maxResults: 100, statusFilter: 'FAILED' },
    ])
    expect(stdout).toBe(
      [
        'NAME  WORKFLOW  STATUS  STARTED              DURATION',
        `b2    image     FAILED  ${formatTime(at(60_000).toISOString())}  1.5s`,
        `a1    image     FAILED  ${formatTime(at(0).toISOString())}  4.0s`,
        '',
      ].join('\n'),
    )
    expect(stderr).toBe(
      'pipeline executions: skipped workflow order: an Express workflow: Step Functions keeps no list of its executions (they are in its CloudWatch Logs)\n',
    )
  })

  it.each(['image', 'ImageWorkflow', 'IMAGE'])(
    "lists only the workflow --workflow %s names (its tag or its construct's name)",
    async (workflow) => {
      mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] })

      const { code, stdout } = await runAws(['executions', '--workflow', workflow])

      expect(code).toBe(0)
      expect(stdout).toBe('No executions.\n')
      expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
        { stateMachineArn: ImageArn, maxResults: 100 },
      ])
    },
  )

  it('exits 1 naming the known workflows for an unknown --workflow, listing nothing', async () => {
    const { code, stderr } = await runAws(['executions', '--workflow', 'thumbnails'])

    expect(code).toBe(1)
    expect(stderr).toBe('pipeline executions: no workflow thumbnails in stack Pipeline (workflows: image, order)\n')
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0)
  })

  it("finds the state machines among the stack's resources when its outputs do not name them", async () => {
    const { ImageWorkflowStateMachineArn: _image, OrderWorkflowStateMachineArn: _order, ...outputs } = stackOutputs
    givenStack(outputs, [
      resource('ImageWorkflowStateMachine62E1AAF6', 'AWS::StepFunctions::StateMachine', ImageArn),
      resource(
        'ImageDeadLetters3CF4D147',
        'AWS::SQS::Queue',
        'https://sqs.eu-west-1.amazonaws.com/123456789012/Pipeline-ImageDeadLetters',
      ),
    ])
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] })

    const { code } = await runAws(['executions', '--workflow', 'ImageWorkflow'])

    expect(code).toBe(0)
    expect(mocks.cloudformation.commandCalls(ListStackResourcesCommand)).toHaveLength(1)
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
      { stateMachineArn: ImageArn, maxResults: 100 },
    ])
  })

  it("with --key, reads each listed execution's input and keeps those about that key", async () => {
    mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: ImageArn }).resolves({
      executions: ['cat', 'dog'].map((name) => ({
        executionArn: executionArn(ImageArn, name),
        stateMachineArn: ImageArn,
        name,
        status: 'SUCCEEDED' as const,
        startDate: at(0),
      })),
    })
    mocks.sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
      executionArn: input.executionArn,
      input: JSON.stringify({
        detail: { object: { key: `uploads/${input.executionArn.endsWith('cat') ? 'cat' : 'dog'}.jpg` } },
      }),
    }))

    const { code, stdout } = await runAws(['executions', '--workflow', 'image', '--key', 'uploads/cat.jpg', '--json'])

    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({
      executions: [
        {
          executionArn: executionArn(ImageArn, 'cat'),
          name: 'cat',
          workflow: 'image',
          status: 'SUCCEEDED',
          startDate: at(0).toISOString(),
          subject: 'uploads/cat.jpg',
        },
      ],
    })
  })

  it('refuses --status PENDING, which Step Functions does not have', async () => {
    const { code, stderr } = await runAws(['executions', '--status', 'PENDING'])

    expect(code).toBe(2)
    expect(stderr).toContain('--status PENDING: Step Functions has RUNNING (an execution not started yet included)')
  })
})

/** The history of a run whose resize failed and was caught, as GetExecutionHistory pages it. */
const page1: HistoryEvent[] = [
  {
    id: 1,
    previousEventId: 0,
    timestamp: at(0),
    type: 'ExecutionStarted',
    executionStartedEventDetails: { input: '{}' },
  },
  {
    id: 2,
    previousEventId: 0,
    timestamp: at(10),
    type: 'TaskStateEntered',
    stateEnteredEventDetails: { name: 'ValidateImage', input: '{}' },
  },
  {
    id: 3,
    previousEventId: 2,
    timestamp: at(10),
    type: 'TaskScheduled',
    taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: Region, parameters: '{}' },
  },
  {
    id: 4,
    previousEventId: 3,
    timestamp: at(129),
    type: 'TaskSucceeded',
    taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' },
  },
  {
    id: 5,
    previousEventId: 4,
    timestamp: at(130),
    type: 'TaskStateExited',
    stateExitedEventDetails: { name: 'ValidateImage', output: '{}' },
  },
]
const page2: HistoryEvent[] = [
  {
    id: 6,
    previousEventId: 5,
    timestamp: at(130),
    type: 'TaskStateEntered',
    stateEnteredEventDetails: { name: 'PersistImage', input: '{}' },
  },
  {
    id: 7,
    previousEventId: 6,
    timestamp: at(131),
    type: 'TaskScheduled',
    taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: Region, parameters: '{}' },
  },
  {
    id: 8,
    previousEventId: 7,
    timestamp: at(1000),
    type: 'TaskFailed',
    taskFailedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'States.TaskFailed',
      cause: '{"errorMessage":"image table unavailable"}',
    },
  },
  {
    id: 9,
    previousEventId: 8,
    timestamp: at(1500),
    type: 'TaskScheduled',
    taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: Region, parameters: '{}' },
  },
  {
    id: 10,
    previousEventId: 9,
    timestamp: at(2400),
    type: 'TaskFailed',
    taskFailedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'States.TaskFailed',
      cause: '{"errorMessage":"image table unavailable"}',
    },
  },
  {
    id: 11,
    previousEventId: 10,
    timestamp: at(2400),
    type: 'ExecutionFailed',
    executionFailedEventDetails: { error: 'States.TaskFailed', cause: '{"errorMessage":"image table unavailable"}' },
  },
]
const arn = executionArn(ImageArn, 'image-7f3c')

const givenExecution = () => {
  mocks.sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
    executionArn: arn,
    stateMachineArn: ImageArn,
    name: 'image-7f3c',
    status: 'FAILED',
    startDate: at(0),
    stopDate: at(2400),
    input: JSON.stringify({
      detail: { bucket: { name: BucketName }, object: { key: 'uploads/cat.jpg', etag: 'abc' } },
    }),
    error: 'States.TaskFailed',
    cause: '{"errorMessage":"image table unavailable"}',
  })
  mocks.sfn
    .on(GetExecutionHistoryCommand, { executionArn: arn, maxResults: 1000, nextToken: undefined })
    .resolves({ events: page1, nextToken: 'page-2' })
  mocks.sfn
    .on(GetExecutionHistoryCommand, { executionArn: arn, maxResults: 1000, nextToken: 'page-2' })
    .resolves({ events: page2 })
}

describe('pipeline --target aws execution', () => {
  it('reads the execution and every page of its history, shows it state by state, with the console link', async () => {
    // Prepare
    givenExecution()

    // Act
    const { code, stdout } = await runAws(['execution', arn])

    // Assess
    expect(code).toBe(0)
    expect(inputsOf(mocks.sfn.commandCalls(DescribeExecutionCommand))).toEqual([{ executionArn: arn }])
    expect(inputsOf(mocks.sfn.commandCalls(GetExecutionHistoryCommand))).toEqual([
      { executionArn: arn, maxResults: 1000, nextToken: undefined },
      { executionArn: arn, maxResults: 1000, nextToken: 'page-2' },
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
        `Console    https://${Region}.console.aws.amazon.com/states/home?region=${Region}#/v2/executions/details/${arn}`,
        '',
        'STATE          TYPE  STATUS     DURATION  RETRIES  ERROR',
        'ValidateImage  Task  SUCCEEDED  120ms     0',
        'PersistImage   Task  FAILED     -         1        States.TaskFailed: image table unavailable',
        '',
      ].join('\n'),
    )
  })

  it("finds an execution by name in the stack's workflows: the execution ARN of each state machine, in turn", async () => {
    givenExecution()
    const elsewhere = executionArn(OrderArn, 'image-7f3c')
    mocks.sfn.on(DescribeExecutionCommand, { executionArn: elsewhere }).rejects(
      new ExecutionDoesNotExist({
        $metadata: { httpStatusCode: 400 },
        message: `Execution Does Not Exist: '${elsewhere}'`,
      }),
    )

    const { code, stdout } = await runAws(['execution', 'image-7f3c', '--json'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.sfn.commandCalls(DescribeExecutionCommand)).map((input) => input.executionArn)).toEqual([arn])
    const detail = JSON.parse(stdout) as Record<string, unknown>
    expect(detail).toMatchObject({
      name: 'image-7f3c',
      workflow: 'image',
      subject: 'uploads/cat.jpg',
      consoleUrl: expect.stringContaining('#/v2/executions/details/'),
    })
    expect(detail.history).toHaveLength(11)
    expect((detail.history as Array<{ timestamp: string }>)[0]?.timestamp).toBe(at(0).toISOString())
    expect(detail.states).toEqual([
      expect.objectContaining({ name: 'ValidateImage', status: 'SUCCEEDED', durationMs: 120 }),
      expect.objectContaining({ name: 'PersistImage', status: 'FAILED', retries: 1, error: 'States.TaskFailed' }),
    ])
  })

  it('exits 1 when no workflow of the stack has an execution of that name', async () => {
    mocks.sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ $metadata: { httpStatusCode: 400 }, message: 'Execution Does Not Exist' }))

    const { code, stdout, stderr } = await runAws(['execution', 'nope'])

    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      'pipeline execution: no execution named nope in the workflows of stack Pipeline (image, order); give its ARN to read another\n',
    )
    expect(mocks.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2)
  })

  it.each([
    { status: 400, code: 1, name: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' },
    { status: 500, code: 3, name: 'InternalServerError', message: 'Internal error' },
  ])(
    "reports Step Functions' $status answer for an ARN and exits $code",
    async ({ status, code: expected, name, message }) => {
      mocks.sfn.on(DescribeExecutionCommand).rejects(
        new SFNServiceException({
          name,
          $fault: status >= 500 ? 'server' : 'client',
          $metadata: { httpStatusCode: status },
          message,
        }),
      )

      const { code, stderr } = await runAws(['execution', arn])

      expect(code).toBe(expected)
      expect(stderr).toBe(`pipeline execution: Step Functions answered ${status} ${name}: ${message}\n`)
    },
  )
})
