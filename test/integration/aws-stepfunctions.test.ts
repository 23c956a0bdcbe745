import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  RedriveExecutionCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn'
import { WorkflowTag } from '../../contracts/executions'
import * as images from '../support/images'
import { startPipeline, upload, type RunningPipeline } from '../support/pipeline'

// The Step Functions API on the local endpoint, driven by the real SDK client configured only by endpoint and dummy
// credentials (https://docs.aws.amazon.com/step-functions/latest/apireference/API_Operations.html).

let pipeline: RunningPipeline
let sfn: SFNClient

beforeAll(async () => {
  pipeline = await startPipeline()
  sfn = new SFNClient({
    endpoint: pipeline.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // StartSyncExecution's `sync-` host prefix cannot be put before an IP address.
    disableHostPrefix: true,
  })
})
afterAll(async () => {
  sfn.destroy()
  await pipeline.close()
})

const machineArn = (name: string) =>
  pipeline.runtime.executor.stateMachines.find((machine) => machine.workflow === name)!.arn

/** The error an SDK call fails with: its name (the `__type`) and message. */
const failure = async (call: Promise<unknown>) => {
  try {
    await call
  } catch (error) {
    if (error instanceof SFNServiceException)
      return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message }
    throw error
  }
  throw new Error('the call succeeded')
}

const passMachine = JSON.stringify({
  Comment: 'adds one',
  StartAt: 'Add',
  States: { Add: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, End: true } },
})

describe('the Step Functions API on the local endpoint', () => {
  it('lists and describes the template state machines with their tags and definition', async () => {
    const listed = await sfn.send(new ListStateMachinesCommand({}))
    const image = listed.stateMachines!.find((machine) => machine.stateMachineArn === machineArn('image'))!

    expect(image).toMatchObject({ type: 'STANDARD', creationDate: expect.any(Date) })
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: image.stateMachineArn }))
    expect(JSON.parse(described.definition!)).toEqual(
      pipeline.runtime.executor.stateMachines.find((machine) => machine.arn === image.stateMachineArn)!.definition,
    )
    expect(described).toMatchObject({ status: 'ACTIVE', type: 'STANDARD', name: image.name })
    const tags = await sfn.send(new ListTagsForResourceCommand({ resourceArn: image.stateMachineArn }))
    expect(tags.tags).toContainEqual({ key: WorkflowTag, value: 'image' })
  })

  it('shows an uploaded image in ListExecutions and reads its history back, in pages and in reverse', async () => {
    await upload(pipeline.url, 'api/cat.jpg', await images.jpeg(640, 480))
    await pipeline.runtime.executor.idle()

    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('image') }))
    const execution = listed.executions![0]!
    expect(execution).toMatchObject({ status: 'SUCCEEDED', startDate: expect.any(Date), stopDate: expect.any(Date) })

    const whole = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn }))
    const types = whole.events!.map((event) => event.type)
    expect(types[0]).toBe('ExecutionStarted')
    expect(types.at(-1)).toBe('ExecutionSucceeded')
    const firstPage = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 3 }),
    )
    const secondPage = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: execution.executionArn,
        maxResults: 3,
        nextToken: firstPage.nextToken,
      }),
    )
    expect([...firstPage.events!, ...secondPage.events!].map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6])
    const newest = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: execution.executionArn, reverseOrder: true, maxResults: 1 }),
    )
    expect(newest.events![0]!.type).toBe('ExecutionSucceeded')
    const lean = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: execution.executionArn, includeExecutionData: false }),
    )
    expect(lean.events![0]!.executionStartedEventDetails?.input).toBeUndefined()
    const machine = await sfn.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: execution.executionArn }),
    )
    expect(machine.stateMachineArn).toBe(machineArn('image'))
  })

  it('creates a state machine beside the template, runs it with StartSyncExecution, then deletes it', async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'add-one',
        definition: passMachine,
        roleArn: 'arn:aws:iam::000000000000:role/add-one',
        type: 'EXPRESS',
      }),
    )

    const sync = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: created.stateMachineArn, input: '{"n": 41}' }),
    )
    expect(sync).toMatchObject({ status: 'SUCCEEDED', output: '{"n":42}' })

    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }))
    expect(
      await failure(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }))),
    ).toMatchObject({
      name: 'StateMachineDoesNotExist',
      status: 400,
    })
  })

  it('stops a waiting execution (ABORTED with the error given) and redrives a failed one', async () => {
    const waiting = await sfn.send(
      new CreateStateMachineCommand({
        name: 'waits',
        definition: JSON.stringify({
          StartAt: 'Wait',
          States: {
            Wait: { Type: 'Wait', Seconds: 3600, Next: 'Check' },
            Check: {
              Type: 'Choice',
              Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }],
              Default: 'No',
            },
            Done: { Type: 'Succeed' },
            No: { Type: 'Fail', Error: 'NotOk' },
          },
        }),
        roleArn: 'arn:aws:iam::000000000000:role/waits',
      }),
    )
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: waiting.stateMachineArn, name: 'stop-me', input: '{"ok": false}' }),
    )

    await sfn.send(new StopExecutionCommand({ executionArn: started.executionArn, error: 'Halt', cause: 'by test' }))
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Halt', cause: 'by test', redriveStatus: 'REDRIVABLE' })

    const redriven = await sfn.send(new RedriveExecutionCommand({ executionArn: started.executionArn }))
    expect(redriven.redriveDate).toEqual(expect.any(Date))
    const again = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))
    expect(again).toMatchObject({ status: 'RUNNING', redriveCount: 1 })
  })

  it.each([
    ['a definition with a state that goes nowhere', { StartAt: 'A', States: { A: { Type: 'Pass' } } }, 'FAIL'],
    ['a definition AWS accepts', JSON.parse(passMachine) as unknown, 'OK'],
  ])('validates %s as ValidateStateMachineDefinition does', async (_name, definition, result) => {
    const answer = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(definition) }))

    expect(answer.result).toBe(result)
    if (result === 'FAIL') expect(answer.diagnostics![0]).toMatchObject({ severity: 'ERROR', location: '/States/A' })
  })
})

