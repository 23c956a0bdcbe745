import { Template } from 'aws-cdk-lib/assertions'
import { AlarmNotifications } from '../../infra/aws/constructs/alarm-notifications'
import { pipelineTemplate, resourcesByPath, testStack } from './support/synth'

type Statement = {
  Effect: string
  Principal?: { Service?: string; AWS?: unknown }
  Action: string | string[]
  Condition?: Record<string, Record<string, string>>
}

describe('AlarmNotifications', () => {
  it('sends every alarm of the pipeline to one topic, and outputs its ARN', () => {
    const template = pipelineTemplate()
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'))
    expect(topics).toHaveLength(1)

    const alarms = Object.values(resourcesByPath(template, 'AWS::CloudWatch::Alarm'))
    expect(alarms.length).toBeGreaterThan(0)
    for (const alarm of alarms) expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topics[0] }])
    expect(template.toJSON().Outputs.AlarmTopicArn.Value).toEqual({ Ref: topics[0] })
  })

  it('encrypts the topic with a rotated key that CloudWatch may use, and refuses plain HTTP', () => {
    const template = Template.fromStack(
      (() => {
        const stack = testStack()
        new AlarmNotifications(stack, 'Alarms')
        return stack
      })(),
    )
    const [keyId, key] = Object.entries(template.findResources('AWS::KMS::Key'))[0]!
    expect(key.Properties.EnableKeyRotation).toBe(true)
    const keyStatements = key.Properties.KeyPolicy.Statement as Statement[]
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    )

    const topic = Object.values(template.findResources('AWS::SNS::Topic'))[0]!
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] })
    const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0]!
    expect(topicPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    )
    template.resourceCountIs('AWS::SNS::Subscription', 0)
  })

  it("lets CloudWatch publish, for the alarms of its own account only, since the TLS-only policy replaces SNS's default", () => {
    // enforceSSL writes a topic policy, and a topic policy replaces the default that let the account's services
    // publish: without an Allow for cloudwatch.amazonaws.com no alarm would ever notify
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html, CloudWatch alarms publishing).
    const template = pipelineTemplate()
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'))
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'))
    expect(policies).toHaveLength(1)
    expect(policies[0]!.Properties.Topics).toEqual([{ Ref: topicId }])
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Array<Statement & { Resource: unknown }>
    const sourceArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':cloudwatch:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':alarm:*',
        ],
      ],
    }
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
      {
        Sid: 'AllowCloudWatchAlarmsToPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          ArnLike: { 'aws:SourceArn': sourceArn },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      },
    ])
    // The key, too, serves CloudWatch only on behalf of this account's alarms.
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0]!
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: {
          ArnLike: { 'aws:SourceArn': sourceArn },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      }),
    )
  })

  it('subscribes the address it is given by email', () => {
    const stack = testStack()
    new AlarmNotifications(stack, 'Alarms', { email: 'ops@example.com' })
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    })
  })
})
