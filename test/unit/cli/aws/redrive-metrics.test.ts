import { GetTemplateCommand } from '@aws-sdk/client-cloudformation'
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionDoesNotExist,
  RedriveExecutionCommand,
} from '@aws-sdk/client-sfn'
import { mockClient } from 'aws-sdk-client-mock'
import { ImageArn, OrderArn, StackName, givenStack, inputsOf, mocks, resource, runAws } from './fake-stack'

const cloudwatch = mockClient(CloudWatchClient)
const executionArn = `${ImageArn.replace(':stateMachine:', ':execution:')}:run-1`
const started = new Date('2024-05-01T12:00:00.000Z')

beforeEach(() => {
  givenStack(undefined, [
    resource('ImageProcessingValidateStepFunction0A1B2C3D', 'AWS::Lambda::Function', 'Pipeline-ValidateFn-AAA'),
  ])
  cloudwatch.reset()
  mocks.sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ $metadata: { httpStatusCode: 400 }, message: 'Execution Does Not Exist' }))
})

describe('pipeline --target aws redrive', () => {
  it('redrives a FAILED execution found by name with RedriveExecution, and shows it RUNNING again', async () => {
    mocks.sfn
      .on(DescribeExecutionCommand, { executionArn })
      .resolvesOnce({
        executionArn,
        stateMachineArn: ImageArn,
        name: 'run-1',
        status: 'FAILED',
        startDate: started,
        stopDate: started,
        input: '{}',
      })
      .resolves({
        executionArn,
        stateMachineArn: ImageArn,
        name: 'run-1',
        status: 'RUNNING',
        startDate: started,
        input: '{}',
        redriveCount: 1,
      })
    mocks.sfn.on(RedriveExecutionCommand).resolves({ redriveDate: started })

    const { code, stdout } = await runAws(['redrive', 'run-1', '--json'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.sfn.commandCalls(RedriveExecutionCommand))).toEqual([{ executionArn }])
    expect(JSON.parse(stdout)).toEqual({
      executionArn,
      name: 'run-1',
      workflow: 'image',
      status: 'RUNNING',
      startDate: started.toISOString(),
      redriveCount: 1,
    })
  })

  it('exits 1 with ExecutionNotRedrivable for an execution that succeeded, without asking Step Functions to redrive', async () => {
    mocks.sfn.on(DescribeExecutionCommand, { executionArn }).resolves({
      executionArn,
      stateMachineArn: ImageArn,
      name: 'run-1',
      status: 'SUCCEEDED',
      startDate: started,
      input: '{}',
    })

    const { code, stderr } = await runAws(['redrive', executionArn])

    expect(code).toBe(1)
    expect(stderr).toBe(
      'pipeline redrive: Step Functions answered 409 ExecutionNotRedrivable: execution run-1 is SUCCEEDED: only a FAILED, ABORTED or TIMED_OUT execution can be redriven\n',
    )
    expect(mocks.sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0)
  })

  it('exits 1 naming the workflows for an execution no workflow has', async () => {
    const { code, stderr } = await runAws(['redrive', 'nope'])

    expect(code).toBe(1)
    expect(stderr).toContain('no execution named nope in the workflows of stack Pipeline')
  })
})

describe('pipeline --target aws metrics', () => {
  it("reads the window from CloudWatch for each step's function and each workflow", async () => {
    mocks.cloudformation.on(GetTemplateCommand, { StackName }).resolves({
      TemplateBody: JSON.stringify({
        Resources: {
          ImageProcessingValidateStepFunction0A1B2C3D: {
            Type: 'AWS::Lambda::Function',
            Properties: { Environment: { Variables: { PIPELINE_STEP: 'validate-image' } } },
          },
        },
      }),
    })
    for (const arn of [ImageArn, OrderArn])
      mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: arn }).resolves({
        stateMachineArn: arn,
        name: 'm',
        type: 'STANDARD',
        definition: '{}',
        roleArn: 'r',
        creationDate: started,
      })
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'invocations0', Timestamps: [started], Values: [7] },
        { Id: 'p50_0', Timestamps: [started], Values: [120] },
        { Id: 'succeeded0', Timestamps: [started], Values: [7] },
      ],
    })

    const { code, stdout } = await runAws([
      'metrics',
      '--from',
      '2024-05-01T12:00:00Z',
      '--to',
      '2024-05-01T12:02:00Z',
      '--json',
    ])

    expect(code).toBe(0)
    const view = JSON.parse(stdout) as {
      steps: unknown[]
      workflows: Array<{ workflow: string; succeeded: number; successRate?: number }>
    }
    expect(view.steps).toEqual([{ step: 'validate-image', invocations: 7, errors: 0, coldStarts: 0, p50Ms: 120 }])
    expect(view.workflows.map((workflow) => [workflow.workflow, workflow.succeeded, workflow.successRate])).toEqual([
      ['ImageWorkflow', 7, 1],
      ['OrderWorkflow', 0, undefined],
    ])
    const [call] = inputsOf(cloudwatch.commandCalls(GetMetricDataCommand))
    expect(call).toMatchObject({
      StartTime: new Date('2024-05-01T12:00:00Z'),
      EndTime: new Date('2024-05-01T12:02:00Z'),
    })
  })
})
