import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler'
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets'
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb'
import { EventBus, Rule } from 'aws-cdk-lib/aws-events'
import { EventBus as EventBusTarget, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets'
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import type { Construct } from 'constructs'
import { uploadBucketNotifications, type EventPattern } from '../../contracts/patterns'
import { OrderChangedType, UserChangedType } from '../../contracts/sources'
import { ChangeWorkflow, changeWorkflowTrigger } from '../../workflows/change-workflow'
import { ImportWorkflow, importWorkflowTrigger } from '../../workflows/import-workflow'
import { MaintenanceSchedule, MaintenanceWorkflow } from '../../workflows/maintenance-workflow'
import { OrderWorkflow, orderWorkflowTrigger } from '../../workflows/order-workflow'
import { ChangePipe } from './constructs/change-pipe'
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

    // Orders and users stream their changes (old and new images) to the change pipes.
    const streamedTable = (id: string, partitionKey: string) =>
      new Table(this, id, {
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        stream: StreamViewType.NEW_AND_OLD_IMAGES,
        removalPolicy: RemovalPolicy.RETAIN,
      })
    const orders = streamedTable('Orders', 'orderId')
    orders.addGlobalSecondaryIndex({ indexName: 'byCustomer', partitionKey: { name: 'customerId', type: AttributeType.STRING }, sortKey: { name: 'orderId', type: AttributeType.STRING } })
    orders.addGlobalSecondaryIndex({ indexName: 'pending', partitionKey: { name: 'pendingShard', type: AttributeType.STRING }, sortKey: { name: 'createdAt', type: AttributeType.STRING } })
    const users = streamedTable('Users', 'userId')
    const idempotency = table('Idempotency', 'key', 'expiresAt')

    const ordersDlq = queue('OrdersQueueDeadLetters')
    const ordersQueue = new Queue(this, 'OrdersQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(30),
      deadLetterQueue: { queue: ordersDlq, maxReceiveCount: 3 },
    })
    const orderDlq = queue('OrderDeadLetters')
    const changeDlq = queue('ChangeDeadLetters')
    const importDlq = queue('ImportDeadLetters')
    const pipeDlq = queue('PipeDeadLetters')
    const deadLetterQueues = { ImageDeadLetters: imageDlq, RuleTargetDeadLetters: ruleDlq, OrdersQueueDeadLetters: ordersDlq, OrderDeadLetters: orderDlq, ChangeDeadLetters: changeDlq, ImportDeadLetters: importDlq, PipeDeadLetters: pipeDlq }

    const environment = {
      BUCKET_NAME: uploads.bucketName,
      IMAGES_TABLE: images.tableName,
      SEARCH_TABLE: search.tableName,
      LEDGER_TABLE: ledger.tableName,
      ORDERS_TABLE: orders.tableName,
      USERS_TABLE: users.tableName,
      IDEMPOTENCY_TABLE: idempotency.tableName,
      EVENT_BUS_NAME: bus.eventBusName,
      DEAD_LETTER_QUEUES: Stack.of(this).toJsonString(Object.fromEntries(Object.entries(deadLetterQueues).map(([name, dlq]) => [name, dlq.queueUrl]))),
    }
    const fn = (id: string, folder: string, stepName: string, extra: { memorySize?: number; timeout?: Duration; usesSharp?: boolean; serviceName?: string } = {}) =>
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
    const start = (id: string, eventPattern: EventPattern, stateMachine: IStateMachine) =>
      new Rule(this, id, {
        eventBus: bus,
        eventPattern: eventPattern as never,
        targets: [new SfnStateMachine(stateMachine, { deadLetterQueue: ruleDlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
      })
    start('StartImageWorkflow', imageWorkflowTrigger(uploads.bucketName), workflow.stateMachine)

    // The HTTP API: one Lambda behind an HTTP API's default route.
    const api = fn('ApiStep', 'api', StepNames.api, { serviceName: 'api' })
    orders.grantReadWriteData(api)
    users.grantReadWriteData(api)
    idempotency.grantReadWriteData(api)
    bus.grantPutEventsTo(api)
    const httpApi = new HttpApi(this, 'HttpApi', { defaultIntegration: new HttpLambdaIntegration('ApiIntegration', api) })

    // Orders: the workflow, started by placements and by queued messages.
    const orderSteps = {
      validate: fn('ValidateOrderStep', 'orders/validate', StepNames.validateOrder, { serviceName: 'orders' }),
      persist: fn('PersistOrderStep', 'orders/persist', StepNames.persistOrder, { serviceName: 'orders' }),
      index: fn('IndexOrderStep', 'orders/index', StepNames.indexOrder, { serviceName: 'orders' }),
      notify: fn('NotifyOrderStep', 'orders/notify', StepNames.notifyOrder, { serviceName: 'orders' }),
    }
    users.grantReadData(orderSteps.validate)
    orders.grantReadWriteData(orderSteps.persist)
    search.grantReadWriteData(orderSteps.index)
    ledger.grantReadWriteData(orderSteps.notify)
    bus.grantPutEventsTo(orderSteps.notify)
    const orderWorkflow = new OrderWorkflow(this, 'OrderWorkflow', { steps: orderSteps, deadLetterQueue: orderDlq })
    start('StartOrderWorkflow', orderWorkflowTrigger, orderWorkflow.stateMachine)

    // The orders queue: each valid message becomes an OrderMessageReceived event; a bad one fails alone and,
    // after maxReceiveCount receives, lands in the queue's DLQ.
    const receiveOrders = fn('ReceiveOrdersStep', 'queue', StepNames.receiveOrders, { serviceName: 'orders' })
    bus.grantPutEventsTo(receiveOrders)
    receiveOrders.addEventSource(new SqsEventSource(ordersQueue, { batchSize: 10, reportBatchItemFailures: true }))

    // Table changes: a pipe per table turns stream records into typed events on the bus.
    const decodeOrderChanges = fn('DecodeOrderChangesStep', 'changes/decode-orders', StepNames.decodeOrderChanges, { serviceName: 'changes' })
    const decodeUserChanges = fn('DecodeUserChangesStep', 'changes/decode-users', StepNames.decodeUserChanges, { serviceName: 'changes' })
    new ChangePipe(this, 'OrderChangesPipe', { table: orders, enrichment: decodeOrderChanges, bus, detailType: OrderChangedType, deadLetterQueue: pipeDlq })
    // The users table also holds one `username#<name>` item per user to keep usernames unique: not a user change.
    new ChangePipe(this, 'UserChangesPipe', {
      table: users, enrichment: decodeUserChanges, bus, detailType: UserChangedType, deadLetterQueue: pipeDlq,
      filters: [{ dynamodb: { Keys: { userId: { S: [{ 'anything-but': { prefix: 'username#' } }] } } } }],
    })
    const applyChange = fn('ApplyChangeStep', 'changes/apply', StepNames.applyChange, { serviceName: 'changes' })
    const notifyChange = fn('NotifyChangeStep', 'changes/notify', StepNames.notifyChange, { serviceName: 'changes' })
    search.grantReadWriteData(applyChange)
    ledger.grantReadWriteData(notifyChange)
    bus.grantPutEventsTo(notifyChange)
    const changeWorkflow = new ChangeWorkflow(this, 'ChangeWorkflow', { apply: applyChange, notify: notifyChange, deadLetterQueue: changeDlq })
    start('StartChangeWorkflow', changeWorkflowTrigger, changeWorkflow.stateMachine)

    // Bulk import of orders from files under imports/.
    const importOrders = fn('ImportOrdersStep', 'import', StepNames.importOrders, { serviceName: 'orders', memorySize: 1024, timeout: Duration.minutes(15) })
    uploads.grantReadWrite(importOrders)
    ledger.grantReadWriteData(importOrders)
    bus.grantPutEventsTo(importOrders)
    const importWorkflow = new ImportWorkflow(this, 'ImportWorkflow', { importOrders, deadLetterQueue: importDlq })
    start('StartImportWorkflow', importWorkflowTrigger(uploads.bucketName), importWorkflow.stateMachine)

    // Maintenance every five minutes, by EventBridge Scheduler.
    const maintenanceSteps = {
      expireIdempotency: fn('ExpireIdempotencyStep', 'maintenance/expire-idempotency', StepNames.expireIdempotency, { serviceName: 'maintenance' }),
      reconcileSearch: fn('ReconcileSearchStep', 'maintenance/reconcile-search', StepNames.reconcileSearch, { serviceName: 'maintenance', timeout: Duration.minutes(5) }),
      publishDlqDepths: fn('PublishDlqDepthsStep', 'maintenance/publish-dlq-depths', StepNames.publishDlqDepths, { serviceName: 'maintenance' }),
      republishStaleOrders: fn('RepublishStaleOrdersStep', 'maintenance/republish-stale-orders', StepNames.republishStaleOrders, { serviceName: 'maintenance' }),
    }
    idempotency.grantReadWriteData(maintenanceSteps.expireIdempotency)
    orders.grantReadData(maintenanceSteps.reconcileSearch)
    users.grantReadData(maintenanceSteps.reconcileSearch)
    search.grantReadWriteData(maintenanceSteps.reconcileSearch)
    for (const dlq of Object.values(deadLetterQueues)) dlq.grant(maintenanceSteps.publishDlqDepths, 'sqs:GetQueueAttributes')
    bus.grantPutEventsTo(maintenanceSteps.publishDlqDepths)
    orders.grantReadData(maintenanceSteps.republishStaleOrders)
    bus.grantPutEventsTo(maintenanceSteps.republishStaleOrders)
    const maintenance = new MaintenanceWorkflow(this, 'MaintenanceWorkflow', { steps: maintenanceSteps })
    new Schedule(this, 'MaintenanceSchedule', {
      schedule: ScheduleExpression.expression(MaintenanceSchedule),
      target: new StepFunctionsStartExecution(maintenance.stateMachine, { input: ScheduleTargetInput.fromObject({}), deadLetterQueue: ruleDlq, retryAttempts: 3, maxEventAge: Duration.minutes(10) }),
    })

    new CfnOutput(this, 'ApiUrl', { value: httpApi.apiEndpoint })
    new CfnOutput(this, 'BucketName', { value: uploads.bucketName })
    new CfnOutput(this, 'BusName', { value: bus.eventBusName })
    new CfnOutput(this, 'OrdersQueueUrl', { value: ordersQueue.queueUrl })
  }
}
