import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import type { Construct } from 'constructs'
import { AlarmNotifications } from './constructs/alarm-notifications'
import { BulkImport } from './constructs/bulk-import'
import { ChangeProcessing } from './constructs/change-processing'
import { DeadLetterQueues } from './constructs/dead-letter-queues'
import { EventBusWithArchive } from './constructs/event-bus-with-archive'
import { HttpApiFront } from './constructs/http-api-front'
import { ImageProcessing } from './constructs/image-processing'
import { Maintenance } from './constructs/maintenance'
import { Observability } from './constructs/observability'
import { OrderProcessing } from './constructs/order-processing'
import { OrdersQueue } from './constructs/orders-queue'
import { PipelineTables } from './constructs/pipeline-tables'
import { SearchDomain, type SearchDomainProps } from './constructs/search-domain'
import { TracingSampling } from './constructs/tracing-sampling'
import { UploadBucket } from './constructs/upload-bucket'
import type { WorkflowId, WorkflowLogging } from './constructs/workflow-plumbing'
import { SearchDisabledEndpoint } from './layers/search-index-opensearch'

export interface PipelineStackProps extends StackProps {
  /** Name of the pipeline's event bus. @default the stack's name */
  readonly busName?: string
  /** An address that receives the alarms by email (context `alarmEmail`); without it, subscribe to the topic yourself. */
  readonly alarmEmail?: string
  /**
   * What each workflow logs, by workflow; one left out logs at its `DefaultWorkflowLogging`
   * (`constructs/workflow-plumbing.ts`, which says why). The app reads it from the `workflowLogLevel` context value.
   */
  readonly workflowLogging?: Partial<Record<WorkflowId, WorkflowLogging>>
  /**
   * The search domain's size, or `false` for a stack without search (context `search=false`): no domain to pay for,
   * the index steps skip, and `GET /search` answers 501 saying why. @default a one-node t3.small.search domain
   */
  readonly search?: SearchDomainProps | false
}

/** The Step Functions console page of a state machine, in the stack's region. */
const stepFunctionsConsoleUrl = (stateMachine: StateMachine) =>
  `https://${Aws.REGION}.console.aws.amazon.com/states/home?region=${Aws.REGION}#/statemachines/view/${stateMachine.stateMachineArn}`

/**
 * The pipeline on AWS, one construct per concern: the bus and its archive, the upload bucket, the tables, the
 * queues, the image, order, change, import and maintenance processing, the HTTP API, and the alarms and dashboard.
 * Every step is granted only what its program uses; cdk-nag's AWS Solutions and Serverless packs pass (see `app.ts`).
 */
