import { Duration, Tags } from 'aws-cdk-lib'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import {
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  type LogOptions,
} from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import type { EventPattern } from '../contracts/patterns'
import { ImportsPrefix, ObjectCreatedType, S3Source } from '../contracts/sources'
import { WorkflowTag } from '../contracts/executions'
import { importRetry } from './retry-policy'
import { catchAll, deadLetterTail, keepEvent, lambdaStep } from './tasks'

/** The rule pattern that starts this workflow: a file created under `imports/` in the upload bucket. */
export const importWorkflowTrigger = (bucketName: string): EventPattern => ({
  source: [S3Source],
  'detail-type': [ObjectCreatedType],
  detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: ImportsPrefix }] } },
})

/**
 * Bulk import: parse the file, validate every row with the order contract, place one `OrderPlaced` per valid
 * row (deduplicated by file version and row) and write a report. A malformed file gets a report, not a failure.
 *
 * Standard: a 10,000-row file takes longer than an Express run should, and runs are rare, so the
 * per-transition price is negligible while exactly-once state transitions keep the import from running twice.
 */
export class ImportWorkflow extends Construct {
  readonly stateMachine: StateMachine

  constructor(
    scope: Construct,
    id: string,
    props: { readonly importOrders: IFunction; readonly deadLetterQueue: IQueue; readonly logs?: LogOptions },
  ) {
    super(scope, id)
    const importOrders = lambdaStep(
      this,
      'ImportOrders',
      props.importOrders,
      TaskInput.fromJsonPathAt('$.event'),
      '$.report',
      importRetry,
    )
    importOrders.addCatch(deadLetterTail(this, 'import', props.deadLetterQueue), catchAll)

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(
        keepEvent(this)
          .next(importOrders)
          .next(new Succeed(this, 'Imported', { outputPath: '$.report.value' })),
      ),
      stateMachineType: StateMachineType.STANDARD,
      // Three tries of the 15-minute step and the dead-letter tail end well within it (test/infra/workflow-timeouts.test.ts).
      timeout: Duration.hours(1),
      tracingEnabled: true,
      ...(props.logs ? { logs: { level: LogLevel.ALL, includeExecutionData: true, ...props.logs } } : {}),
    })
    Tags.of(this.stateMachine).add(WorkflowTag, 'import')
  }
}
