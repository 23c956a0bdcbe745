import type { CfnTemplate } from '../../../../../infra/aws/synth'
import {
  localModel,
  LocalAccount,
  LocalRegion,
  LocalStackName,
  resolveIntrinsics,
} from '../../../../../infra/local/model/template'

import { WorkflowTag } from '../../../../../contracts/executions'
const arn = (service: string, resource: string) => `arn:aws:${service}:${LocalRegion}:${LocalAccount}:${resource}`

/** A small template in the shape `cdk synth` writes: logical ids with their 8-hex-digit hash, intrinsics everywhere. */
const template: CfnTemplate = {
  Resources: {
    Uploads4F6EB0FD: { Type: 'AWS::S3::Bucket', Properties: {} },
    UploadsNotificationsC0FFEE00: {
      Type: 'Custom::S3BucketNotifications',
      Properties: {
        BucketName: { Ref: 'Uploads4F6EB0FD' },
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      },
    },
    Renditions1A2B3C4D: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'renditions-bucket' } },
    Direct5E6F7A8B: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: 'direct',
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      },
    },
    PipelineBusD1E2F3A4: { Type: 'AWS::Events::EventBus', Properties: { Name: 'pipeline' } },
    PipelineArchiveB5C6D7E8: {
      Type: 'AWS::Events::Archive',
      Properties: {
        SourceArn: { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Arn'] },
        EventPattern: { source: ['pipeline.images'] },
        RetentionDays: 7,
      },
    },
    DeadLettersF9A0B1C2: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dead-letters' } },
    Outcomes3D4E5F60: { Type: 'AWS::SQS::Queue' },
    ValidateFunction7A8B9C0D: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'validate-fn',
        Environment: {
          Variables: {
            PIPELINE_STEP: 'validate-image',
            BUCKET_NAME: { Ref: 'Uploads4F6EB0FD' },
            REGION: { Ref: 'AWS::Region' },
          },
        },
      },
    },
    HelperFunctionE1F2A3B4: {
      Type: 'AWS::Lambda::Function',
      Properties: { Environment: { Variables: { OTHER: 'x' } } },
    },
    ImageWorkflowStateMachine5C6D7E8F: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        DefinitionString: {
          'Fn::Join': [
            '',
            [
              '{"StartAt":"Validate","States":{"Validate":{"Type":"Task","Resource":"',
              { 'Fn::GetAtt': ['ValidateFunction7A8B9C0D', 'Arn'] },
              '","End":true}}}',
            ],
          ],
        },
        Tags: [{ Key: WorkflowTag, Value: 'image' }],
      },
    },
    FastMachine9A0B1C2D: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: 'fast',
        StateMachineType: 'EXPRESS',
        Definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
      },
    },
    ForwardUploadsRule3E4F5A6B: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['aws.s3'], detail: { bucket: { name: [{ Ref: 'Uploads4F6EB0FD' }] } } },
        Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Arn'] } }],
      },
    },
    StartWorkflowRule7C8D9E0F: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'PipelineBusD1E2F3A4' },
        EventPattern: { 'detail-type': ['Object Created'] },
        Targets: [
          {
            Id: 'Target0',
            Arn: { Ref: 'ImageWorkflowStateMachine5C6D7E8F' },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLettersF9A0B1C2', 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          },
        ],
      },
    },
    OutcomesRule1A2B3C4E: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: 'collect-outcomes',
        EventBusName: { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Arn'] },
        EventPattern: { source: ['pipeline.images'] },
        Targets: [{ Id: 'Queue', Arn: { 'Fn::GetAtt': ['Outcomes3D4E5F60', 'Arn'] } }],
      },
    },
    DisabledRule5F6A7B8C: {
      Type: 'AWS::Events::Rule',
      Properties: { State: 'DISABLED', EventPattern: { source: ['x'] }, Targets: [] },
    },
    WorkflowRole9D0E1F2A: { Type: 'AWS::IAM::Role', Properties: {} },
    Images3B4C5D6E: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'images' } },
  },
}

