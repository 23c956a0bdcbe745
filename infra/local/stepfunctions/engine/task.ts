import type { CompiledState } from './compile'
import { ErrorNames, InvocationDefect, StatesError, toStatesError } from './errors'
import {
  MaxPayloadBytes,
  Stopped,
  bytes,
  dataLimit,
  emit,
  readNumber,
  settledReason,
  stopped,
  stringify,
  type Execution,
  type Frame,
} from './execution'
import { detailsKey } from './history'
import type { JsonataEnv } from './jsonata-fields'
import type { DataEnv } from './references'
import type { ContextObject } from './types'

/**
 * Task states (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html): the invocation through
 * `invokeTask`, its TimeoutSeconds and HeartbeatSeconds, and the Task or LambdaFunction events around it.
 */
/** How the history names a Task's resource (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskScheduledEventDetails.html). */
const describeResource = (resource: string): { lambda: boolean; resourceType: string; resource: string } => {
  if (/^arn:[^:]+:lambda:/.test(resource)) return { lambda: true, resourceType: 'lambda', resource }
  const service = /^arn:[^:]+:states:::([^:]+(?::[^:]+)?):(.+)$/.exec(resource)
  if (service) {
    const [, type = '', action = ''] = service
    // `aws-sdk:s3:getObject` is resourceType `aws-sdk:s3`, resource `getObject`; `lambda:invoke` is `lambda`, `invoke`.
    if (type.startsWith('aws-sdk:')) return { lambda: false, resourceType: type, resource: action }
    const [first = '', second] = type.split(':')
    return second === undefined
      ? { lambda: false, resourceType: first, resource: action }
      : { lambda: false, resourceType: first, resource: `${second}:${action}` }
  }
  const activity = /^arn:[^:]+:states:[^:]+:[^:]+:activity:/.test(resource)
  return { lambda: false, resourceType: activity ? 'activity' : 'unknown', resource }
}

/** Runs a Task's invocation with its timeouts, recording the Task or LambdaFunction events. */
export const invoke = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  parameters: unknown,
  context: ContextObject,
  env: DataEnv,
  jsonataEnv?: JsonataEnv,
): Promise<unknown> => {
  const resource = state.resource as string
  const described = describeResourceOnce(resource)
  const timeoutSeconds =
    state.timeoutSeconds === undefined
      ? undefined
      : await readNumber(
          state.timeoutSeconds,
          env,
          jsonataEnv ?? { input: env.input, context, variables: frame.variables },
        )
  const heartbeatSeconds =
    state.heartbeatSeconds === undefined
      ? undefined
      : await readNumber(
          state.heartbeatSeconds,
          env,
          jsonataEnv ?? { input: env.input, context, variables: frame.variables },
        )
  const parametersText = stringify(parameters)
  if (bytes(parametersText) > MaxPayloadBytes) throw dataLimit(state.name)
  const recording = execution.history.recording
  if (described.lambda) {
    emit(
      execution,
      frame,
      'LambdaFunctionScheduled',
      recording
        ? {
            lambdaFunctionScheduledEventDetails: {
              resource,
              input: parametersText,
              inputDetails: { truncated: false },
              ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
            },
          }
        : undefined,
    )
    emit(execution, frame, 'LambdaFunctionStarted')
  } else {
    emit(
      execution,
      frame,
      'TaskScheduled',
      recording
        ? {
            taskScheduledEventDetails: {
              resourceType: described.resourceType,
              resource: described.resource,
              region: execution.region,
              parameters: parametersText,
              ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
              ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
            },
          }
        : undefined,
    )
    emit(
      execution,
      frame,
      'TaskStarted',
      recording
        ? { taskStartedEventDetails: { resourceType: described.resourceType, resource: described.resource } }
        : undefined,
    )
  }
  const outcome = await callTask(execution, state, frame, parameters, context, timeoutSeconds, heartbeatSeconds)
  const events = described.events
  if (outcome.kind === 'result') {
    const outputText = stringify(outcome.value)
    if (bytes(outputText) > MaxPayloadBytes) {
      const error = dataLimit(described.lambda ? resource : described.resourceType)
      emit(
        execution,
        frame,
        events.failed,
        taskDetails(described, events.failed, { error: error.error, cause: error.cause }),
      )
      throw error
    }
    emit(
      execution,
      frame,
      events.succeeded,
      recording
        ? taskDetails(described, events.succeeded, { output: outputText, outputDetails: { truncated: false } })
        : undefined,
    )
    return outcome.value
  }
  const error = outcome.error
  const type = outcome.kind === 'timeout' ? events.timedOut : events.failed
  emit(
    execution,
    frame,
    type,
    taskDetails(described, type, {
      ...(error.error === undefined ? {} : { error: error.error }),
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    }),
  )
  throw error
}

