import { Duration } from 'aws-cdk-lib'
import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import { ImportsPrefix, ReportsPrefix } from '../../../contracts/sources'
import { ImportWorkflow, importWorkflowTrigger } from '../../../workflows/import-workflow'
import type { PipelineTables } from './pipeline-tables'
import { StepFunction } from './step-function'
import type { UploadBucket } from './upload-bucket'
import {
  acknowledgeInvokedVersions,
  acknowledgeWorkflowRole,
  deadLetterUncaughtEnds,
  startWorkflowRule,
  workflowLogs,
  type WorkflowLogging,
} from './workflow-plumbing'

export interface BulkImportProps {
  readonly bus: IEventBus
  readonly uploads: UploadBucket
  readonly tables: PipelineTables
  /** Where a failed import goes, with event, error and cause (`ImportDeadLetters`). */
  readonly deadLetterQueue: IQueue
  /** Where the starting rule puts an event it could not deliver. */
  readonly ruleDeadLetterQueue: IQueue
  /** The settings every step gets (resource names). */
  readonly environment: Record<string, string>
  /** What the workflow logs. @default its entry in DefaultWorkflowLogging (`constructs/workflow-plumbing.ts`) */
  readonly logging?: WorkflowLogging
}

/**
 * Bulk import of orders from CSV or JSON files uploaded under `imports/`: the import step (1 GB, up to 15
 * minutes), the import workflow (Standard) and the rule that starts it. The step reads `imports/`, writes its
 * report under `reports/`, claims rows in the ledger and puts one `OrderPlaced` per valid row on the bus.
 */
export class BulkImport extends Construct {
  readonly steps: ReadonlyArray<StepFunction>
  readonly stateMachine: StateMachine
  readonly startRule: Rule
  /** Sends the executions that time out or are stopped, which no Catch sees, to the workflow's DLQ. */
  readonly uncaughtEndsRule: Rule

  constructor(scope: Construct, id: string, props: BulkImportProps) {
    super(scope, id)
    const importOrders = new StepFunction(this, 'importOrders', {
      environment: props.environment,
      serviceName: 'orders',
      memorySize: 1024,
      timeout: Duration.minutes(15),
    })
    this.steps = [importOrders]
    props.uploads.grantReadObjects(importOrders.function, ImportsPrefix)
    props.uploads.grantWriteObjects(importOrders.function, ReportsPrefix)
    props.tables.ledger.grantReadWriteData(importOrders.function)
    props.bus.grantPutEventsTo(importOrders.function)

    const workflow = new ImportWorkflow(this, 'ImportWorkflow', {
      importOrders: importOrders.function,
      deadLetterQueue: props.deadLetterQueue,
      logs: workflowLogs(this, 'ImportWorkflow', props.logging),
    })
    this.stateMachine = workflow.stateMachine
    acknowledgeWorkflowRole(this.stateMachine)
    acknowledgeInvokedVersions(this.stateMachine, [importOrders.function])
    this.startRule = startWorkflowRule(this, 'StartImportWorkflow', {
      bus: props.bus,
      eventPattern: importWorkflowTrigger(props.uploads.bucket.bucketName),
      stateMachine: this.stateMachine,
      deadLetterQueue: props.ruleDeadLetterQueue,
    })
    this.uncaughtEndsRule = deadLetterUncaughtEnds(this, 'DeadLetterUncaughtEnds', {
      stateMachine: this.stateMachine,
      deadLetterQueue: props.deadLetterQueue,
      ruleDeadLetterQueue: props.ruleDeadLetterQueue,
    })
  }
}
