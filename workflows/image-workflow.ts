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
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  type LogOptions,
} from 'aws-cdk-lib/aws-stepfunctions'
import { EventBridgePutEvents, LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks'
import { Construct } from 'constructs'
import { DefaultRenditions, type RenditionSpec } from '../contracts/images'
import { imageUploaded } from '../contracts/patterns'
import { ImageRejectedType, ImagesSource } from '../contracts/sources'
import { IntegrationTimeout, integrationRetry, transientRetry } from './retry-policy'
import { lambdaStep, taskTimeoutOf } from './tasks'

/** The Lambda steps this workflow calls, by role. */
export interface ImageSteps {
  readonly validate: IFunction
  readonly resize: IFunction
  readonly persist: IFunction
  readonly index: IFunction
  readonly notify: IFunction
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
export const WorkflowTag = 'pipeline:workflow'

/** The rule pattern that starts this workflow: an object created under `uploads/` in the upload bucket. */
export const imageWorkflowTrigger = imageUploaded

/**
 * Upload to processed image: validate, resize each rendition (a Map), persist, index, notify.
 * Any failure is retried if transient, then recorded FAILED; the first failure of an object version is sent to
 * the DLQ with its cause and announced as `ImageRejected`; the execution fails with the original error.
 *
 * Standard, not Express: an image takes seconds, each state transition must happen exactly once, and
 * users read the execution history state by state; at a few dozen transitions per image the price
 * ($25 per million transitions) stays well under the Lambda cost of resizing.
 */
export class ImageWorkflow extends Construct {
  readonly stateMachine: StateMachine

  constructor(scope: Construct, id: string, props: ImageWorkflowProps) {
    super(scope, id)
    const { steps } = props

    const invoke = (stateId: string, fn: IFunction, payload: TaskInput, resultPath: string | undefined) =>
      lambdaStep(this, stateId, fn, payload, resultPath)

    const attachSettings = new Pass(this, 'AttachRenditionSettings', {
      parameters: {
        'event.$': '$',
        renditionSpecs: (props.renditions ?? DefaultRenditions).map((spec) => ({ ...spec })),
      },
    })
    const validate = invoke('ValidateImage', steps.validate, TaskInput.fromJsonPathAt('$.event'), '$.validated')
    const resize = new MapState(this, 'ResizeRenditions', {
      itemsPath: '$.renditionSpecs',
      itemSelector: { 'image.$': '$.validated.value', 'spec.$': '$$.Map.Item.Value' },
      resultPath: '$.renditions',
    }).itemProcessor(
      new LambdaInvoke(this, 'ResizeRendition', {
        lambdaFunction: steps.resize,
        payloadResponseOnly: false,
        retryOnServiceExceptions: false,
        outputPath: '$.Payload',
        taskTimeout: taskTimeoutOf(steps.resize),
      }).addRetry(transientRetry),
    )
    const persist = invoke(
      'PersistImage',
      steps.persist,
      TaskInput.fromObject({
        image: JsonPath.objectAt('$.validated.value'),
        renditions: JsonPath.listAt('$.renditions'),
      }),
      '$.record',
    )
    const index = invoke('IndexImage', steps.index, TaskInput.fromJsonPathAt('$.record.value'), undefined)
    const notify = invoke(
      'NotifyProcessed',
      steps.notify,
      TaskInput.fromObject({ record: JsonPath.objectAt('$.record.value'), executionId: JsonPath.executionId }),
      '$.notification',
    )
    const done = new Succeed(this, 'Processed', { outputPath: '$.record.value' })

    const failed = new Fail(this, 'ImageFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' })
    const sendToDlq = new SqsSendMessage(this, 'SendToDeadLetterQueue', {
      queue: props.deadLetterQueue,
      messageBody: TaskInput.fromObject({
        workflow: 'image',
        execution: JsonPath.executionId,
        error: JsonPath.stringAt('$.error.Error'),
        cause: JsonPath.stringAt('$.error.Cause'),
        event: JsonPath.objectAt('$.event'),
      }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(IntegrationTimeout),
    }).addRetry(integrationRetry)
    const recordFailure = invoke(
      'RecordFailure',
      steps.recordFailure,
      TaskInput.fromObject({
        event: JsonPath.objectAt('$.event'),
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
    for (const state of [validate, persist, index, notify]) state.addCatch(onFailure, catchAll)
    resize.addCatch(onFailure, catchAll)

    const definition = attachSettings.next(validate).next(resize).next(persist).next(index).next(notify).next(done)
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