describe('bad requests to the Step Functions API get its errors', () => {
  it.each<[string, string, () => Promise<unknown>]>([
    [
      'an unknown state machine',
      'StateMachineDoesNotExist',
      () =>
        sfn.send(
          new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope' }),
        ),
    ],
    [
      'an unknown execution',
      'ExecutionDoesNotExist',
      () =>
        sfn.send(
          new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:nope:x' }),
        ),
    ],
    [
      'a malformed ARN',
      'InvalidArn',
      () => sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'not-an-arn' })),
    ],
    [
      'an input that is not JSON',
      'InvalidExecutionInput',
      () => sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('image'), input: '{nope' })),
    ],
    [
      'ListExecutions of an Express workflow',
      'StateMachineTypeNotSupported',
      () => sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('order') })),
    ],
    [
      'an invalid definition',
      'InvalidDefinition',
      () =>
        sfn.send(
          new CreateStateMachineCommand({
            name: 'broken',
            definition: '{"StartAt": "Missing", "States": {}}',
            roleArn: 'arn:aws:iam::000000000000:role/x',
          }),
        ),
    ],
    [
      'deleting a state machine of the template',
      'ValidationException',
      () => sfn.send(new DeleteStateMachineCommand({ stateMachineArn: machineArn('image') })),
    ],
  ])('%s: %s', async (_name, code, call) => {
    expect(await failure(call())).toMatchObject({ name: code, status: 400 })
  })

  it.each([
    ['an unknown operation', 'AWSStepFunctions.TagResourceNow', '{}', 'UnknownOperationException'],
    ['a body that is not JSON', 'AWSStepFunctions.DescribeExecution', '{nope', 'SerializationException'],
    ['a missing parameter', 'AWSStepFunctions.DescribeExecution', '{}', 'ValidationException'],
    [
      'a parameter of the wrong type',
      'AWSStepFunctions.DescribeExecution',
      '{"executionArn": 7}',
      'SerializationException',
    ],
  ])('%s answers 400 %s', async (_name, target, body, code) => {
    const response = await fetch(pipeline.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
      body,
    })

    expect(response.status).toBe(400)
    expect(response.headers.get('x-amzn-requestid')).toMatch(/\S/)
    expect(await response.json()).toMatchObject({ __type: code, message: expect.any(String) })
  })

  it('refuses a request signed for another service, as AWS does', async () => {
    const response = await fetch(pipeline.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    })

    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      __type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'states'. ",
    })
  })
})
