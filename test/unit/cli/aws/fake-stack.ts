import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { S3Client } from '@aws-sdk/client-s3'
import { ListTagsForResourceCommand, SFNClient } from '@aws-sdk/client-sfn'
import { SQSClient } from '@aws-sdk/client-sqs'
import { mockClient } from 'aws-sdk-client-mock'
import { main } from '../../../../cli/main'
import { captureIo } from '../fake-runtime'

// The deployed stack the AWS tests run against: every SDK client is mocked (aws-sdk-client-mock stubs `send` on the
// client classes, so the CLI's own clients answer from here), and `calls` tells what the CLI asked.

export const Region = 'eu-west-1'
export const Account = '123456789012'
export const StackName = 'Pipeline'
export const BucketName = 'pipeline-uploads4f6eb0fd-1x2y3z'
export const BusName = 'pipeline'
export const BusArn = `arn:aws:events:${Region}:${Account}:event-bus/${BusName}`
export const ArchiveArn = `arn:aws:events:${Region}:${Account}:archive/pipeline-archive`
export const ImageArn = `arn:aws:states:${Region}:${Account}:stateMachine:ImageWorkflowStateMachine62E1AAF6-k1Xq2Wm3Zp4R`
export const OrderArn = `arn:aws:states:${Region}:${Account}:stateMachine:OrderWorkflowStateMachine0D1E2F3A-a9B8c7D6e5F4`
export const queueUrl = (name: string): string =>
  `https://sqs.${Region}.amazonaws.com/${Account}/${StackName}-${name}-Q1w2E3r4T5y6`
export const queueArn = (name: string): string => `arn:aws:sqs:${Region}:${Account}:${StackName}-${name}-Q1w2E3r4T5y6`

export const mocks = {
  cloudformation: mockClient(CloudFormationClient),
  s3: mockClient(S3Client),
  sfn: mockClient(SFNClient),
  events: mockClient(EventBridgeClient),
  sqs: mockClient(SQSClient),
}

/** The outputs a stack of this version has: the brief's four, and one per state machine ARN. */
export const stackOutputs: Readonly<Record<string, string>> = {
  ApiUrl: `https://abc123.execute-api.${Region}.amazonaws.com`,
  BucketName,
  BusName,
  OrdersQueueUrl: queueUrl('OrdersQueue'),
  ImageWorkflowStateMachineArn: ImageArn,
  OrderWorkflowStateMachineArn: OrderArn,
}

/** Resets every mock, then answers DescribeStacks with `outputs` and ListTagsForResource with each workflow's tag. */
export const givenStack = (
  outputs: Readonly<Record<string, string>> = stackOutputs,
  resources: ReadonlyArray<StackResourceSummary> = [],
): void => {
  for (const mock of Object.values(mocks)) mock.reset()
  mocks.cloudformation.on(DescribeStacksCommand, { StackName }).resolves({
    Stacks: [
      {
        StackName,
        CreationTime: new Date('2024-05-01T00:00:00Z'),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  })
  mocks.cloudformation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [...resources] })
  mocks.sfn
    .on(ListTagsForResourceCommand, { resourceArn: ImageArn })
    .resolves({ tags: [{ key: 'pipeline:workflow', value: 'image' }] })
  mocks.sfn
    .on(ListTagsForResourceCommand, { resourceArn: OrderArn })
    .resolves({ tags: [{ key: 'pipeline:workflow', value: 'order' }] })
}

/** A stack resource as ListStackResources lists it. */
export const resource = (
  LogicalResourceId: string,
  ResourceType: string,
  PhysicalResourceId: string,
): StackResourceSummary => ({
  LogicalResourceId,
  ResourceType,
  PhysicalResourceId,
  ResourceStatus: 'CREATE_COMPLETE',
  LastUpdatedTimestamp: new Date('2024-05-01T00:00:00Z'),
})

/** The inputs of the calls a mock saw of one command, in order: `inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))`. */
export const inputsOf = <C extends { readonly input: unknown }>(
  calls: ReadonlyArray<{ readonly args: readonly [C, ...unknown[]] }>,
): Array<C['input']> => calls.map((call) => call.args[0].input)

/** Runs `pipeline --target aws --region eu-west-1 ARGV` with fast polling; the text it wrote and its exit code. */
export const runAws = async (
  argv: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly tty?: boolean } = {},
) => {
  const { io, stdout, stderr } = captureIo(options.env ?? {}, options.tty ? { tty: true, columns: 120 } : {})
  const code = await main(['--target', 'aws', '--region', Region, ...argv], io, { aws: { pollMs: 1 } })
  return { code, stdout: stdout(), stderr: stderr() }
}
