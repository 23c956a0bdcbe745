import { Match, Template } from 'aws-cdk-lib/assertions'
import { EventBus } from 'aws-cdk-lib/aws-events'
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Queue } from 'aws-cdk-lib/aws-sqs'
import { UploadBucket } from '../../infra/aws/constructs/upload-bucket'
import { permissionsOf, resourceAt, testStack } from './support/synth'

const build = () => {
  const stack = testStack()
  const uploads = new UploadBucket(stack, 'Storage', {
    bus: new EventBus(stack, 'Bus'),
    forwardDeadLetterQueue: new Queue(stack, 'RuleDlq'),
  })
  return { stack, uploads }
}

/** The bucket policy statement that denies any request made without TLS, on the bucket and its objects. */
const denyInsecureTransport = (bucketId: string) =>
  Match.objectLike({
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    Resource: [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }],
  })

describe('UploadBucket', () => {
  const { stack } = build()
  const template = Template.fromStack(stack)
  const uploads = resourceAt(template, 'Storage/Uploads/Resource')
  const accessLogs = resourceAt(template, 'Storage/AccessLogs/Resource')

  it('makes the upload bucket and its access-log bucket, both retained with the stack', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2)
    expect(uploads.resource.DeletionPolicy).toBe('Retain')
    expect(accessLogs.resource.DeletionPolicy).toBe('Retain')
  })

  it.each([
    ['upload', 'Storage/Uploads/Resource'],
    ['access-log', 'Storage/AccessLogs/Resource'],
  ])('encrypts the %s bucket with S3-managed keys, blocks public access and disables ACLs', (_name, path) => {
    expect(resourceAt(template, path).resource.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    })
  })

  it.each([
    ['upload', 'Storage/Uploads/Resource'],
    ['access-log', 'Storage/AccessLogs/Resource'],
  ])('lets the %s bucket be reached over TLS only', (_name, path) => {
    const bucketId = resourceAt(template, path).id
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([denyInsecureTransport(bucketId)]) },
    })
  })

  it('versions uploads, expires noncurrent versions after 30 days and aborts stale multipart uploads', () => {
    expect(uploads.resource.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          {
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    })
  })

  it('writes server access logs to the log bucket, by a bucket policy for the logging service scoped to the upload bucket', () => {
    expect(uploads.resource.Properties).toMatchObject({
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogs.id }, LogFilePrefix: 'uploads-bucket/' },
    })
    expect(accessLogs.resource.Properties).not.toHaveProperty('AccessControl')
    expect(accessLogs.resource.Properties).toMatchObject({
      LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 90 }] },
    })
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: accessLogs.id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [uploads.id, 'Arn'] } } },
          }),
        ]),
      },
    })
  })

  it('turns EventBridge notifications on and forwards those a rule routes from the default bus to the pipeline bus, with a DLQ', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: uploads.id },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    })
    const rule = resourceAt(template, 'Storage/ForwardUploadNotifications/Resource').resource
    expect(rule.Properties).not.toHaveProperty('EventBusName')
    expect(rule.Properties).toMatchObject({
      // Only what a rule routes: each forwarded event is billed as a custom event (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html)
      EventPattern: {
        source: ['aws.s3'],
        detail: {
          bucket: { name: [{ Ref: uploads.id }] },
          object: { key: [{ prefix: 'uploads/' }, { prefix: 'imports/' }] },
        },
      },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^Bus/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^RuleDlq/), 'Arn'] } },
        },
      ],
    })
  })

  it("sends the CDK's notifications handler's logs to a log group kept a month, not one kept for ever", () => {
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html
    const handler = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('BucketNotificationsHandler'),
    )![1]
    const logs = resourceAt(template, 'Storage/NotificationsHandlerLogs/Resource')
    expect(handler.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logs.id } })
    expect(logs.resource.Properties).toMatchObject({ RetentionInDays: 30 })
  })

  it('grants reads and writes under the prefixes named only, and listing so a missing key is a 404', () => {
    const { stack: grantStack, uploads: bucket } = build()
    const reader = new Role(grantStack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') })

    bucket.grantReadObjects(reader, 'uploads/', 'thumbnails/')
    bucket.grantWriteObjects(reader, 'thumbnails/')

    expect(permissionsOf(Template.fromStack(grantStack), 'Reader')).toEqual([
      's3:GetObject on <StorageUploads.Arn>/thumbnails/*',
      's3:GetObject on <StorageUploads.Arn>/uploads/*',
      's3:ListBucket on <StorageUploads.Arn>',
      's3:PutObject on <StorageUploads.Arn>/thumbnails/*',
    ])
  })
})
