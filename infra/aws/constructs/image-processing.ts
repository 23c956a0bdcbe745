import { Duration } from 'aws-cdk-lib'
import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import type { RenditionSpec } from '../../../contracts/images'
import { RenditionsPrefix, UploadsPrefix } from '../../../contracts/sources'
import type { StepKey } from '../../../steps/kit/catalog'
import { ImageWorkflow, imageWorkflowTrigger } from '../../../workflows/image-workflow'
import type { PipelineTables } from './pipeline-tables'
import type { SearchDomain } from './search-domain'
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

export interface ImageProcessingProps {
  readonly bus: IEventBus
  readonly uploads: UploadBucket
  readonly tables: PipelineTables
  /** The search domain the index step writes to; absent when the stack is deployed without search. */
  readonly search?: SearchDomain
  /** Where a failed image goes, with event, error and cause (`ImageDeadLetters`). */
  readonly deadLetterQueue: IQueue
  /** Where the starting rule puts an event it could not deliver. */
  readonly ruleDeadLetterQueue: IQueue
  /** The settings every step gets (resource names). */
  readonly environment: Record<string, string>
  /** What the workflow logs. @default its entry in DefaultWorkflowLogging (`constructs/workflow-plumbing.ts`) */
  readonly logging?: WorkflowLogging
  readonly renditions?: ReadonlyArray<RenditionSpec>
}

/**
 * Uploads to processed images: the four image steps, the image workflow (Standard) and the rule that starts it for
 * every object created under `uploads/`. Each step may touch only what its program uses: render reads uploads and
 * writes thumbnails, persist writes the images table, the ledger and the pipeline bus (ImageProcessed),
 * record-failure the images table, index writes to the search domain.
 */
export class ImageProcessing extends Construct {
  readonly steps: ReadonlyArray<StepFunction>
  readonly stateMachine: StateMachine
  readonly startRule: Rule
  /** Sends the executions that time out or are stopped, which no Catch sees, to the workflow's DLQ. */
  readonly uncaughtEndsRule: Rule

  constructor(scope: Construct, id: string, props: ImageProcessingProps) {
    super(scope, id)
    const step = (key: StepKey, extra: { memorySize?: number; timeout?: Duration } = {}) =>
      new StepFunction(this, key, {
        environment: props.environment,
        serviceName: 'images',
        ...extra,
      })
    // One decode renders every rendition: the memory buys the CPU sharp uses (Lambda allots CPU by memory).
    const render = step('renderImage', { memorySize: 2048, timeout: Duration.minutes(1) })
    const persist = step('persistImage')
    const index = step('indexImage')
    const recordFailure = step('recordImageFailure')
    this.steps = [render, persist, index, recordFailure]

    // Render reads the upload, and looks for a rendition already written before writing it.
    props.uploads.grantReadObjects(render.function, UploadsPrefix, RenditionsPrefix)
    props.uploads.grantWriteObjects(render.function, RenditionsPrefix)
    props.tables.images.grantReadWriteData(persist.function)
    props.tables.ledger.grantReadWriteData(persist.function)
    props.bus.grantPutEventsTo(persist.function)
    props.tables.images.grantReadWriteData(recordFailure.function)
    props.search?.grant(index.function, 'write')

    const workflow = new ImageWorkflow(this, 'ImageWorkflow', {
      steps: {
        render: render.function,
        persist: persist.function,
        index: index.function,
        recordFailure: recordFailure.function,
      },
      bus: props.bus,
      deadLetterQueue: props.deadLetterQueue,
      logs: workflowLogs(this, 'ImageWorkflow', props.logging),
      ...(props.renditions ? { renditions: props.renditions } : {}),
    })
    this.stateMachine = workflow.stateMachine
    acknowledgeWorkflowRole(this.stateMachine)
    acknowledgeInvokedVersions(
      this.stateMachine,
      this.steps.map((s) => s.function),
    )
    this.startRule = startWorkflowRule(this, 'StartImageWorkflow', {
      bus: props.bus,
      eventPattern: imageWorkflowTrigger(props.uploads.bucket.bucketName),
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
