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

  it('subscribes the address it is given by email', () => {
    const stack = testStack()
    new AlarmNotifications(stack, 'Alarms', { email: 'ops@example.com' })
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    })
  })
})
