import {
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  type ExecutionListItem,
} from '@aws-sdk/client-sfn'
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn'
import {
  ImageArn,
  OrderArn,
  consoleData,
  givenConsoleStack,
  imageDefinition,
  inputsOf,
  mocks,
  refusal,
} from './fake-console-stack'

const executionArn = (machine: string, name: string) => `${machine.replace(':stateMachine:', ':execution:')}:${name}`
const at = (minute: number) => new Date(Date.parse('2024-05-01T12:00:00.000Z') + minute * 60_000)
const listed = (
  machine: string,
  name: string,
  minute: number,
  status: ExecutionListItem['status'] = 'SUCCEEDED',
): ExecutionListItem => ({
  executionArn: executionArn(machine, name),
  stateMachineArn: machine,
  name,
  status,
  startDate: at(minute),
  ...(status === 'RUNNING' ? {} : { stopDate: at(minute + 1) }),
})
const uploadEvent = (key: string) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'b' }, object: { key, etag: 'e1' } },
})

describe('AWS console: workflows', () => {
  beforeEach(() => givenConsoleStack())

  it('names each state machine by the output that gives its ARN, typed by DescribeStateMachine', async () => {
    const workflows = await consoleData().workflows()

    expect(workflows).toEqual([
      { name: 'ImageWorkflow', arn: ImageArn, type: 'STANDARD' },
      { name: 'OrderWorkflow', arn: OrderArn, type: 'EXPRESS' },
    ])
    expect(inputsOf(mocks.sfn.commandCalls(DescribeStateMachineCommand))).toEqual([
      { stateMachineArn: ImageArn },
      { stateMachineArn: OrderArn },
    ])
  })

  it("answers a workflow's definition by its construct name or its tag, and 404 naming the known ones otherwise", async () => {
    const data = consoleData()

    await expect(data.workflow('ImageWorkflow')).resolves.toEqual({
      name: 'ImageWorkflow',
      arn: ImageArn,
      type: 'STANDARD',
      definition: imageDefinition,
    })
    await expect(data.workflow('image')).resolves.toMatchObject({ name: 'ImageWorkflow' })
    const error = await refusal(data.workflow('thumbnails'))
    expect([error.status, error.message]).toEqual([
      404,
      'workflow: no workflow thumbnails in stack Pipeline (workflows: ImageWorkflow, OrderWorkflow)',
    ])
  })
})

