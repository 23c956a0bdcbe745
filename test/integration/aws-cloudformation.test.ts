import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  paginateListStackResources,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation'
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs'
import { awsQuery, endpointConfig, xmlText } from '../support/aws-endpoint'
import { pipelineModel, startPipeline, type RunningPipeline } from '../support/pipeline'

/*
 * CloudFormation on the local endpoint, read-only, driven by @aws-sdk/client-cloudformation as `aws cloudformation
 * describe-stacks` drives it. Each test names the page of the CloudFormation API reference it checks
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/).
 */
const ApiReference = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference'

let pipeline: RunningPipeline
let cloudFormation: CloudFormationClient

const refusal = async (request: Promise<unknown>) => {
  try {
    await request
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } }
  }
  throw new Error('the request was expected to fail')
}

beforeAll(async () => {
  pipeline = await startPipeline()
  cloudFormation = new CloudFormationClient(endpointConfig(pipeline.url))
})
afterAll(async () => {
  cloudFormation.destroy()
  await pipeline.close()
})

describe('the stack', () => {
  it(`describes the synthesized stack, its outputs resolved to the local names, ARNs and URLs (${ApiReference}/API_DescribeStacks.html)`, async () => {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'Pipeline' }))
    const stack = Stacks![0]!
    const outputs = Object.fromEntries(stack.Outputs!.map((output) => [output.OutputKey, output.OutputValue]))

    expect(Stacks).toHaveLength(1)
    expect(stack).toMatchObject({
      StackName: 'Pipeline',
      StackId: expect.stringMatching(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/Pipeline\/[0-9a-f-]{36}$/),
      StackStatus: 'CREATE_COMPLETE',
      Description: 'Event pipeline on Step Functions and EventBridge',
    })
    expect(stack.CreationTime).toBeInstanceOf(Date)
    expect(outputs).toMatchObject({
      ApiUrl: `${pipeline.url}/`,
      BusName: 'Pipeline',
      OrdersQueueUrl: `${pipeline.url}/000000000000/OrdersQueue`,
      ImageWorkflowStateMachineArn: expect.stringMatching(/^arn:aws:states:us-east-1:000000000000:stateMachine:/),
      AlarmTopicArn: expect.stringMatching(/^arn:aws:sns:us-east-1:000000000000:/),
    })
    expect(outputs.BucketName).toBe(pipeline.runtime.uploadBucket)
    expect(JSON.parse(outputs.DeadLetterQueueUrls!)).toMatchObject({
      OrdersQueueDeadLetters: `${pipeline.url}/000000000000/OrdersQueueDeadLetters`,
    })
    // Each output is a name the runtime itself uses: the state machine ARN is one the runtime runs.
    expect(pipeline.runtime.model.stateMachines.map((machine) => machine.arn)).toContain(
      outputs.ImageWorkflowStateMachineArn,
    )
    // Without a name, DescribeStacks describes every stack: the one; by its id, the same.
    const all = await cloudFormation.send(new DescribeStacksCommand({}))
    const byId = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack.StackId }))
    expect(all.Stacks!.map((described) => described.StackName)).toEqual(['Pipeline'])
    expect(byId.Stacks![0]!.StackName).toBe('Pipeline')
  })

  it(`lists the stack, by status (${ApiReference}/API_ListStacks.html)`, async () => {
    const all = await cloudFormation.send(new ListStacksCommand({}))
    const complete = await cloudFormation.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }))
    const deleted = await cloudFormation.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }))

    expect(all.StackSummaries).toEqual([
      expect.objectContaining({
        StackName: 'Pipeline',
        StackStatus: 'CREATE_COMPLETE',
        TemplateDescription: 'Event pipeline on Step Functions and EventBridge',
      }),
    ])
    expect(complete.StackSummaries).toHaveLength(1)
    expect(deleted.StackSummaries ?? []).toEqual([])
  })

  it(`lists every resource with its local physical id, a page at a time (${ApiReference}/API_ListStackResources.html)`, async () => {
    const summaries: StackResourceSummary[] = []
    let pages = 0
    for await (const page of paginateListStackResources({ client: cloudFormation }, { StackName: 'Pipeline' })) {
      pages += 1
      summaries.push(...page.StackResourceSummaries!)
    }
    const byType = (type: string) => summaries.filter((summary) => summary.ResourceType === type)
    const template = pipelineModel().stack!.template

    expect(summaries.map((summary) => summary.LogicalResourceId).sort()).toEqual(Object.keys(template.Resources).sort())
    expect(pages).toBe(Math.ceil(summaries.length / 100))
    expect(summaries.every((summary) => summary.ResourceStatus === 'CREATE_COMPLETE')).toBe(true)
    expect(byType('AWS::SQS::Queue').map((summary) => summary.PhysicalResourceId)).toContain(
      `${pipeline.url}/000000000000/OrdersQueue`,
    )
    expect(
      byType('AWS::StepFunctions::StateMachine')
        .map((summary) => summary.PhysicalResourceId)
        .sort(),
    ).toEqual(pipeline.runtime.model.stateMachines.map((machine) => machine.arn).sort())
    expect(byType('AWS::Events::EventBus').map((summary) => summary.PhysicalResourceId)).toEqual(['Pipeline'])
    // A physical id is what the resource's API takes: the queue's URL, to SQS on the same endpoint.
    const sqs = new SQSClient(endpointConfig(pipeline.url))
    const queueUrl = byType('AWS::SQS::Queue').find((summary) => summary.PhysicalResourceId!.endsWith('/OrdersQueue'))!
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl.PhysicalResourceId, AttributeNames: ['QueueArn'] }),
    )
    sqs.destroy()
    expect(Attributes!.QueueArn).toBe('arn:aws:sqs:us-east-1:000000000000:OrdersQueue')
  })

  it(`describes resources by logical id and by physical id (${ApiReference}/API_DescribeStackResources.html, ${ApiReference}/API_DescribeStackResource.html)`, async () => {
    const bus = await cloudFormation.send(
      new DescribeStackResourcesCommand({ StackName: 'Pipeline', LogicalResourceId: 'EventsBus45DE4339' }),
    )
    const byPhysicalId = await cloudFormation.send(
      new DescribeStackResourcesCommand({ PhysicalResourceId: `${pipeline.url}/000000000000/OrdersQueue` }),
    )
    const detail = await cloudFormation.send(
      new DescribeStackResourceCommand({ StackName: 'Pipeline', LogicalResourceId: 'EventsBus45DE4339' }),
    )

    expect(bus.StackResources).toEqual([
      expect.objectContaining({
        StackName: 'Pipeline',
        LogicalResourceId: 'EventsBus45DE4339',
        PhysicalResourceId: 'Pipeline',
        ResourceType: 'AWS::Events::EventBus',
        ResourceStatus: 'CREATE_COMPLETE',
      }),
    ])
    expect(byPhysicalId.StackResources!.map((resource) => resource.ResourceType)).toEqual(['AWS::SQS::Queue'])
    expect(detail.StackResourceDetail).toMatchObject({
      PhysicalResourceId: 'Pipeline',
      ResourceType: 'AWS::Events::EventBus',
    })
    expect(JSON.parse(detail.StackResourceDetail!.Metadata!)).toEqual({
      'aws:cdk:path': expect.stringMatching(/^Pipeline\//),
    })
  })

  it(`answers GetTemplate with the template as synthesized (${ApiReference}/API_GetTemplate.html)`, async () => {
    const { TemplateBody, StagesAvailable } = await cloudFormation.send(
      new GetTemplateCommand({ StackName: 'Pipeline' }),
    )
    expect(JSON.parse(TemplateBody!)).toEqual(pipelineModel().stack!.template)
    expect(StagesAvailable).toEqual(['Original', 'Processed'])
  })
})

