import { GetTemplateCommand, type StackResourceSummary } from '@aws-sdk/client-cloudformation'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn'
import { mockClient } from 'aws-sdk-client-mock'
import { AwsConsoleData } from '../../../../../infra/aws/console/console-data'
import { consoleContext } from '../../../../../infra/aws/console/context'
import { HttpError } from '../../../../../infra/http/errors'
import {
  ImageArn,
  OrderArn,
  Region,
  StackName,
  givenStack,
  mocks,
  queueUrl,
  resource,
  stackOutputs,
} from '../../../cli/aws/fake-stack'

// The CLI's fake stack (every SDK client mocked), plus the clients only the console uses, and what the console reads
// beyond the CLI: each state machine's type and definition, and the template (steps' functions, the image table).

export * from '../../../cli/aws/fake-stack'

export const consoleMocks = { ...mocks, cloudwatch: mockClient(CloudWatchClient), dynamodb: mockClient(DynamoDBClient) }

export const ImagesTable = 'Pipeline-TablesImages1A2B3C4D-XYZ'

export const imageDefinition = {
  StartAt: 'ValidateImage',
  States: {
    ValidateImage: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Next: 'ResizeRenditions',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RecordFailure' }],
    },
    ResizeRenditions: {
      Type: 'Map',
      ItemProcessor: {
        StartAt: 'ResizeOne',
        States: { ResizeOne: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
      },
      Next: 'Done',
    },
    RecordFailure: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'Failed' },
    Failed: { Type: 'Fail', Error: 'ImageFailed' },
    Done: { Type: 'Succeed' },
  },
}

/** Two steps' functions and the image table, as the synthesized template declares them. */
export const template = {
  Resources: {
    ImageProcessingValidateStepFunction0A1B2C3D: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Environment: { Variables: { PIPELINE_STEP: 'validate-image', IMAGES_TABLE: { Ref: 'TablesImages1A2B3C4D' } } },
      },
    },
    ImageProcessingResizeStepFunction4E5F6A7B: {
      Type: 'AWS::Lambda::Function',
      Properties: { Environment: { Variables: { PIPELINE_STEP: 'resize-image' } } },
    },
    TablesImages1A2B3C4D: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  },
}

export const resources: ReadonlyArray<StackResourceSummary> = [
  resource('ImageProcessingValidateStepFunction0A1B2C3D', 'AWS::Lambda::Function', 'Pipeline-ValidateFn-AAA'),
  resource('ImageProcessingResizeStepFunction4E5F6A7B', 'AWS::Lambda::Function', 'Pipeline-ResizeFn-BBB'),
  resource('TablesImages1A2B3C4D', 'AWS::DynamoDB::Table', ImagesTable),
]

export const deadLetterOutputs = {
  DeadLetterQueueUrls: JSON.stringify({
    ImageDeadLetters: queueUrl('ImageDeadLetters'),
    OrdersQueueDeadLetters: queueUrl('OrdersQueueDeadLetters'),
  }),
}

/** A fresh stack: both workflows (the order one `orderType`), their definitions, the template and resources. */
export const givenConsoleStack = (options: { readonly orderType?: 'STANDARD' | 'EXPRESS' } = {}): void => {
  givenStack({ ...stackOutputs, ...deadLetterOutputs }, resources)
  consoleMocks.cloudwatch.reset()
  consoleMocks.dynamodb.reset()
  mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: ImageArn }).resolves({
    stateMachineArn: ImageArn,
    name: 'ImageWorkflow',
    type: 'STANDARD',
    definition: JSON.stringify(imageDefinition),
    roleArn: 'r',
    creationDate: new Date(),
  })
  mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: OrderArn }).resolves({
    stateMachineArn: OrderArn,
    name: 'OrderWorkflow',
    type: options.orderType ?? 'EXPRESS',
    definition: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}',
    roleArn: 'r',
    creationDate: new Date(),
  })
  mocks.cloudformation.on(GetTemplateCommand, { StackName }).resolves({ TemplateBody: JSON.stringify(template) })
}

/** The adapter over the fake stack, its clock at `now`. */
export const consoleData = (now = Date.parse('2024-05-01T13:00:00.000Z')): AwsConsoleData =>
  new AwsConsoleData(consoleContext({ stack: StackName, region: Region, pollMs: 1, now: () => now }))

/** The HttpError a promise rejects with (fails the test if it resolves or rejects with something else). */
export const refusal = async (promise: Promise<unknown>): Promise<HttpError> => {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  if (!(error instanceof HttpError)) throw new Error(`expected a HttpError, got ${String(error)}`)
  return error
}