describe('AWS console: executions', () => {
  it('merges the Standard workflows newest first, and the cursor resumes mid-page where the last page stopped', async () => {
    // Prepare: both workflows Standard; one ListExecutions page each, newest first as Step Functions answers.
    givenConsoleStack({ orderType: 'STANDARD' })
    mocks.sfn
      .on(ListExecutionsCommand, { stateMachineArn: ImageArn })
      .resolves({ executions: [listed(ImageArn, 'i3', 30), listed(ImageArn, 'i2', 20), listed(ImageArn, 'i1', 10)] })
    mocks.sfn
      .on(ListExecutionsCommand, { stateMachineArn: OrderArn })
      .resolves({ executions: [listed(OrderArn, 'o2', 25), listed(OrderArn, 'o1', 5)] })
    const data = consoleData()

    // Act
    const first = await data.executions({ limit: 3 })
    const second = await data.executions({ limit: 3, ...(first.next ? { cursor: first.next } : {}) })

    // Assess
    expect(first.items.map((execution) => execution.name)).toEqual(['i3', 'o2', 'i2'])
    expect(first.items[0]).toEqual({
      executionArn: executionArn(ImageArn, 'i3'),
      name: 'i3',
      workflow: 'ImageWorkflow',
      status: 'SUCCEEDED',
      startDate: at(30).toISOString(),
      stopDate: at(31).toISOString(),
      durationMs: 60_000,
    })
    expect(first.next).toEqual(expect.any(String))
    expect(second.items.map((execution) => execution.name)).toEqual(['i1', 'o1'])
    expect(second.next).toBeUndefined()
    // The second request read each first page again (no nextToken: it had none) and skipped what was shown.
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
      { stateMachineArn: ImageArn, maxResults: 100 },
      { stateMachineArn: OrderArn, maxResults: 100 },
      { stateMachineArn: ImageArn, maxResults: 100 },
      { stateMachineArn: OrderArn, maxResults: 100 },
    ])
  })

  it("shows what each listed execution is about, reading each one's input once however often the list is asked for", async () => {
    givenConsoleStack()
    mocks.sfn
      .on(ListExecutionsCommand, { stateMachineArn: ImageArn })
      .resolves({ executions: [listed(ImageArn, 'a', 2), listed(ImageArn, 'b', 1)] })
    mocks.sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
      executionArn: input.executionArn,
      stateMachineArn: ImageArn,
      status: 'SUCCEEDED',
      startDate: at(0),
      input: JSON.stringify(uploadEvent(`uploads/${input.executionArn.slice(-1)}.jpg`)),
    }))
    const data = consoleData()

    await data.executions({})
    const again = await data.executions({})

    expect(again.items.map((execution) => execution.subject)).toEqual(['uploads/a.jpg', 'uploads/b.jpg'])
    expect(mocks.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2)
  })

  it('follows nextToken to the next page, and passes the status as statusFilter', async () => {
    givenConsoleStack()
    mocks.sfn
      .on(ListExecutionsCommand, { stateMachineArn: ImageArn, nextToken: undefined })
      .resolves({ executions: [listed(ImageArn, 'a', 9, 'FAILED')], nextToken: 'page-2' })
    mocks.sfn
      .on(ListExecutionsCommand, { stateMachineArn: ImageArn, nextToken: 'page-2' })
      .resolves({ executions: [listed(ImageArn, 'b', 8, 'FAILED')] })

    const page = await consoleData().executions({ status: 'FAILED', workflow: 'ImageWorkflow' })

    expect(page).toEqual({
      items: [expect.objectContaining({ name: 'a', status: 'FAILED' }), expect.objectContaining({ name: 'b' })],
    })
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
      { stateMachineArn: ImageArn, maxResults: 100, statusFilter: 'FAILED' },
      { stateMachineArn: ImageArn, maxResults: 100, statusFilter: 'FAILED', nextToken: 'page-2' },
    ])
  })

  it('filters the time range here, and stops reading a workflow once it is older than from', async () => {
    givenConsoleStack()
    mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: ImageArn }).resolves({
      executions: [listed(ImageArn, 'late', 50), listed(ImageArn, 'in', 20), listed(ImageArn, 'early', 1)],
      nextToken: 'older',
    })

    const page = await consoleData().executions({ from: at(10).toISOString(), to: at(40).toISOString() })

    expect(page).toEqual({ items: [expect.objectContaining({ name: 'in' })] })
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)).toHaveLength(1)
  })

  it("matches text on the name, else on the subject read from each execution's input", async () => {
    givenConsoleStack()
    mocks.sfn
      .on(ListExecutionsCommand, { stateMachineArn: ImageArn })
      .resolves({ executions: [listed(ImageArn, 'x1', 3), listed(ImageArn, 'cat-run', 2), listed(ImageArn, 'x2', 1)] })
    mocks.sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
      executionArn: input.executionArn,
      stateMachineArn: ImageArn,
      status: 'SUCCEEDED',
      startDate: at(0),
      input: JSON.stringify(uploadEvent(input.executionArn.endsWith(':x2') ? 'uploads/cat.jpg' : 'uploads/dog.jpg')),
    }))

    const page = await consoleData().executions({ text: 'CAT' })

    expect(page.items.map((execution) => [execution.name, execution.subject])).toEqual([
      ['cat-run', 'uploads/dog.jpg'],
      ['x2', 'uploads/cat.jpg'],
    ])
    // The executions whose name did not match were described to match on; cat-run only for the page, once each.
    expect(inputsOf(mocks.sfn.commandCalls(DescribeExecutionCommand)).map((input) => input.executionArn)).toEqual([
      executionArn(ImageArn, 'x1'),
      executionArn(ImageArn, 'x2'),
      executionArn(ImageArn, 'cat-run'),
    ])
  })

  it('reads a bounded number of pages per request: a short page comes back with a cursor that goes on from there', async () => {
    // Prepare: endless pages of one execution each, none about the text asked.
    givenConsoleStack()
    mocks.sfn.on(ListExecutionsCommand).callsFake((input: { nextToken?: string }) => {
      const page = Number(input.nextToken ?? '0')
      return { executions: [listed(ImageArn, `run-${page}`, 100 - page)], nextToken: String(page + 1) }
    })
    mocks.sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
      executionArn: input.executionArn,
      stateMachineArn: ImageArn,
      status: 'SUCCEEDED',
      startDate: at(0),
      input: '{}',
    }))
    const data = consoleData()

    // Act
    const first = await data.executions({ text: 'cat' })
    const second = await data.executions({ text: 'cat', ...(first.next ? { cursor: first.next } : {}) })

    // Assess: the first page and 3 more, then the second request starts where the first stopped.
    expect(first.items).toEqual([])
    expect(second.items).toEqual([])
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand)).map((input) => input.nextToken)).toEqual([
      undefined,
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ])
  })

  it('answers 501 for an Express workflow, pointing at CloudWatch Logs, and leaves Express ones out of the full list', async () => {
    givenConsoleStack({ orderType: 'EXPRESS' })
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] })
    const data = consoleData()

    const error = await refusal(data.executions({ workflow: 'OrderWorkflow' }))
    await data.executions({})

    expect([error.status, error.code]).toEqual([501, 'ExpressExecutionsNotListed'])
    expect(error.message).toContain('CloudWatch Logs')
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
      { stateMachineArn: ImageArn, maxResults: 100 },
    ])
  })

  it.each([
    ['limit', { limit: 0 }],
    ['limit', { limit: 201 }],
    ['from', { from: 'yesterday' }],
    ['cursor', { cursor: 'bm90IGEgY3Vyc29y' }],
  ])('refuses a bad %s with 400 naming it', async (field, query) => {
    givenConsoleStack()

    const error = await refusal(consoleData().executions(query))

    expect(error.status).toBe(400)
    expect(error.message).toMatch(new RegExp(`^${field}: `))
  })

  it('answers no PENDING executions: Step Functions has no such status', async () => {
    givenConsoleStack()

    await expect(consoleData().executions({ status: 'PENDING' })).resolves.toEqual({ items: [] })
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0)
  })
})