describe('bad requests', () => {
  it.each<[string, () => Promise<unknown>, string, number, RegExp | string]>([
    [
      `another stack's name (${ApiReference}/API_DescribeStacks.html)`,
      () => cloudFormation.send(new DescribeStacksCommand({ StackName: 'Other' })),
      'ValidationError',
      400,
      'Stack with id Other does not exist',
    ],
    [
      `another stack's resources (${ApiReference}/API_ListStackResources.html)`,
      () => cloudFormation.send(new ListStackResourcesCommand({ StackName: 'Other' })),
      'ValidationError',
      400,
      'Stack with id Other does not exist',
    ],
    [
      `a missing StackName (${ApiReference}/API_ListStackResources.html)`,
      () => cloudFormation.send(new ListStackResourcesCommand({} as never)),
      'ValidationError',
      400,
      "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
    ],
    [
      `a template stage that does not exist (${ApiReference}/API_GetTemplate.html)`,
      () => cloudFormation.send(new GetTemplateCommand({ StackName: 'Pipeline', TemplateStage: 'Draft' as never })),
      'ValidationError',
      400,
      "1 validation error detected: Value 'Draft' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]",
    ],
    [
      `a resource the stack does not have (${ApiReference}/API_DescribeStackResource.html)`,
      () => cloudFormation.send(new DescribeStackResourceCommand({ StackName: 'Pipeline', LogicalResourceId: 'Nope' })),
      'ValidationError',
      400,
      'Resource Nope does not exist for stack Pipeline',
    ],
    [
      `an action that changes the stack (${ApiReference}/CommonErrors.html)`,
      () => cloudFormation.send(new CreateStackCommand({ StackName: 'Mine', TemplateBody: '{}' })),
      'InvalidAction',
      400,
      'Could not find operation CreateStack for version 2010-05-15',
    ],
  ])('refuses %s', async (_name, request, name, status, message) => {
    const error = await refusal(request())
    expect(error.name).toBe(name)
    expect(error.$metadata.httpStatusCode).toBe(status)
    expect(error.message).toMatch(message)
  })

  it.each<[string, Record<string, string> | string, number, string, string]>([
    [
      'an unknown action',
      { Action: 'Frobnicate', Version: '2010-05-15' },
      400,
      'InvalidAction',
      'Could not find operation Frobnicate for version 2010-05-15',
    ],
    [
      'another API version',
      { Action: 'DescribeStacks', Version: '2011-01-01' },
      400,
      'InvalidAction',
      'Could not find operation DescribeStacks for version 2011-01-01',
    ],
    [
      'no action',
      { Version: '2010-05-15' },
      400,
      'MissingAction',
      'The request is missing an action or a required parameter.',
    ],
    [
      'an oversized body',
      `Action=DescribeStacks&Version=2010-05-15&StackName=${'x'.repeat(1024 * 1024)}`,
      413,
      'RequestEntityTooLarge',
      'Request body is over 1048576 bytes',
    ],
  ])(
    `answers %s in the query protocol's XML error shape (${ApiReference}/CommonErrors.html)`,
    async (_name, params, status, code, message) => {
      const answer = await awsQuery(pipeline.url, 'cloudformation', params)
      expect(answer.status).toBe(status)
      expect(answer.headers.get('content-type')).toBe('text/xml')
      expect(answer.text).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="http:\/\/cloudformation.amazonaws.com\/doc\/2010-05-15\/">/,
      )
      expect([xmlText(answer.text, 'Type'), xmlText(answer.text, 'Code'), xmlText(answer.text, 'Message')]).toEqual([
        'Sender',
        code,
        message,
      ])
      expect(xmlText(answer.text, 'RequestId')).toBe(answer.headers.get('x-amzn-requestid'))
    },
  )
})
