import { Duration, Tags } from 'aws-cdk-lib'
import type { IEventBus } from 'aws-cdk-lib/aws-events'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  TaskInput,
  Timeout,
  type LogOptions,
} from 'aws-cdk-lib/aws-stepfunctions'
import { EventBridgePutEvents, LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks'
import { Construct } from 'constructs'
import { WorkflowTag } from '../contracts/executions'
import { DefaultRenditions, type RenditionSpec } from '../contracts/images'
import { imageUploaded } from '../contracts/patterns'
import { ImageRejectedType, ImagesSource } from '../contracts/sources'
import { IntegrationTimeout, integrationRetry, transientRetry } from './retry-policy'
import { deadLetterBody, lambdaStep, taskTimeoutOf } from './tasks'

/** The Lambda steps this workflow calls, by role. */
export interface ImageSteps {
  /** Validates the upload and writes every rendition from one decode. */
  readonly render: IFunction
  /** Writes the image record and announces `ImageProcessed` once. */
  readonly persist: IFunction
  readonly index: IFunction
  readonly recordFailure: IFunction
}

export interface ImageWorkflowProps {
  readonly steps: ImageSteps
  readonly bus: IEventBus
  readonly deadLetterQueue: IQueue
  readonly renditions?: ReadonlyArray<RenditionSpec>
  readonly logs?: LogOptions
}

/** The tag naming a state machine's workflow, so tools can list executions by workflow on AWS and locally. */

/** The rule pattern that starts this workflow: an object created under `uploads/` in the upload bucket. */
export const imageWorkflowTrigger = imageUploaded

/**
 * Upload to processed image: render (validate the upload, then every rendition from one decode), persist (the record,
 * and `ImageProcessed` once), index. Any failure is retried if transient, then recorded FAILED; the first failure of
 * an object version is sent to the DLQ with its cause and announced as `ImageRejected`; the execution fails with the
 * original error. The failure path takes the event from the execution's input (`$$.Execution.Input`), so no state is
 * spent keeping it.
 *
 * Standard, not Express: each state transition happens exactly once, RedriveExecution resumes a failed image where it
 * failed, Step Functions keeps every execution's history for the console at no log cost, and timeouts reach the DLQ
 * through the status change rule. Each state entered is a billed transition ($25 per million), so a successful image
 * takes three: ValidateAndRender, PersistImage, IndexImage (it took nine with a Pass state, a Map of one task per
 * rendition, and persist and notify apart).
 */
export class ImageWorkflow extends Construct {
  readonly stateMachine: StateMachine

  constructor(scope: Construct, id: string, props: ImageWorkflowProps) {
    super(scope, id)
    const { steps } = props

    const invoke = (stateId: string, fn: IFunction, payload: TaskInput, resultPath: string | undefined) =>
      lambdaStep(this, stateId, fn, payload, resultPath)

    const render = invoke(
      'ValidateAndRender',
      steps.render,
      TaskInput.fromObject({
        event: JsonPath.objectAt('$'),
        renditionSpecs: (props.renditions ?? DefaultRenditions).map((spec) => ({ ...spec })),
      }),
      '$.rendered',
    )
    const persist = invoke(
      'PersistImage',
      steps.persist,
      TaskInput.fromObject({
        image: JsonPath.objectAt('$.rendered.value.image'),
        renditions: JsonPath.listAt('$.rendered.value.renditions'),
        executionId: JsonPath.executionId,
      }),
      '$.record',
    )
    // The last state answers the record itself: a Succeed state would be one more billed transition.
    const index = new LambdaInvoke(this, 'IndexImage', {
      lambdaFunction: steps.index,
      payload: TaskInput.fromJsonPathAt('$.record.value'),
      payloadResponseOnly: false,
      retryOnServiceExceptions: false,
      resultPath: JsonPath.DISCARD,
      outputPath: '$.record.value',
      taskTimeout: taskTimeoutOf(steps.index),
    }).addRetry(transientRetry)

    const failed = new Fail(this, 'ImageFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' })
    const sendToDlq = new SqsSendMessage(this, 'SendToDeadLetterQueue', {
      queue: props.deadLetterQueue,
      // The event is the execution's input: no state is spent keeping it under `$.event`.
      messageBody: deadLetterBody('image', JsonPath.objectAt('$$.Execution.Input')),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(IntegrationTimeout),
    }).addRetry(integrationRetry)
    const recordFailure = invoke(
      'RecordFailure',
      steps.recordFailure,
      TaskInput.fromObject({
        event: JsonPath.objectAt('$$.Execution.Input'),
        error: JsonPath.objectAt('$.error'),
        executionId: JsonPath.executionId,
      }),
      '$.failure',
    )
    const publishRejected = new EventBridgePutEvents(this, 'PublishRejected', {
      entries: [
        {
          eventBus: props.bus,
          source: ImagesSource,
          detailType: ImageRejectedType,
          detail: TaskInput.fromJsonPathAt('$.failure.value.rejection'),
        },
      ],
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(IntegrationTimeout),
    }).addRetry(integrationRetry)
    // The DLQ and ImageRejected are per object version: a second run of a rejected version (a duplicate delivery,
    // a replay) finds the FAILED record already standing and adds neither a dead letter nor an event.
    const rejectionRecorded = new Choice(this, 'RejectionRecorded')
      .when(Condition.isPresent('$.failure.value.rejection'), publishRejected.next(failed))
      .otherwise(failed)
    const firstFailure = new Choice(this, 'FirstFailureOfThisVersion')
      .when(Condition.booleanEquals('$.failure.value.firstFailure', true), sendToDlq.next(rejectionRecorded))
      .otherwise(failed)
    const onFailure = recordFailure.next(firstFailure)

    // If the failure cannot even be recorded, the event still goes to the DLQ; bookkeeping failures after it end in Fail.
    recordFailure.addCatch(sendToDlq, { errors: [Errors.ALL], resultPath: '$.bookkeepingError' })
    for (const state of [sendToDlq, publishRejected])
      state.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.bookkeepingError' })

    const catchAll = { errors: [Errors.ALL], resultPath: '$.error' }
    for (const state of [render, persist, index]) state.addCatch(onFailure, catchAll)

    const definition = render.next(persist).next(index)
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      timeout: Duration.minutes(15),
      tracingEnabled: true,
      ...(props.logs ? { logs: { level: LogLevel.ALL, includeExecutionData: true, ...props.logs } } : {}),
    })
    Tags.of(this.stateMachine).add(WorkflowTag, 'image')
  }
}
