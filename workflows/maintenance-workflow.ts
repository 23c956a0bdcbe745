import { Duration, Tags } from 'aws-cdk-lib'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import {
  DefinitionBody,
  LogLevel,
  Parallel,
  StateMachine,
  StateMachineType,
  TaskInput,
  type LogOptions,
} from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import { WorkflowTag } from '../contracts/executions'
import { choreRetry } from './retry-policy'
import { lambdaStep } from './tasks'

/** How often maintenance runs, as an EventBridge Scheduler expression (the local scheduler reads the same). */
export const MaintenanceSchedule = 'rate(5 minutes)'

/**
 * The search reconciliation's own pace, passed to its step: it works at most once an hour (other runs read its
 * checkpoint and stop), each time through at most 1,000 records of each table and documents of each kind.
 */
export const ReconcileSearchPace = { everyMinutes: 60, recordsPerRun: 1000 }

export interface MaintenanceSteps {
  readonly reconcileSearch: IFunction
  readonly publishDlqDepths: IFunction
  readonly republishStaleOrders: IFunction
}

/**
 * Every five minutes, three independent chores in parallel: reconcile the search index with the tables (hourly and a
 * bounded part at a time: {@link ReconcileSearchPace}), publish the dead-letter depths, and re-publish orders whose
 * placement event was lost. (Expired idempotency records need no chore: the table's TTL deletes them.)
 *
 * Express: a run takes seconds and happens 8,640 times a month; Standard would cost more for history nobody reads.
 */
export class MaintenanceWorkflow extends Construct {
  readonly stateMachine: StateMachine

  constructor(scope: Construct, id: string, props: { readonly steps: MaintenanceSteps; readonly logs?: LogOptions }) {
    super(scope, id)
    const input = TaskInput.fromObject({})
    const chore = (id: string, fn: IFunction, resultPath: string, payload: TaskInput = input) =>
      lambdaStep(this, id, fn, payload, resultPath, choreRetry)
    const chores = new Parallel(this, 'Chores', { resultPath: '$.results' })
      .branch(
        chore(
          'ReconcileSearchIndex',
          props.steps.reconcileSearch,
          '$.reconciled',
          TaskInput.fromObject(ReconcileSearchPace),
        ),
      )
      .branch(chore('PublishDeadLetterDepths', props.steps.publishDlqDepths, '$.depths'))
      .branch(chore('RepublishStaleOrders', props.steps.republishStaleOrders, '$.republished'))

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(chores),
      stateMachineType: StateMachineType.EXPRESS,
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      ...(props.logs ? { logs: { level: LogLevel.ALL, includeExecutionData: true, ...props.logs } } : {}),
    })
    Tags.of(this.stateMachine).add(WorkflowTag, 'maintenance')
  }
}
