import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Key } from 'aws-cdk-lib/aws-kms'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import { Construct } from 'constructs'

export interface AlarmNotificationsProps {
  /** Who hears about alarms by email; they confirm the subscription from the message SNS sends. */
  readonly email?: string
}

/**
 * Where the pipeline's alarms go: one SNS topic, encrypted and TLS-only, with an email subscription when an address
 * is given. The topic's key is a customer-managed key because CloudWatch cannot publish to a topic under the
 * AWS-managed `alias/aws/sns` key, whose policy cannot grant it kms:GenerateDataKey
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html).
 * `enforceSSL` gives the topic a policy of its own, which replaces SNS's default one: so the policy itself lets
 * CloudWatch publish, for this account's alarms only (`aws:SourceAccount`, `aws:SourceArn`,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html), and the key lets it encrypt on the
 * same conditions (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */
export class AlarmNotifications extends Construct {
  readonly topic: Topic
  readonly action: SnsAction

  constructor(scope: Construct, id: string, props: AlarmNotificationsProps = {}) {
    super(scope, id)
    const key = new Key(this, 'Key', {
      description: 'Encrypts the pipeline alarm topic',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    })
    // Only CloudWatch acting for an alarm of this account (confused-deputy protection).
    const fromThisAccountsAlarms = {
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    }
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisAccountsAlarms,
      }),
    )
    this.topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'Pipeline alarms' })
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    )
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email))
    this.action = new SnsAction(this.topic)
  }
}
