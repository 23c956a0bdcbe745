import { Duration } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { EventBusWithArchive } from '../../infra/aws/constructs/event-bus-with-archive'
import { PipelineStack } from '../../infra/aws/pipeline-stack'
import { testApp, testStack } from './support/synth'

describe('EventBusWithArchive', () => {
  it('makes the pipeline bus, named after its stack, and archives what this account puts on it for 30 days', () => {
    const stack = testStack()

    new EventBusWithArchive(stack, 'Events')

    const template = Template.fromStack(stack)
    template.resourceCountIs('AWS::Events::EventBus', 1)
    template.hasResourceProperties('AWS::Events::EventBus', { Name: { Ref: 'AWS::StackName' } })
    template.resourceCountIs('AWS::Events::Archive', 1)
    // No ArchiveName: CloudFormation names it (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-archive.html)
    template.hasResourceProperties('AWS::Events::Archive', {
      ArchiveName: Match.absent(),
      RetentionDays: 30,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsBus'), 'Arn'] },
    })
  })

  it('takes its names and retention from its props', () => {
    const stack = testStack()

    new EventBusWithArchive(stack, 'Events', {
      busName: 'orders-bus',
      archiveName: 'orders-archive',
      retention: Duration.days(7),
    })

    const template = Template.fromStack(stack)
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'orders-bus' })
    template.hasResourceProperties('AWS::Events::Archive', { ArchiveName: 'orders-archive', RetentionDays: 7 })
  })
})

describe('two stacks of the pipeline in one account and region', () => {
  // A bus name is unique per account and region (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-event-bus.html),
  // as is an archive's: a name fixed in the template makes the second stack's deployment fail.
  // The resource types whose name must be unique in an account and region, with their name property.
  const UniqueNames: Readonly<Record<string, string>> = {
    'AWS::Events::EventBus': 'Name',
    'AWS::Events::Archive': 'ArchiveName',
    'AWS::Events::Rule': 'Name',
    'AWS::SQS::Queue': 'QueueName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::S3::Bucket': 'BucketName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::Pipes::Pipe': 'Name',
    'AWS::Scheduler::Schedule': 'Name',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
  }
  const names = (template: Record<string, { Type: string; Properties?: Record<string, unknown> }>) =>
    Object.values(template).flatMap((resource) => {
      const property = UniqueNames[resource.Type]
      const value = property ? resource.Properties?.[property] : undefined
      return value === undefined ? [] : [{ type: resource.Type, value }]
    })

  it('fixes no physical name: each is left to CloudFormation or derived from the stack name', () => {
    const app = testApp()
    const production = new PipelineStack(app, 'Pipeline')
    const staging = new PipelineStack(app, 'PipelineStaging')
    const [first, second] = [production, staging].map(
      (stack) =>
        Template.fromStack(stack).toJSON().Resources as Record<
          string,
          { Type: string; Properties?: Record<string, unknown> }
        >,
    )

    const fixed = [...names(first!), ...names(second!)].filter(
      ({ value }) => typeof value === 'string' || !JSON.stringify(value).includes('AWS::StackName'),
    )
    const literal = (list: ReturnType<typeof names>) =>
      list.filter(({ value }) => typeof value === 'string').map(({ type, value }) => `${type} ${String(value)}`)
    const shared = literal(names(first!)).filter((name) => literal(names(second!)).includes(name))

    expect(shared).toEqual([])
    expect(fixed.filter(({ type }) => type === 'AWS::Events::EventBus' || type === 'AWS::Events::Archive')).toEqual([])
  })
})
