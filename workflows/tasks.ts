import { Duration } from 'aws-cdk-lib'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { Errors, Fail, JsonPath, Pass, TaskInput, Timeout, type CatchProps } from 'aws-cdk-lib/aws-stepfunctions'
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks'
import type { Construct } from 'constructs'
import { integrationRetry, transientRetry } from './retry-policy'
import type { WorkflowDeadLetter } from '../contracts/dead-letters'

/**
 * A Lambda step as every workflow calls it: the optimized `lambda:invoke` integration, the step's answer kept
 * under `<resultPath>.value` (or discarded), and the transient-error retry policy.
 */
export const lambdaStep = (
  scope: Construct,
  id: string,
  fn: IFunction,
  payload: TaskInput,
  resultPath?: string,
  timeout?: Duration,
) =>
  new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payload,
    payloadResponseOnly: false,
    retryOnServiceExceptions: false,
    resultSelector: { 'value.$': '$.Payload' },
    resultPath: resultPath ?? JsonPath.DISCARD,
    ...(timeout ? { taskTimeout: Timeout.duration(timeout) } : {}),
  }).addRetry(transientRetry)

/** The first state of a workflow started by an event: keeps the event under `$.event`, so a failure can send it on whole. */
export const keepEvent = (scope: Construct) => new Pass(scope, 'KeepEvent', { parameters: { 'event.$': '$' } })

export const catchAll: CatchProps = { errors: [Errors.ALL], resultPath: '$.error' }

/** A workflow's dead letter (`WorkflowDeadLetter`), filled from the state a catch-all left: `$.event` and `$.error`. */
export const deadLetterBody = (workflow: string): TaskInput => {
  const body: Record<keyof WorkflowDeadLetter, unknown> = {
    workflow,
    execution: JsonPath.executionId,
    error: JsonPath.stringAt('$.error.Error'),
    cause: JsonPath.stringAt('$.error.Cause'),
    event: JsonPath.objectAt('$.event'),
  }
  return TaskInput.fromObject(body)
}

/**
 * The tail every catch-all leads to in the order, change and import workflows: the event with the error and cause
 * goes to the workflow's DLQ, then the execution fails with the original error.
 */
export const deadLetterTail = (scope: Construct, workflow: string, queue: IQueue) => {
  const failed = new Fail(scope, 'WorkflowFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' })
  const send = new SqsSendMessage(scope, 'SendToDeadLetterQueue', {
    queue,
    messageBody: deadLetterBody(workflow),
    resultPath: JsonPath.DISCARD,
  }).addRetry(integrationRetry)
  send.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.bookkeepingError' })
  return send.next(failed)
}
