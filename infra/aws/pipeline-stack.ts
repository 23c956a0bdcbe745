import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb'
import { EventBus, Rule } from 'aws-cdk-lib/aws-events'
import { EventBus as EventBusTarget, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets'
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import type { Construct } from 'constructs'
import { uploadBucketNotifications } from '../../contracts/patterns'
import { StepNames } from '../../steps/names'
import { ImageWorkflow, imageWorkflowTrigger } from '../../workflows/image-workflow'
import { StepFunction } from './constructs/step-function'

export interface PipelineStackProps extends StackProps {
  /** Name of the pipeline's event bus. */
  readonly busName?: string
}

/**
 * The pipeline on AWS: the upload bucket and its S3-to-EventBridge forwarding, the pipeline bus with its
 * archive, the image workflow and its Lambda steps, tables and dead-letter queues. Hardening comes later.
 */
export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps = {}) {
    super(scope, id, props)
    const bus = new EventBus(this, 'Bus', { eventBusName: props.busName ?? 'pipeline' })
    bus.archive('Archive', { archiveName: 'pipeline-archive', eventPattern: { account: [this.account] }, retention: Duration.days(30) })

    const uploads = new Bucket(this, 'Uploads', {
      eventBridgeEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })
    const queue = (id: string) =>
      new Queue(this, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
    const imageDlq = queue('ImageDeadLetters')
    const ruleDlq = queue('RuleTargetDeadLetters')

    // S3 publishes to the default bus only: forward this bucket's notifications to the pipeline bus.
    new Rule(this, 'ForwardUploadNotifications', {
      eventPattern: uploadBucketNotifications(uploads.bucketName),
      // A bus target takes no retry policy; what it cannot deliver goes to the rule DLQ.
      targets: [new EventBusTarget(bus, { deadLetterQueue: ruleDlq })],
    })

    const table = (id: string, partitionKey: string, ttl?: string) =>
      new Table(this, id, {
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
        removalPolicy: RemovalPolicy.RETAIN,
      })
    const images = table('Images', 'key')
    const search = table('SearchDocuments', 'id')
    const ledger = table('Ledger', 'key', 'expiresAt')

    const environment = {
      BUCKET_NAME: uploads.bucketName,
      IMAGES_TABLE: images.tableName,
      SEARCH_TABLE: search.tableName,
      LEDGER_TABLE: ledger.tableName,
      EVENT_BUS_NAME: bus.eventBusName,
    }
    const fn = (id: string, folder: string, stepName: string, extra: { memorySize?: number; timeout?: Duration; usesSharp?: boolean } = {}) =>
      new StepFunction(this, id, { step: folder, stepName, environment, serviceName: 'images', ...extra }).function

    const steps = {
      validate: fn('ValidateStep', 'validate', StepNames.validate, { memorySize: 1024, usesSharp: true }),
      resize: fn('ResizeStep', 'resize', StepNames.resize, { memorySize: 2048, timeout: Duration.minutes(1), usesSharp: true }),
      persist: fn('PersistStep', 'persist', StepNames.persist),
      index: fn('IndexStep', 'index', StepNames.index),
      notify: fn('NotifyStep', 'notify', StepNames.notify),
      recordFailure: fn('RecordFailureStep', 'record-failure', StepNames.recordFailure),
    }
    uploads.grantRead(steps.validate)
    uploads.grantReadWrite(steps.resize)
    images.grantReadWriteData(steps.persist)
    images.grantReadWriteData(steps.recordFailure)
    search.grantReadWriteData(steps.index)
    ledger.grantReadWriteData(steps.notify)
    bus.grantPutEventsTo(steps.notify)

    const workflow = new ImageWorkflow(this, 'ImageWorkflow', { steps, bus, deadLetterQueue: imageDlq })
    new Rule(this, 'StartImageWorkflow', {
      eventBus: bus,
      eventPattern: imageWorkflowTrigger(uploads.bucketName),
      targets: [new SfnStateMachine(workflow.stateMachine, { deadLetterQueue: ruleDlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    })
  }
}
