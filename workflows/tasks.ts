import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import {
  Errors,
  Fail,
  JsonPath,
  Pass,
  TaskInput,
  Timeout,
  type CatchProps,
  type RetryProps,
} from 'aws-cdk-lib/aws-stepfunctions'
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks'
import type { Construct } from 'constructs'
import { IntegrationTimeout, integrationRetry, transientRetry } from './retry-policy'
import type { WorkflowDeadLetter } from '../contracts/dead-letters'

/**
 * How long a task waits for its function: the function's own timeout, so Step Functions ends the task
 * (`States.Timeout`, which the catch-all takes) when Lambda would end the invocation, and no task waits on the
 * execution's timeout instead.
 */
export const taskTimeoutOf = (fn: IFunction): Timeout => {
  const timeout = fn instanceof LambdaFunction ? fn.timeout : undefined
  if (!timeout) throw new Error(`${fn.node.path}: a workflow's function must set its timeout`)
  return Timeout.duration(timeout)
}

/**
 * A Lambda step as every workflow calls it: the optimized `lambda:invoke` integration, the step's answer kept
 * under `<resultPath>.value` (or discarded), the function's timeout as the task's, and a retry policy (by default
 * the transient-error one).
 */
export const lambdaStep = (
  scope: Construct,
  id: string,
  fn: IFunction,
  payload: TaskInput,
  resultPath?: string,
  retry: RetryProps = transientRetry,
) =>
  new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payload,
    payloadResponseOnly: false,
    retryOnServiceExceptions: false,
    resultSelector: { 'value.$': '$.Payload' },
    resultPath: resultPath ?? JsonPath.DISCARD,
    taskTimeout: taskTimeoutOf(fn),
  }).addRetry(retry)

/** The first state of a workflow started by an event: keeps the event under `$.event`, so a failure can send it on whole. */
export const keepEvent = (scope: Construct) => new Pass(scope, 'KeepEvent', { parameters: { 'event.$': '$' } })

export const catchAll: CatchProps = { errors: [Errors.ALL], resultPath: '$.error' }

/**
 * A workflow's dead letter (`WorkflowDeadLetter`), filled from the state a catch-all left: `$.error`, and the event
 * at `event` (`$.event` where the workflow kept it, `$$.Execution.Input` where it did not).
 */
export const deadLetterBody = (workflow: string, event: unknown = JsonPath.objectAt('$.event')): TaskInput => {
  const body: Record<keyof WorkflowDeadLetter, unknown> = {
    workflow,
    execution: JsonPath.executionId,
    error: JsonPath.stringAt('$.error.Error'),
    cause: JsonPath.stringAt('$.error.Cause'),
    event,
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
    taskTimeout: Timeout.duration(IntegrationTimeout),
  }).addRetry(integrationRetry)
  send.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.bookkeepingError' })
  return send.next(failed)
}
