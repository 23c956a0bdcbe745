import { Duration, Tags } from 'aws-cdk-lib'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import {
  DefinitionBody,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  type LogOptions,
} from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import type { EventPattern } from '../contracts/patterns'
import { OrderMessageReceivedType, OrderPlacedType, OrdersSource, QueueSource } from '../contracts/sources'
import { WorkflowTag } from '../contracts/executions'
import { catchAll, deadLetterTail, keepEvent, lambdaStep } from './tasks'

export interface OrderSteps {
  readonly validate: IFunction
  readonly persist: IFunction
  readonly notify: IFunction
}

/** The rule pattern that starts this workflow: an order placed through the API or an import, or taken off the queue. */
export const orderWorkflowTrigger: EventPattern = {
  $or: [
    { source: [OrdersSource], 'detail-type': [OrderPlacedType] },
    { source: [QueueSource], 'detail-type': [OrderMessageReceivedType] },
  ],
}

/**
 * Placed order to decision: validate the business rules, persist the decision (a conditional write: a
 * duplicate placement changes nothing), and announce `OrderAccepted` or `OrderRejected` once. The search index
 * learns of the decision from the table's stream (the change workflow), the one place orders are indexed from.
 * Failures that survive the retries go to the order DLQ with the event, error and cause.
 *
 * Express, not Standard: an order takes well under a second, arrives at rates where Standard's $25 per million
 * transitions (about $0.15 per thousand orders here) would dominate the bill, and needs no per-state history
 * kept by AWS. Express runs are at-least-once when started asynchronously; every step is idempotent by orderId.
 */
export class OrderWorkflow extends Construct {
  readonly stateMachine: StateMachine

  constructor(
    scope: Construct,
    id: string,
    props: { readonly steps: OrderSteps; readonly deadLetterQueue: IQueue; readonly logs?: LogOptions },
  ) {
    super(scope, id)
    const { steps } = props
    const validate = lambdaStep(
      this,
      'ValidateOrder',
      steps.validate,
      TaskInput.fromJsonPathAt('$.event'),
      '$.decision',
    )
    const persist = lambdaStep(
      this,
      'PersistDecision',
      steps.persist,
      TaskInput.fromJsonPathAt('$.decision.value'),
      '$.order',
    )
    const notify = lambdaStep(
      this,
      'NotifyDecision',
      steps.notify,
      TaskInput.fromObject({ order: JsonPath.objectAt('$.order.value'), executionId: JsonPath.executionId }),
      '$.notification',
    )
    const onFailure = deadLetterTail(this, 'order', props.deadLetterQueue)
    for (const state of [validate, persist, notify]) state.addCatch(onFailure, catchAll)

    const definition = keepEvent(this)
      .next(validate)
      .next(persist)
      .next(notify)
      .next(new Succeed(this, 'Decided', { outputPath: '$.order.value' }))
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.EXPRESS,
      // Express's longest: four 10-second steps with their retries, and the dead-letter tail, end within it.
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      ...(props.logs ? { logs: { level: LogLevel.ALL, includeExecutionData: true, ...props.logs } } : {}),
    })
    Tags.of(this.stateMachine).add(WorkflowTag, 'order')
  }
}
