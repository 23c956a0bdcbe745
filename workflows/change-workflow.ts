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
import { ChangesSource, OrderChangedType, UserChangedType } from '../contracts/sources'
import { WorkflowTag } from '../contracts/executions'
import { catchAll, deadLetterTail, keepEvent, lambdaStep } from './tasks'

/** The rule pattern that starts this workflow: any change to the orders or users table. */
export const changeWorkflowTrigger: EventPattern = {
  source: [ChangesSource],
  'detail-type': [OrderChangedType, UserChangedType],
}

/**
 * Table change to search index and notifications: INSERT/MODIFY upsert the item's document, REMOVE deletes it;
 * a status change announces old and new status, a new user is welcomed, each once.
 *
 * Express: a change is two quick steps, at the rate of writes to the tables; idempotent steps make Express's
 * at-least-once starts safe, and Standard's per-transition price would buy nothing here.
 */
export class ChangeWorkflow extends Construct {
  readonly stateMachine: StateMachine

  constructor(
    scope: Construct,
    id: string,
    props: {
      readonly apply: IFunction
      readonly notify: IFunction
      readonly deadLetterQueue: IQueue
      readonly logs?: LogOptions
    },
  ) {
    super(scope, id)
    const apply = lambdaStep(this, 'ApplyToSearchIndex', props.apply, TaskInput.fromJsonPathAt('$.event'), '$.applied')
    const notify = lambdaStep(
      this,
      'NotifyChange',
      props.notify,
      TaskInput.fromObject({ event: JsonPath.objectAt('$.event'), executionId: JsonPath.executionId }),
      '$.notified',
    )
    const onFailure = deadLetterTail(this, 'change', props.deadLetterQueue)
    for (const state of [apply, notify]) state.addCatch(onFailure, catchAll)

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(
        keepEvent(this).next(apply).next(notify).next(new Succeed(this, 'Applied')),
      ),
      stateMachineType: StateMachineType.EXPRESS,
      // Two 10-second steps with their retries, and the dead-letter tail, end within it.
      timeout: Duration.minutes(3),
      tracingEnabled: true,
      ...(props.logs ? { logs: { level: LogLevel.ALL, includeExecutionData: true, ...props.logs } } : {}),
    })
    Tags.of(this.stateMachine).add(WorkflowTag, 'change')
  }
}
