import { Duration, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events'
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets'
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam'
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api'
import { Construct } from 'constructs'
import { uploadBucketNotifications } from '../../../contracts/patterns'
import { acknowledge, wildcardResourceFinding } from './findings'

export interface UploadBucketProps {
  /** The pipeline bus: S3 notifies the default bus only, so a rule forwards this bucket's events to it. */
  readonly bus: IEventBus
  /** Where the forwarding rule puts an event it cannot deliver to the pipeline bus. */
  readonly forwardDeadLetterQueue: IQueue
  /** How long an overwritten or deleted upload stays recoverable as a noncurrent version. @default 30 days */
  readonly noncurrentVersionRetention?: Duration
  /** How long S3 server access logs are kept. @default 90 days */
  readonly accessLogRetention?: Duration
}

/**
 * The upload bucket (uploads/, thumbnails/, imports/, reports/) with what S3 recommends for it
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html): all public access blocked,
 * objects owned by the bucket owner (no ACLs), S3-managed encryption, TLS-only access (a bucket policy denies
 * `aws:SecureTransport` false), versioning with noncurrent versions expiring, incomplete multipart uploads aborted,
 * and server access logs in a log bucket of their own. EventBridge notifications are on, and a rule on the default
 * bus forwards this bucket's events to the pipeline bus. Both buckets are retained when the stack is deleted.
 */
export class UploadBucket extends Construct {
  readonly bucket: Bucket
  readonly accessLogs: Bucket
  readonly forwardRule: Rule

  constructor(scope: Construct, id: string, props: UploadBucketProps) {
    super(scope, id)
    // Log delivery by bucket policy to the logging service, not by the legacy log-delivery ACL (which bucket-owner-enforced ownership forbids).
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true)

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Server access logs can only be delivered to a bucket encrypted with SSE-S3.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: props.accessLogRetention ?? Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    })

    this.bucket = new Bucket(this, 'Uploads', {
      eventBridgeEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'uploads-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    })
    // The CDK's own handler that turns EventBridge notifications on, one per stack, created with the bucket above.
    const notificationsHandler = Stack.of(this).node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    )
    if (notificationsHandler) {
      acknowledge(
        notificationsHandler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "The CDK's BucketNotificationsHandler (a custom resource run once per deployment to switch EventBridge notifications on) comes with this managed policy; the CDK offers no way to replace it.",
      )
      // Left alone it logs to a group Lambda creates and keeps for ever: give it one kept a month, deleted with the stack
      // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html).
      const handlerLogs = new LogGroup(this, 'NotificationsHandlerLogs', {
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      })
      ;(notificationsHandler.node.defaultChild as CfnResource).addPropertyOverride('LoggingConfig', {
        LogGroup: handlerLogs.logGroupName,
      })
    }

    // S3 publishes to the default bus only: forward this bucket's notifications to the pipeline bus.
    this.forwardRule = new Rule(this, 'ForwardUploadNotifications', {
      eventPattern: uploadBucketNotifications(this.bucket.bucketName),
      // A bus target takes no retry policy; what it cannot deliver goes to the DLQ.
      targets: [new EventBusTarget(props.bus, { deadLetterQueue: props.forwardDeadLetterQueue })],
    })
  }

  /**
   * Lets `grantee` read objects under the given prefixes (`s3:GetObject`, which HeadObject needs too) and list the
   * bucket, without which S3 answers 403 instead of 404 for a missing key
   * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html#API_HeadObject_RequestSyntax).
   */
  grantReadObjects(grantee: IGrantable, ...prefixes: ReadonlyArray<string>): void {
    Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] })
    this.grantOnPrefixes(grantee, ['s3:GetObject'], prefixes)
  }

  /** Lets `grantee` write (put, replace) objects under the given prefixes, and nothing else. */
  grantWriteObjects(grantee: IGrantable, ...prefixes: ReadonlyArray<string>): void {
    this.grantOnPrefixes(grantee, ['s3:PutObject'], prefixes)
  }

  private grantOnPrefixes(grantee: IGrantable, actions: string[], prefixes: ReadonlyArray<string>): void {
    const resourceArns = prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`))
    Grant.addToPrincipal({ grantee, actions, resourceArns })
    const principal = grantee.grantPrincipal
    if (!Construct.isConstruct(principal)) return
    for (const arn of resourceArns) {
      acknowledge(
        principal,
        wildcardResourceFinding(this, arn),
        'Object keys under one prefix of the upload bucket: the step reads or writes keys it derives from events, so the prefix is the narrowest scope there is.',
      )
    }
  }
}
