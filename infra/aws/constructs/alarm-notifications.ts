import { Duration, RemovalPolicy } from 'aws-cdk-lib'
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
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    )
    this.topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'Pipeline alarms' })
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email))
    this.action = new SnsAction(this.topic)
  }
}