export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps = {}) {
    super(scope, id, { description: 'Event pipeline on Step Functions and EventBridge', ...props })
    const { bus, archive } = new EventBusWithArchive(this, 'Events', props.busName ? { busName: props.busName } : {})
    const { queues: dlqs } = new DeadLetterQueues(this, 'DeadLetters')
    const uploads = new UploadBucket(this, 'Storage', { bus, forwardDeadLetterQueue: dlqs.RuleTargetDeadLetters })
    const tables = new PipelineTables(this, 'Tables')
    const search = props.search === false ? undefined : new SearchDomain(this, 'Search', props.search ?? {})
    const ordersQueue = new OrdersQueue(this, 'OrderIntake')
    const deadLetterQueues = { ...dlqs, OrdersQueueDeadLetters: ordersQueue.deadLetterQueue }

    // Every step gets the name of every resource a service may use (see `serviceEnv` in layers/aws-live.ts); its
    // role, not its environment, decides what it may touch.
    const environment = {
      BUCKET_NAME: uploads.bucket.bucketName,
      IMAGES_TABLE: tables.images.tableName,
      SEARCH_ENDPOINT: search?.endpoint ?? SearchDisabledEndpoint,
      STATE_TABLE: tables.state.tableName,
      LEDGER_TABLE: tables.ledger.tableName,
      ORDERS_TABLE: tables.orders.tableName,
      USERS_TABLE: tables.users.tableName,
      IDEMPOTENCY_TABLE: tables.idempotency.tableName,
      EVENT_BUS_NAME: bus.eventBusName,
      DEAD_LETTER_QUEUES: this.toJsonString(
        Object.fromEntries(Object.entries(deadLetterQueues).map(([name, dlq]) => [name, dlq.queueUrl])),
      ),
    }
    const shared = { bus, tables, search, environment, ruleDeadLetterQueue: dlqs.RuleTargetDeadLetters }

    const images = new ImageProcessing(this, 'ImageProcessing', {
      ...shared,
      uploads,
      deadLetterQueue: dlqs.ImageDeadLetters,
      logging: props.workflowLogging?.ImageWorkflow,
    })
    const api = new HttpApiFront(this, 'Api', { bus, tables, uploads, search, environment })
    const orders = new OrderProcessing(this, 'OrderProcessing', {
      ...shared,
      ordersQueue: ordersQueue.queue,
      deadLetterQueue: dlqs.OrderDeadLetters,
      logging: props.workflowLogging?.OrderWorkflow,
    })
    const changes = new ChangeProcessing(this, 'ChangeProcessing', {
      ...shared,
      pipeDeadLetterQueue: dlqs.PipeDeadLetters,
      deadLetterQueue: dlqs.ChangeDeadLetters,
      logging: props.workflowLogging?.ChangeWorkflow,
    })
    const imports = new BulkImport(this, 'BulkImport', {
      ...shared,
      uploads,
      deadLetterQueue: dlqs.ImportDeadLetters,
      logging: props.workflowLogging?.ImportWorkflow,
    })
    const maintenance = new Maintenance(this, 'Maintenance', {
      bus,
      tables,
      search,
      environment,
      deadLetterQueues,
      scheduleDeadLetterQueue: dlqs.RuleTargetDeadLetters,
      logging: props.workflowLogging?.MaintenanceWorkflow,
    })

    const workflows = {
      ImageWorkflow: images.stateMachine,
      OrderWorkflow: orders.stateMachine,
      ChangeWorkflow: changes.stateMachine,
      ImportWorkflow: imports.stateMachine,
      MaintenanceWorkflow: maintenance.stateMachine,
    }
    const steps = [
      ...images.steps,
      api.step,
      api.searchStep,
      ...orders.steps,
      ...changes.steps,
      ...imports.steps,
      ...maintenance.steps,
    ]
    const notifications = new AlarmNotifications(
      this,
      'AlarmNotifications',
      props.alarmEmail ? { email: props.alarmEmail } : {},
    )
    const observability = new Observability(this, 'Observability', {
      alarmAction: notifications.action,
      deadLetterQueues,
      workflows,
      steps: Object.fromEntries(steps.map((step) => [step.node.id, step.function])),
      httpApi: api.httpApi,
      // A pipe's Ref is its name, the PipeName dimension of its metrics.
      pipes: Object.fromEntries(changes.pipes.map((pipe) => [pipe.node.id, pipe.pipe.ref])),
      workQueues: { OrdersQueue: ordersQueue.queue },
    })

    new TracingSampling(this, 'TracingSampling')

    new CfnOutput(this, 'ApiUrl', {
      value: api.url,
      description: 'Base URL of the HTTP API (IAM-authorized: sign requests with SigV4)',
    })
    new CfnOutput(this, 'BucketName', {
      value: uploads.bucket.bucketName,
      description: 'Upload bucket: uploads/ for images, imports/ for order files',
    })
    new CfnOutput(this, 'BusName', { value: bus.eventBusName })
    new CfnOutput(this, 'ArchiveName', {
      value: archive.archiveName,
      description: "The bus's archive, which replays read",
    })
    new CfnOutput(this, 'SearchDomainName', {
      value: search?.domainName ?? 'none',
      description: 'The OpenSearch Service domain behind GET /search (none when deployed with -c search=false)',
    })
    new CfnOutput(this, 'OrdersQueueUrl', { value: ordersQueue.queue.queueUrl })
    new CfnOutput(this, 'DeadLetterQueueUrls', {
      value: environment.DEAD_LETTER_QUEUES,
      description: "Each dead-letter queue's URL by the name the local runtime gives it (JSON)",
    })
    for (const [name, stateMachine] of Object.entries(workflows)) {
      new CfnOutput(this, `${name}StateMachineArn`, { value: stateMachine.stateMachineArn })
      new CfnOutput(this, `${name}ConsoleUrl`, {
        value: stepFunctionsConsoleUrl(stateMachine),
        description: `${name} in the Step Functions console`,
      })
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      value: notifications.topic.topicArn,
      description: 'Every alarm notifies this SNS topic',
    })
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${observability.dashboard.dashboardName}`,
      description: "The pipeline's CloudWatch dashboard",
    })
  }
}