interface DescribedResource {
  readonly lambda: boolean
  readonly resourceType: string
  readonly resource: string
  readonly events: { readonly succeeded: string; readonly failed: string; readonly timedOut: string }
}

const described = new Map<string, DescribedResource>()

/** describeResource, once per resource, with the names of its outcome events. */
const describeResourceOnce = (resource: string): DescribedResource => {
  let found = described.get(resource)
  if (!found) {
    const base = describeResource(resource)
    const prefix = base.lambda ? 'LambdaFunction' : 'Task'
    found = {
      ...base,
      events: { succeeded: `${prefix}Succeeded`, failed: `${prefix}Failed`, timedOut: `${prefix}TimedOut` },
    }
    if (described.size > 10_000) described.clear()
    described.set(resource, found)
  }
  return found
}

/** A LambdaFunction event's details, or a Task event's with its resource named. */
const taskDetails = (resource: DescribedResource, type: string, details: Record<string, unknown>) => ({
  [detailsKey(type)]: resource.lambda
    ? details
    : { resourceType: resource.resourceType, resource: resource.resource, ...details },
})

type TaskOutcome =
  | { readonly kind: 'result'; readonly value: unknown }
  | { readonly kind: 'failed'; readonly error: StatesError }
  | { readonly kind: 'timeout'; readonly error: StatesError }

const callTask = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  input: unknown,
  context: ContextObject,
  timeoutSeconds: number | undefined,
  heartbeatSeconds: number | undefined,
): Promise<TaskOutcome> => {
  if (!execution.invokeTask)
    return {
      kind: 'failed',
      error: new StatesError(
        ErrorNames.taskFailed,
        `No task handler was given for the state '${state.name}' (${state.resource}).`,
      ),
    }
  const invokeTask = execution.invokeTask
  const timed = timeoutSeconds !== undefined || heartbeatSeconds !== undefined
  // Without timeouts the task shares its thread's signal: no controller, timer or listener per call.
  const controller = timed ? new AbortController() : undefined
  const heartbeatPromise = timed ? rearmable<TaskOutcome>() : undefined
  const timers = timed ? new AbortController() : undefined
  const armHeartbeat = !timed
    ? noHeartbeat
    : () => {
        if (heartbeatSeconds === undefined || !timers || !heartbeatPromise || timers.signal.aborted) return
        heartbeatPromise.arm(
          execution.clock.sleep(heartbeatSeconds * 1000, timers.signal).then(
            () => ({ kind: 'timeout', error: new StatesError(ErrorNames.heartbeatTimeout) }) as TaskOutcome,
            () => new Promise<TaskOutcome>(() => undefined),
          ),
        )
      }
  let task: Promise<TaskOutcome>
  try {
    task = invokeTask({
      stateName: state.name,
      resource: state.resource as string,
      input,
      timeoutSeconds,
      heartbeatSeconds,
      context,
      signal: controller ? controller.signal : frame.signal,
      heartbeat: armHeartbeat,
    }).then(taskResult, taskFailure)
  } catch (failure) {
    task = Promise.resolve(taskFailure(failure))
  }
  if (!controller || !timers || !heartbeatPromise) return frame.stoppable ? Promise.race([task, stopped(frame)]) : task
  const onStop = () => controller.abort(frame.signal.reason)
  frame.signal.addEventListener('abort', onStop, { once: true })
  try {
    const racing: Array<Promise<TaskOutcome>> = [task, stopped(frame)]
    if (timeoutSeconds !== undefined)
      racing.push(
        execution.clock.sleep(timeoutSeconds * 1000, timers.signal).then(
          (): TaskOutcome => ({ kind: 'timeout', error: new StatesError(ErrorNames.timeout) }),
          () => new Promise<TaskOutcome>(() => undefined),
        ),
      )
    if (heartbeatSeconds !== undefined) {
      armHeartbeat()
      racing.push(heartbeatPromise.promise)
    }
    const outcome = await Promise.race(racing)
    if (outcome.kind === 'timeout') controller.abort(new Stopped('timed-out'))
    return outcome
  } finally {
    timers.abort(settledReason)
    frame.signal.removeEventListener('abort', onStop)
  }
}

const taskResult = (value: unknown): TaskOutcome => ({ kind: 'result', value })

/** A task without HeartbeatSeconds: its heartbeats change nothing. */
const noHeartbeat = () => undefined

const taskFailure = (failure: unknown): TaskOutcome => {
  if (failure instanceof InvocationDefect) throw failure
  return { kind: 'failed', error: toStatesError(failure) }
}

/** A promise that follows the latest of the promises armed into it (the heartbeat timer restarts). */
const rearmable = <T>() => {
  let resolve: (value: T) => void = () => undefined
  let generation = 0
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return {
    promise,
    arm: (next: Promise<T>) => {
      const mine = ++generation
      void next.then((value) => {
        if (mine === generation) resolve(value)
      })
    },
  }
}