describe('AWS console: one execution', () => {
  const arn = executionArn(ImageArn, 'run-1')
  const ts = (second: number) => new Date(Date.parse('2024-05-01T12:00:00.000Z') + second * 1000)

  beforeEach(() => {
    givenConsoleStack()
    // Any other execution does not exist (the general answer first: a matching one set later wins).
    mocks.sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ $metadata: { httpStatusCode: 400 }, message: 'Execution Does Not Exist' }))
    mocks.sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
      executionArn: arn,
      stateMachineArn: ImageArn,
      name: 'run-1',
      status: 'FAILED',
      startDate: ts(0),
      stopDate: ts(9),
      input: JSON.stringify(uploadEvent('uploads/cat.jpg')),
      error: 'ImageFailed',
      cause: 'not an image',
    })
  })

  it("reads every history page and the definition it ran, and derives each state's outcome", async () => {
    mocks.sfn.on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: undefined }).resolves({
      events: [
        {
          id: 1,
          previousEventId: 0,
          timestamp: ts(0),
          type: 'ExecutionStarted',
          executionStartedEventDetails: { input: '{}' },
        },
        {
          id: 2,
          previousEventId: 1,
          timestamp: ts(1),
          type: 'TaskStateEntered',
          stateEnteredEventDetails: { name: 'ValidateImage', input: '{"k":1}' },
        },
        {
          id: 3,
          previousEventId: 2,
          timestamp: ts(1),
          type: 'TaskScheduled',
          taskScheduledEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            region: 'eu-west-1',
            parameters: '{}',
          },
        },
        {
          id: 4,
          previousEventId: 3,
          timestamp: ts(2),
          type: 'TaskFailed',
          taskFailedEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            error: 'UnsupportedImage',
            cause: 'not an image',
          },
        },
      ],
      nextToken: 'more',
    })
    mocks.sfn.on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: 'more' }).resolves({
      events: [
        {
          id: 5,
          previousEventId: 4,
          timestamp: ts(3),
          type: 'TaskStateExited',
          stateExitedEventDetails: { name: 'ValidateImage', output: '{"error":"UnsupportedImage"}' },
        },
        {
          id: 6,
          previousEventId: 5,
          timestamp: ts(3),
          type: 'TaskStateEntered',
          stateEnteredEventDetails: { name: 'RecordFailure', input: '{}' },
        },
        {
          id: 7,
          previousEventId: 6,
          timestamp: ts(3),
          type: 'TaskScheduled',
          taskScheduledEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            region: 'eu-west-1',
            parameters: '{}',
          },
        },
        {
          id: 8,
          previousEventId: 7,
          timestamp: ts(4),
          type: 'TaskSucceeded',
          taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' },
        },
        {
          id: 9,
          previousEventId: 8,
          timestamp: ts(5),
          type: 'TaskStateExited',
          stateExitedEventDetails: { name: 'RecordFailure', output: '{}' },
        },
        {
          id: 10,
          previousEventId: 9,
          timestamp: ts(5),
          type: 'FailStateEntered',
          stateEnteredEventDetails: { name: 'Failed', input: '{}' },
        },
        {
          id: 11,
          previousEventId: 10,
          timestamp: ts(9),
          type: 'ExecutionFailed',
          executionFailedEventDetails: { error: 'ImageFailed', cause: 'not an image' },
        },
      ],
    })
    mocks.sfn.on(DescribeStateMachineForExecutionCommand, { executionArn: arn }).resolves({
      stateMachineArn: ImageArn,
      name: 'ImageWorkflow',
      definition: JSON.stringify(imageDefinition),
      roleArn: 'r',
      updateDate: ts(0),
    })

    // Act: by name, as the console's links give it.
    const detail = await consoleData().execution('run-1')

    // Assess
    expect(inputsOf(mocks.sfn.commandCalls(GetExecutionHistoryCommand))).toEqual([
      { executionArn: arn, maxResults: 1000, includeExecutionData: true },
      { executionArn: arn, maxResults: 1000, includeExecutionData: true, nextToken: 'more' },
    ])
    expect(detail).toMatchObject({
      name: 'run-1',
      workflow: 'ImageWorkflow',
      status: 'FAILED',
      subject: 'uploads/cat.jpg',
      durationMs: 9000,
      error: 'ImageFailed',
      workflowDefinition: imageDefinition,
    })
    expect(detail.history).toHaveLength(11)
    expect(detail.history[1]).toEqual(
      expect.objectContaining({ id: 2, type: 'TaskStateEntered', timestamp: ts(1).toISOString() }),
    )
    expect(detail.states.map((state) => [state.name, state.outcome])).toEqual([
      ['ValidateImage', 'caught'],
      ['ResizeRenditions', 'not-reached'],
      ['ResizeOne', 'not-reached'],
      ['RecordFailure', 'succeeded'],
      ['Failed', 'failed'],
      ['Done', 'not-reached'],
    ])
    expect(detail.states[0]).toMatchObject({
      input: { k: 1 },
      error: 'UnsupportedImage',
      attempts: [
        {
          startedAt: ts(1).toISOString(),
          endedAt: ts(2).toISOString(),
          error: 'UnsupportedImage',
          cause: 'not an image',
        },
      ],
    })
  })

  it('answers 404 for a name no Standard workflow has', async () => {
    const error = await refusal(consoleData().execution('nope'))

    expect([error.status, error.code]).toEqual([404, 'ExecutionDoesNotExist'])
  })

  it('redrives a FAILED execution with RedriveExecution and answers it as it is now', async () => {
    mocks.sfn.on(RedriveExecutionCommand).resolves({ redriveDate: ts(20) })

    const summary = await consoleData().redriveExecution(arn)

    expect(inputsOf(mocks.sfn.commandCalls(RedriveExecutionCommand))).toEqual([{ executionArn: arn }])
    expect(summary).toMatchObject({ executionArn: arn, name: 'run-1', workflow: 'ImageWorkflow' })
  })

  it("answers 409 without calling RedriveExecution for an execution that is not failed, and maps Step Functions' own refusal to 409", async () => {
    mocks.sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
      executionArn: arn,
      stateMachineArn: ImageArn,
      name: 'run-1',
      status: 'SUCCEEDED',
      startDate: ts(0),
      input: '{}',
    })
    const data = consoleData()

    const notFailed = await refusal(data.redriveExecution(arn))
    expect([notFailed.status, notFailed.code]).toEqual([409, 'ExecutionNotRedrivable'])
    expect(mocks.sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0)

    mocks.sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
      executionArn: arn,
      stateMachineArn: ImageArn,
      name: 'run-1',
      status: 'FAILED',
      startDate: ts(0),
      input: '{}',
    })
    mocks.sfn.on(RedriveExecutionCommand).rejects(
      new ExecutionNotRedrivable({
        $metadata: { httpStatusCode: 400 },
        message: 'Execution is not redrivable: past the 14 days',
      }),
    )
    const refused = await refusal(data.redriveExecution(arn))
    expect([refused.status, refused.code]).toEqual([409, 'ExecutionNotRedrivable'])
    expect(refused.message).toContain('past the 14 days')
  })

  it('starts the same state machine again with the same input', async () => {
    const started = executionArn(ImageArn, 'fresh-uuid')
    mocks.sfn.on(StartExecutionCommand).resolves({ executionArn: started, startDate: ts(30) })

    const summary = await consoleData().startAgain('run-1')

    expect(inputsOf(mocks.sfn.commandCalls(StartExecutionCommand))).toEqual([
      { stateMachineArn: ImageArn, input: JSON.stringify(uploadEvent('uploads/cat.jpg')) },
    ])
    expect(summary).toEqual({
      executionArn: started,
      name: 'fresh-uuid',
      workflow: 'ImageWorkflow',
      status: 'RUNNING',
      startDate: ts(30).toISOString(),
      subject: 'uploads/cat.jpg',
    })
  })
})
