import { Duration } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { DeadLetterQueues } from '../../infra/aws/constructs/dead-letter-queues'
import { OrdersQueue } from '../../infra/aws/constructs/orders-queue'
import { resourceAt, resourcesByPath, testStack } from './support/synth'

const DeadLetterNames = [
  'ImageDeadLetters',
  'RuleTargetDeadLetters',
  'OrderDeadLetters',
  'ChangeDeadLetters',
  'ImportDeadLetters',
  'PipeDeadLetters',
]

/** The queue policy of `queueId`: denies any SQS action requested without TLS. */
const sslOnly = (template: Template, queueId: string) =>
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    Queues: [{ Ref: queueId }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        }),
      ]),
    },
  })

describe('DeadLetterQueues', () => {
  const stack = testStack()
  new DeadLetterQueues(stack, 'DeadLetters')
  const template = Template.fromStack(stack)

  it('makes one queue per failure path, under the names the local runtime and the DEAD_LETTER_QUEUES setting use', () => {
    expect(Object.keys(resourcesByPath(template, 'AWS::SQS::Queue')).sort()).toEqual(
      DeadLetterNames.map((name) => `DeadLetters/${name}/Resource`).sort(),
    )
  })

  it.each(DeadLetterNames)(
    'encrypts %s with SQS-managed keys, keeps messages 14 days and refuses requests without TLS',
    (name) => {
      const queue = resourceAt(template, `DeadLetters/${name}/Resource`)
      expect(queue.resource.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      })
      sslOnly(template, queue.id)
    },
  )

  it.each(DeadLetterNames)('retains %s when the stack is deleted: its messages are accepted work', (name) => {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
    const queue = resourceAt(template, `DeadLetters/${name}/Resource`) as unknown as {
      resource: { DeletionPolicy?: string; UpdateReplacePolicy?: string }
    }
    expect([queue.resource.DeletionPolicy, queue.resource.UpdateReplacePolicy]).toEqual(['Retain', 'Retain'])
  })

  it('keeps dead letters for the retention asked for', () => {
    const scratch = testStack()
    new DeadLetterQueues(scratch, 'DeadLetters', { retention: Duration.days(7) })

    Template.fromStack(scratch).allResourcesProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 7 * 24 * 3600 })
  })
})

describe('OrdersQueue', () => {
  const stack = testStack()
  new OrdersQueue(stack, 'OrderIntake')
  const template = Template.fromStack(stack)
  const queue = resourceAt(template, 'OrderIntake/OrdersQueue/Resource')
  const deadLetters = resourceAt(template, 'OrderIntake/OrdersQueueDeadLetters/Resource')

  it("redrives a message to OrdersQueueDeadLetters after three receives, hiding it six times the consumer's timeout", () => {
    expect(queue.resource.Properties).toMatchObject({
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters.id, 'Arn'] }, maxReceiveCount: 3 },
    })
  })

  it.each([
    ['the queue', 'OrderIntake/OrdersQueue/Resource'],
    ['its dead-letter queue', 'OrderIntake/OrdersQueueDeadLetters/Resource'],
  ])('encrypts %s with SQS-managed keys and refuses requests without TLS', (_name, path) => {
    const { id, resource } = resourceAt(template, path)
    expect(resource.Properties).toMatchObject({ SqsManagedSseEnabled: true })
    sslOnly(template, id)
  })

  it.each([
    ['the queue', 'OrderIntake/OrdersQueue/Resource'],
    ['its dead-letter queue', 'OrderIntake/OrdersQueueDeadLetters/Resource'],
  ])('retains %s when the stack is deleted', (_name, path) => {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
    expect(resourceAt(template, path).resource.DeletionPolicy).toBe('Retain')
  })

  it('keeps a dead letter longer than the queue keeps a message, so it cannot expire on arrival', () => {
    expect(Number(deadLetters.resource.Properties!.MessageRetentionPeriod)).toBeGreaterThan(
      Number(queue.resource.Properties!.MessageRetentionPeriod),
    )
  })
})