describe('resolveIntrinsics', () => {
  it.each([
    ['AWS::Region', LocalRegion],
    ['AWS::AccountId', LocalAccount],
    ['AWS::Partition', 'aws'],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::StackName', LocalStackName],
  ])('resolves Ref %s', (pseudo, value) => {
    expect(resolveIntrinsics(template, { Ref: pseudo })).toBe(value)
  })

  it.each([
    ['Ref to a Lambda function: its name', { Ref: 'ValidateFunction7A8B9C0D' }, 'validate-fn'],
    [
      'Arn of a Lambda function',
      { 'Fn::GetAtt': ['ValidateFunction7A8B9C0D', 'Arn'] },
      arn('lambda', 'function:validate-fn'),
    ],
    [
      'Arn of a Lambda function named by its logical id',
      { 'Fn::GetAtt': ['HelperFunctionE1F2A3B4', 'Arn'] },
      arn('lambda', 'function:HelperFunction'),
    ],
    [
      'Ref to a queue: its URL',
      { Ref: 'DeadLettersF9A0B1C2' },
      `http://sqs.${LocalRegion}.localhost/${LocalAccount}/dead-letters`,
    ],
    [
      'QueueUrl of a queue',
      { 'Fn::GetAtt': ['Outcomes3D4E5F60', 'QueueUrl'] },
      `http://sqs.${LocalRegion}.localhost/${LocalAccount}/Outcomes`,
    ],
    ['Arn of a queue', { 'Fn::GetAtt': ['DeadLettersF9A0B1C2', 'Arn'] }, arn('sqs', 'dead-letters')],
    ['QueueName of a queue', { 'Fn::GetAtt': ['Outcomes3D4E5F60', 'QueueName'] }, 'Outcomes'],
    ['Ref to an event bus: its name', { Ref: 'PipelineBusD1E2F3A4' }, 'pipeline'],
    ['Arn of an event bus', { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Arn'] }, arn('events', 'event-bus/pipeline')],
    ['Name of an event bus', { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Name'] }, 'pipeline'],
    ['Ref to a state machine: its ARN', { Ref: 'FastMachine9A0B1C2D' }, arn('states', 'stateMachine:fast')],
    [
      'Arn of a state machine named by its logical id',
      { 'Fn::GetAtt': ['ImageWorkflowStateMachine5C6D7E8F', 'Arn'] },
      arn('states', 'stateMachine:ImageWorkflowStateMachine'),
    ],
    ['Name of a state machine', { 'Fn::GetAtt': ['FastMachine9A0B1C2D', 'Name'] }, 'fast'],
    ['Ref to a bucket named by its logical id: lower case, hash dropped', { Ref: 'Uploads4F6EB0FD' }, 'uploads'],
    ['Arn of a bucket', { 'Fn::GetAtt': ['Renditions1A2B3C4D', 'Arn'] }, 'arn:aws:s3:::renditions-bucket'],
    [
      'Arn of an archive',
      { 'Fn::GetAtt': ['PipelineArchiveB5C6D7E8', 'Arn'] },
      arn('events', 'archive/PipelineArchive'),
    ],
    ['Arn of a table', { 'Fn::GetAtt': ['Images3B4C5D6E', 'Arn'] }, arn('dynamodb', 'table/images')],
    [
      'Arn of a role',
      { 'Fn::GetAtt': ['WorkflowRole9D0E1F2A', 'Arn'] },
      `arn:aws:iam::${LocalAccount}:role/WorkflowRole`,
    ],
  ])('resolves %s', (_name, intrinsic, value) => {
    expect(resolveIntrinsics(template, intrinsic)).toBe(value)
  })

  it.each([
    [
      'Fn::Join of strings and intrinsics',
      { 'Fn::Join': [':', ['a', { Ref: 'AWS::Region' }, { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Name'] }]] },
      `a:${LocalRegion}:pipeline`,
    ],
    [
      'Fn::Join with an empty separator',
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Uploads4F6EB0FD' }, '/*']] },
      'arn:aws:s3:::uploads/*',
    ],
    [
      'Fn::Sub of pseudo parameters',
      { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:x' },
      arn('states', 'x'),
    ],
    [
      'Fn::Sub of a Ref and a GetAtt',
      { 'Fn::Sub': '${PipelineBusD1E2F3A4} at ${DeadLettersF9A0B1C2.Arn}' },
      `pipeline at ${arn('sqs', 'dead-letters')}`,
    ],
    ['Fn::Sub of plain text', { 'Fn::Sub': 'no variables' }, 'no variables'],
    ['Fn::Select', { 'Fn::Select': [1, ['a', { Ref: 'AWS::Region' }, 'c']] }, LocalRegion],
  ])('resolves %s', (_name, intrinsic, value) => {
    expect(resolveIntrinsics(template, intrinsic)).toBe(value)
  })

  it('resolves intrinsics nested anywhere, leaving other values as they are', () => {
    const value = {
      a: [{ Ref: 'AWS::AccountId' }, 1, null, true],
      b: { c: { Ref: 'PipelineBusD1E2F3A4' }, d: 'text' },
      e: { Ref: 'x', other: 1 },
    }

    expect(resolveIntrinsics(template, value)).toEqual({
      a: [LocalAccount, 1, null, true],
      b: { c: 'pipeline', d: 'text' },
      e: { Ref: 'x', other: 1 },
    })
  })

  it.each([
    ['a Ref to an unknown resource', { Ref: 'Missing' }, 'Ref to unknown resource Missing'],
    ['a GetAtt on an unknown resource', { 'Fn::GetAtt': ['Missing', 'Arn'] }, 'Fn::GetAtt on unknown resource Missing'],
    [
      'an attribute the local runtime does not know',
      { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Policy'] },
      'Fn::GetAtt PipelineBusD1E2F3A4.Policy is not supported by the local runtime',
    ],
    ['a Fn::Sub naming an unknown resource', { 'Fn::Sub': '${Missing}' }, 'Ref to unknown resource Missing'],
  ])('throws on %s', (_name, intrinsic, message) => {
    expect(() => resolveIntrinsics(template, intrinsic)).toThrow(message)
  })
})

describe('localModel', () => {
  const model = localModel(template, WorkflowTag)

  it('has the default bus and every bus of the template', () => {
    expect(model.buses).toEqual([
      { name: 'default', arn: arn('events', 'event-bus/default') },
      { name: 'pipeline', arn: arn('events', 'event-bus/pipeline') },
    ])
  })

  it('names a resource whose name derives from the stack (Ref AWS::StackName) after the local stack', () => {
    const named: CfnTemplate = {
      Resources: {
        BusEA82B648: { Type: 'AWS::Events::EventBus', Properties: { Name: { Ref: 'AWS::StackName' } } },
        QueueF00DF00D: {
          Type: 'AWS::SQS::Queue',
          Properties: { QueueName: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'work']] } },
        },
      },
    }

    const model = localModel(named, WorkflowTag)

    expect(model.buses.map((bus) => bus.name)).toEqual(['default', LocalStackName])
    expect(model.queues.map((queue) => queue.name)).toEqual([`${LocalStackName}-work`])
  })

  it('reads archives with their bus ARN, pattern and retention', () => {
    expect(model.archives).toEqual([
      {
        name: 'PipelineArchive',
        busArn: arn('events', 'event-bus/pipeline'),
        pattern: { source: ['pipeline.images'] },
        retentionDays: 7,
      },
    ])
  })

  it("reads enabled rules with their bus, resolved pattern and targets, with EventBridge's retry defaults", () => {
    expect(model.rules).toEqual([
      {
        name: 'ForwardUploadsRule',
        bus: 'default',
        pattern: { source: ['aws.s3'], detail: { bucket: { name: ['uploads'] } } },
        targets: [
          {
            id: 'Target0',
            arn: arn('events', 'event-bus/pipeline'),
            maximumRetryAttempts: 185,
            maximumEventAgeSeconds: 86400,
          },
        ],
      },
      {
        name: 'StartWorkflowRule',
        bus: 'pipeline',
        pattern: { 'detail-type': ['Object Created'] },
        targets: [
          {
            id: 'Target0',
            arn: arn('states', 'stateMachine:ImageWorkflowStateMachine'),
            deadLetterArn: arn('sqs', 'dead-letters'),
            maximumRetryAttempts: 3,
            maximumEventAgeSeconds: 3600,
          },
        ],
      },
      {
        name: 'collect-outcomes',
        bus: 'pipeline',
        pattern: { source: ['pipeline.images'] },
        targets: [
          { id: 'Queue', arn: arn('sqs', 'Outcomes'), maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 },
        ],
      },
    ])
  })

  it('reads state machines: definition parsed from DefinitionString or taken from Definition, workflow from its tag, type', () => {
    expect(model.stateMachines).toEqual([
      {
        arn: arn('states', 'stateMachine:ImageWorkflowStateMachine'),
        name: 'ImageWorkflowStateMachine',
        workflow: 'image',
        type: 'STANDARD',
        definition: {
          StartAt: 'Validate',
          States: { Validate: { Type: 'Task', Resource: arn('lambda', 'function:validate-fn'), End: true } },
        },
        tags: [{ key: WorkflowTag, value: 'image' }],
        logging: { level: 'OFF', includeExecutionData: false },
        tracing: false,
      },
      {
        arn: arn('states', 'stateMachine:fast'),
        name: 'fast',
        workflow: 'fast',
        type: 'EXPRESS',
        definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
        tags: [],
        logging: { level: 'OFF', includeExecutionData: false },
        tracing: false,
      },
    ])
  })

  it('reads only the functions that are pipeline steps, with their resolved environment', () => {
    expect(model.functions).toEqual([
      {
        arn: arn('lambda', 'function:validate-fn'),
        name: 'validate-fn',
        step: 'validate-image',
        environment: { PIPELINE_STEP: 'validate-image', BUCKET_NAME: 'uploads', REGION: LocalRegion },
      },
    ])
  })

  it('reads queues by name, URL and ARN', () => {
    expect(model.queues).toEqual([
      {
        name: 'dead-letters',
        url: `http://sqs.${LocalRegion}.localhost/${LocalAccount}/dead-letters`,
        arn: arn('sqs', 'dead-letters'),
        properties: { QueueName: 'dead-letters' },
      },
      {
        name: 'Outcomes',
        url: `http://sqs.${LocalRegion}.localhost/${LocalAccount}/Outcomes`,
        arn: arn('sqs', 'Outcomes'),
        properties: {},
      },
    ])
  })

  it('describes the stack as CloudFormation would once deployed: outputs resolved, each resource with its physical id', () => {
    const withOutputs = localModel(
      {
        ...template,
        Outputs: {
          QueueUrl: { Value: { Ref: 'Outcomes3D4E5F60' }, Description: 'where outcomes go' },
          BusArn: { Value: { 'Fn::GetAtt': ['PipelineBusD1E2F3A4', 'Arn'] }, Export: { Name: 'bus-arn' } },
          Unresolvable: { Value: { 'Fn::GetAtt': ['Outcomes3D4E5F60', 'NoSuchAttribute'] } },
        },
      },
      WorkflowTag,
    )

    expect(withOutputs.stack!.name).toBe('Pipeline')
    expect(withOutputs.stack!.outputs).toEqual([
      {
        key: 'QueueUrl',
        value: `http://sqs.${LocalRegion}.localhost/${LocalAccount}/Outcomes`,
        description: 'where outcomes go',
      },
      { key: 'BusArn', value: arn('events', 'event-bus/pipeline'), exportName: 'bus-arn' },
    ])
    expect(withOutputs.stack!.resources).toEqual(
      expect.arrayContaining([
        { logicalId: 'PipelineBusD1E2F3A4', type: 'AWS::Events::EventBus', physicalId: 'pipeline' },
        {
          logicalId: 'DeadLettersF9A0B1C2',
          type: 'AWS::SQS::Queue',
          physicalId: `http://sqs.${LocalRegion}.localhost/${LocalAccount}/dead-letters`,
        },
      ]),
    )
    expect(withOutputs.stack!.resources).toHaveLength(Object.keys(template.Resources).length)
  })

  it('marks buckets with EventBridge notifications, set by the CDK custom resource or on the bucket', () => {
    expect(model.buckets).toEqual([
      { name: 'uploads', eventBridge: true },
      { name: 'renditions-bucket', eventBridge: false },
      { name: 'direct', eventBridge: true },
    ])
  })
})
