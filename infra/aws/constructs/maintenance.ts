import { Duration } from 'aws-cdk-lib'
import type { IEventBus } from 'aws-cdk-lib/aws-events'
import { Grant } from 'aws-cdk-lib/aws-iam'
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler'
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import type { StepKey } from '../../../steps/kit/catalog'
import { MaintenanceSchedule, MaintenanceWorkflow } from '../../../workflows/maintenance-workflow'
import { pendingIndex } from '../layers/order-table-dynamodb'
import { grantTableData, type PipelineTables } from './pipeline-tables'
import type { SearchDomain } from './search-domain'
import { StepFunction } from './step-function'
import {
  acknowledgeInvokedVersions,
  acknowledgeWorkflowRole,
  workflowLogs,
  type WorkflowLogging,
} from './workflow-plumbing'

export interface MaintenanceProps {
  readonly bus: IEventBus
  readonly tables: PipelineTables
  /** The search domain the reconciliation reads and writes; absent when the stack is deployed without search. */
  readonly search?: SearchDomain
  /** The dead-letter queues whose depths are published, by name. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>
  /** Where the schedule puts a start it could not deliver. */
  readonly scheduleDeadLetterQueue: IQueue
  /** The settings every step gets (resource names). */
  readonly environment: Record<string, string>
  /** What the workflow logs. @default its entry in DefaultWorkflowLogging (`constructs/workflow-plumbing.ts`) */
  readonly logging?: WorkflowLogging
}

/**
 * The chores EventBridge Scheduler starts every five minutes (https://docs.aws.amazon.com/scheduler/latest/UserGuide/what-is-scheduler.html):
 * the maintenance workflow (Express) and its three steps. Grants: reconcile reads orders and users, reads and writes
 * its checkpoint and the search domain's index; publish reads each DLQ's attributes and puts the depths on the bus;
 * republish queries the `pending` orders index, updates orders (the republish count, stuck) and puts events on the bus.
 */
export class Maintenance extends Construct {
  readonly steps: ReadonlyArray<StepFunction>
  readonly stateMachine: StateMachine
  readonly schedule: Schedule

  constructor(scope: Construct, id: string, props: MaintenanceProps) {
    super(scope, id)
    const step = (key: StepKey, timeout?: Duration) =>
      new StepFunction(this, key, {
        environment: props.environment,
        serviceName: 'maintenance',
        ...(timeout ? { timeout } : {}),
      })
    // Two tries within the workflow's five minutes (Express's longest).
    const reconcileSearch = step('reconcileSearch', Duration.minutes(2))
    const publishDlqDepths = step('publishDlqDepths')
    const republishStaleOrders = step('republishStaleOrders')
    this.steps = [reconcileSearch, publishDlqDepths, republishStaleOrders]

    grantTableData(props.tables.orders, reconcileSearch.function)
    props.tables.users.grantReadData(reconcileSearch.function)
    props.tables.state.grantReadWriteData(reconcileSearch.function)
    props.search?.grant(reconcileSearch.function, 'reconcile')
    for (const dlq of Object.values(props.deadLetterQueues))
      dlq.grant(publishDlqDepths.function, 'sqs:GetQueueAttributes')
    props.bus.grantPutEventsTo(publishDlqDepths.function)
    grantTableData(props.tables.orders, republishStaleOrders.function, { indexes: [pendingIndex] })
    // It counts each republish on the order, and marks an order stuck: two UpdateItems, nothing else it writes.
    Grant.addToPrincipal({
      grantee: republishStaleOrders.function,
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [props.tables.orders.tableArn],
    })
    props.bus.grantPutEventsTo(republishStaleOrders.function)

    const workflow = new MaintenanceWorkflow(this, 'MaintenanceWorkflow', {
      steps: {
        reconcileSearch: reconcileSearch.function,
        publishDlqDepths: publishDlqDepths.function,
        republishStaleOrders: republishStaleOrders.function,
      },
      logs: workflowLogs(this, 'MaintenanceWorkflow', props.logging),
    })
    this.stateMachine = workflow.stateMachine
    acknowledgeWorkflowRole(this.stateMachine)
    acknowledgeInvokedVersions(
      this.stateMachine,
      this.steps.map((s) => s.function),
    )
    this.schedule = new Schedule(this, 'MaintenanceSchedule', {
      schedule: ScheduleExpression.expression(MaintenanceSchedule),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: props.scheduleDeadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.minutes(10),
      }),
    })
  }
}
