import { Duration } from 'aws-cdk-lib'
import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Tracing } from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'
import type { StepKey } from '../../../steps/kit/catalog'
import { OrderWorkflow, orderWorkflowTrigger } from '../../../workflows/order-workflow'
import { acknowledge } from './findings'
import { grantTableData, type PipelineTables } from './pipeline-tables'
import { StepFunction } from './step-function'
import {
  acknowledgeInvokedVersions,
  acknowledgeWorkflowRole,
  startWorkflowRule,
  workflowLogs,
  type WorkflowLogging,
} from './workflow-plumbing'

export interface OrderProcessingProps {
  readonly bus: IEventBus
  readonly tables: PipelineTables
  /** The queue other systems send orders to; its redrive policy owns the poison messages. */
  readonly ordersQueue: IQueue
  /** Where a failed order goes, with event, error and cause (`OrderDeadLetters`). */
  readonly deadLetterQueue: IQueue
  /** Where the starting rule puts an event it could not deliver. */
  readonly ruleDeadLetterQueue: IQueue
  /** The settings every step gets (resource names). */
  readonly environment: Record<string, string>
  /** What the workflow logs. @default its entry in DefaultWorkflowLogging (`constructs/workflow-plumbing.ts`) */
  readonly logging?: WorkflowLogging
}

/**
 * Orders to decisions: the order workflow (Express) and its three steps, the rule that starts it for every placed or
 * queued order, and the step that turns each message of the orders queue into an `OrderMessageReceived` event.
 * Grants: validate reads users, persist writes the orders table (not its indexes), notify the ledger and the bus,
 * the queue receiver only puts events (its event source mapping consumes the queue). Nothing here touches the search
 * index: the change workflow indexes orders from the table's stream.
 */
export class OrderProcessing extends Construct {
  readonly steps: ReadonlyArray<StepFunction>
  readonly stateMachine: StateMachine
  readonly startRule: Rule

  constructor(scope: Construct, id: string, props: OrderProcessingProps) {
    super(scope, id)
    const step = (key: StepKey, timeout?: Duration, tracing?: Tracing) =>
      new StepFunction(this, key, {
        environment: props.environment,
        serviceName: 'orders',
        ...(timeout ? { timeout } : {}),
        ...(tracing ? { tracing } : {}),
      })
    const validate = step('validateOrder')
    const persist = step('persistOrder')
    const notify = step('notifyOrder')
    // The orders queue's visibility timeout (3 minutes) is six times this, as Lambda advises for an SQS source.
    // Its messages come from clients that do not trace: it follows no sampling decision of its own.
    const receive = step('receiveOrders', Duration.seconds(30), Tracing.PASS_THROUGH)
    this.steps = [validate, persist, notify, receive]

    props.tables.users.grantReadData(validate.function)
    grantTableData(props.tables.orders, persist.function, { write: true })
    props.tables.ledger.grantReadWriteData(notify.function)
    props.bus.grantPutEventsTo(notify.function)

    const workflow = new OrderWorkflow(this, 'OrderWorkflow', {
      steps: { validate: validate.function, persist: persist.function, notify: notify.function },
      deadLetterQueue: props.deadLetterQueue,
      logs: workflowLogs(this, 'OrderWorkflow', props.logging),
    })
    this.stateMachine = workflow.stateMachine
    acknowledgeWorkflowRole(this.stateMachine)
    acknowledgeInvokedVersions(
      this.stateMachine,
      [validate, persist, notify].map((s) => s.function),
    )
    this.startRule = startWorkflowRule(this, 'StartOrderWorkflow', {
      bus: props.bus,
      eventPattern: orderWorkflowTrigger,
      stateMachine: this.stateMachine,
      deadLetterQueue: props.ruleDeadLetterQueue,
    })

    // Each valid message becomes an OrderMessageReceived event; a bad one fails alone (partial batch response) and,
    // after the queue's maxReceiveCount receives, lands in the queue's DLQ.
    props.bus.grantPutEventsTo(receive.function)
    receive.function.addEventSource(
      // At most five batches at once: a flood of queued orders cannot take the account's concurrency from the rest
      // (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency).
      new SqsEventSource(props.ordersQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    )
    acknowledge(
      receive,
      'Serverless-LambdaEventSourceMappingDestination',
      "Lambda supports on-failure destinations for stream and Kafka sources only; for an SQS source the queue's redrive policy is the failure destination (OrdersQueue → OrdersQueueDeadLetters after 3 receives).",
    )
  }
}
