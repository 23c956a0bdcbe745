import { randomUUID } from 'node:crypto'
import { realClock, type Clock } from './clock'
import {
  compileMachine,
  compileState,
  evaluateStringSource,
  type Assigner,
  type CompiledMachine,
  type CompiledRetrier,
  type CompiledState,
} from './compile'
import {
  ErrorNames,
  InvocationDefect,
  StateRuntimeError,
  StatesError,
  errorMatches,
  runtimeError,
  toStatesError,
} from './errors'
import {
  MaxHistoryEvents,
  MaxPayloadBytes,
  Stopped,
  bytes,
  dataLimit,
  emit,
  invalidPath,
  knownText,
  readNumber,
  settledReason,
  stopDetails,
  stringify,
  type Execution,
  type Frame,
  type StartHints,
} from './execution'
import { HistoryRecorder, isoTime } from './history'
import { unexpectedType, type JsonataEnv } from './jsonata-fields'
import { writeAtPath } from './json-path'
import { batchItems, map, parallel, readTolerance } from './map-parallel'
import { resolveReference, type DataEnv, type Reference } from './references'
import type { ResumePlan } from './redrive'
import { invoke } from './task'
import type {
  ContextObject,
  ExecutionInfo,
  ExecutionOutcome,
  HistoryEvent,
  InvokeTask,
  StateMachineDefinition,
} from './types'
import { loadDefinition } from './validate'
import { VariableScope } from './variables'
import { wait } from './wait'

export { MaxHistoryEvents, MaxPayloadBytes } from './execution'

/** Everything one execution needs; only `definition`, `context` and (for Task states) `invokeTask` are required. */
export interface RunExecutionOptions {
  /** The definition, as an object (validated and compiled once per object). */
  readonly definition: unknown
  /** The execution input as JSON text, as StartExecution takes it; default `{}`. */
  readonly input?: string
  readonly context: ExecutionInfo
  readonly invokeTask?: InvokeTask
  /** Called with each history event as it happens. */
  readonly onEvent?: (event: HistoryEvent) => void
  /** StopExecution: aborting ends the execution ABORTED; a reason `{error?, cause?}` is recorded on ExecutionAborted. */
  readonly signal?: AbortSignal
  /** Waits: Wait states, retry intervals, timeouts. Default real time. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** The time; pair it with `sleep` for a simulated clock. Default Date.now. */
  readonly now?: () => number
  /** A factor in (0, 1] on every retry wait. */
  readonly retryDelayScale?: number
  /** RedriveExecution: where and how the execution resumes (see `planRedrive`). */
  readonly redrive?: ResumePlan
}

const processClock = realClock()

/** The signal of executions nothing can stop; every listener added to it is removed again. */
const neverAborted = new AbortController().signal

/** How a state left: the next state (undefined when the thread ends) and its output. */
interface Transition {
  readonly next: string | undefined
  readonly output: unknown
  /** The output's JSON text, computed once for the limit check and the events. */
  readonly outputText: string
}

/** AWS's location prefix on the engine's own causes. */
const locate = (error: StatesError, state: string, enteredId: number): StatesError =>
  error instanceof StateRuntimeError
    ? new LocatedError(
        error.error as string,
        `An error occurred while executing the state '${state}' (entered at the event id #${enteredId}). ${error.cause ?? ''}`,
        error.location,
      )
    : error

/** An engine error with its location prefix: a JSONata one is also recorded as an EvaluationFailed event. */
class LocatedError extends StatesError {
  constructor(
    error: string,
    cause: string,
    readonly location: string | undefined,
  ) {
    super(error, cause)
  }
}

/** InputPath / OutputPath / ItemsPath: null gives {} (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html). */
const selectPath = (reference: Reference | null | undefined, data: unknown, env: DataEnv): unknown => {
  if (reference === undefined) return data
  if (reference === null) return {}
  const result = resolveReference(reference, { ...env, input: data })
  if (!result.found) throw invalidPath(reference, result)
  return result.value
}

const applyResultPath = (
  state: { resultPath: ReadonlyArray<string | number> | null; resultPathText: string },
  input: unknown,
  result: unknown,
): unknown => {
  if (state.resultPath === null) return input
  if (state.resultPath.length === 0) return result
  const written = writeAtPath(input, state.resultPath, result)
  // AWS's wording is not documented for this case; the cause names the ResultPath and where it could not be applied.
  if (!written.ok)
    throw runtimeError(
      `Invalid path '${state.resultPathText}' : Unable to apply the ResultPath at ${written.at} to the input '${stringify(input)}'`,
    )
  return written.value
}

/** Runs one execution to its end (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). */
export const runExecution = async (options: RunExecutionOptions): Promise<ExecutionOutcome> => {
  const definition = loadDefinition(options.definition, options.context.stateMachineType)
  const clock: Clock = {
    now: options.now ?? processClock.now,
    sleep: options.sleep ?? processClock.sleep,
  }
  const inputText = options.input ?? '{}'
  const executionInput = JSON.parse(inputText) as unknown
  if (typeof executionInput === 'object' && executionInput !== null) knownText.set(executionInput, inputText)
  const startTime = new Date(options.context.startTime).toISOString()
  const history = new HistoryRecorder(options.onEvent, clock.now, options.redrive ? options.redrive.nextEventId : 1)
  const region = /^arn:[^:]+:states:([^:]+):/.exec(options.context.stateMachineArn)?.[1] ?? 'us-east-1'
  const redriveCount = options.redrive?.redriveCount ?? 0
  const execution: Execution = {
    clock,
    history,
    invokeTask: options.invokeTask,
    retryDelayScale: options.retryDelayScale ?? 1,
    // The key order of AWS's context object, which shows when a state outputs it whole (Express: observed on AWS).
    executionContext:
      options.context.stateMachineType === 'EXPRESS'
        ? {
            Id: options.context.executionArn,
            Input: executionInput,
            Name: options.context.executionName,
            RoleArn: options.context.roleArn,
            StartTime: startTime,
          }
        : {
            Id: options.context.executionArn,
            Input: executionInput,
            StartTime: startTime,
            Name: options.context.executionName,
            RoleArn: options.context.roleArn,
            RedriveCount: redriveCount,
            ...(options.redrive ? { RedriveTime: new Date(clock.now()).toISOString() } : {}),
          },
    stateMachineContext: { Id: options.context.stateMachineArn, Name: options.context.stateMachineName },
    region,
    account: /^arn:[^:]+:states:[^:]*:([^:]*):/.exec(options.context.stateMachineArn)?.[1] ?? '123456789012',
    runStates,
  }

  const timeoutSeconds = (definition as StateMachineDefinition).TimeoutSeconds
  // An execution nothing can stop shares one signal that never aborts: no controller per run.
  const stop = options.signal || typeof timeoutSeconds === 'number' ? new AbortController() : undefined
  const onAbort = () => stop?.abort(new Stopped('aborted', stopDetails(options.signal?.reason)))
  if (options.signal?.aborted) onAbort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const timer = typeof timeoutSeconds === 'number' ? new AbortController() : undefined
  // A redriven execution gets its TimeoutSeconds anew from the redrive (AWS's docs do not say; this engine's choice).
  if (timer && typeof timeoutSeconds === 'number') {
    clock.sleep(timeoutSeconds * 1000, timer.signal).then(
      () => stop?.abort(new Stopped('timed-out')),
      () => undefined,
    )
  }

  let cursor: number
  if (options.redrive) {
    cursor = history.add(options.redrive.lastEventId, 'ExecutionRedriven', {
      executionRedrivenEventDetails: { redriveCount },
    })
  } else {
    history.add(0, 'ExecutionStarted', {
      executionStartedEventDetails: {
        input: inputText,
        inputDetails: { truncated: false },
        roleArn: options.context.roleArn,
      },
    })
    // AWS's first state event points at 0, not at ExecutionStarted.
    cursor = 0
  }
  const variables = new VariableScope()
  if (options.redrive) variables.assign(Object.entries(options.redrive.variables))
  const frame: Frame = { cursor, variables, signal: stop ? stop.signal : neverAborted, stoppable: stop !== undefined }
  const machine = compileMachine(definition as StateMachineDefinition, 'JSONPath')
  try {
    if (bytes(inputText) > MaxPayloadBytes) throw dataLimit(options.context.executionName)
    const plan = options.redrive
    const last: { text?: string } = {}
    const output = plan
      ? await runStates(
          execution,
          machine,
          frame,
          plan.state,
          plan.input,
          { inputText: plan.inputText, mapIterations: plan.mapIterations, parallelBranches: plan.parallelBranches },
          last,
        )
      : await runStates(execution, machine, frame, machine.startAt, executionInput, { inputText }, last)
    const outputText = last.text ?? stringify(output)
    history.add(frame.cursor, 'ExecutionSucceeded', {
      executionSucceededEventDetails: { output: outputText, outputDetails: { truncated: false } },
    })
    return { status: 'SUCCEEDED', output: outputText }
  } catch (failure) {
    if (failure instanceof InvocationDefect) throw failure
    const reason = stop?.signal.reason as unknown
    if (failure instanceof Stopped || (stop?.signal.aborted && reason instanceof Stopped)) {
      const stopped = failure instanceof Stopped ? failure : (reason as Stopped)
      // Both point at event 0, as AWS records a stop (observed for ExecutionAborted); DescribeExecution then shows
      // no error or cause for either status (observed for TIMED_OUT).
      if (stopped.reason === 'timed-out') {
        history.add(0, 'ExecutionTimedOut', { executionTimedOutEventDetails: { error: ErrorNames.timeout } })
        return { status: 'TIMED_OUT' }
      }
      history.add(0, 'ExecutionAborted', { executionAbortedEventDetails: { ...stopped.details } })
      return { status: 'ABORTED', ...stopped.details }
    }
    const error = failure instanceof StatesError ? failure : toStatesError(failure)
    const details = {
      ...(error.error === undefined ? {} : { error: error.error }),
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    }
    history.add(frame.cursor, 'ExecutionFailed', { executionFailedEventDetails: details })
    return { status: 'FAILED', ...details }
  } finally {
    timer?.abort(settledReason)
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/** Runs a thread from `start` until a state ends it; resolves to the thread's output. */
const runStates = async (
  execution: Execution,
  machine: CompiledMachine,
  frame: Frame,
  start: string,
  input: unknown,
  hints: StartHints = {},
  /** Receives the JSON text of the thread's output, computed once already. */
  last?: { text?: string },
): Promise<unknown> => {
  let name: string | undefined = start
  let data = input
  let stateHints = hints
  while (name !== undefined) {
    if (frame.signal.aborted) throw frame.signal.reason
    // AWS's hard quota of 25,000 history events per execution; the cause's wording is this engine's.
    if (execution.history.upcoming > MaxHistoryEvents)
      throw new StatesError(
        ErrorNames.runtime,
        `The execution reached the quota of ${MaxHistoryEvents} history events (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).`,
      )
    const state = compileState(machine, name)
    const transition: Transition = await runState(execution, state, frame, data, stateHints)
    name = transition.next
    data = transition.output
    stateHints = { inputText: transition.outputText }
    if (last) last.text = transition.outputText
  }
  return data
}

const stateContext = (
  execution: Execution,
  state: CompiledState,
  enteredTime: string,
  retryCount: number,
): ContextObject => {
  // AWS shows RetryCount only to the states that retry.
  const retries = state.type === 'Task' || state.type === 'Map' || state.type === 'Parallel'
  const context: { -readonly [K in keyof ContextObject]: ContextObject[K] } = {
    Execution: execution.executionContext,
    StateMachine: execution.stateMachineContext,
    State: retries
      ? { Name: state.name, EnteredTime: enteredTime, RetryCount: retryCount }
      : { Name: state.name, EnteredTime: enteredTime },
  }
  // A callback task's token, new for each attempt, is in the context before Parameters are evaluated.
  if (state.callback) context.Task = { Token: randomUUID() }
  return context
}

/** One visit of a state: entered, processed with its retries and catchers, exited. */
const runState = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  input: unknown,
  hints: StartHints,
): Promise<Transition> => {
  const enteredPrevious = frame.cursor
  const enteredId = emit(
    execution,
    frame,
    state.enteredEvent,
    execution.history.recording
      ? {
          stateEnteredEventDetails: {
            name: state.name,
            input: hints.inputText ?? stringify(input),
            inputDetails: { truncated: false },
          },
        }
      : undefined,
  )
  const enteredTime = isoTime(execution.clock.now())
  const retriable = state.type === 'Task' || state.type === 'Map' || state.type === 'Parallel'
  let attempts: number[] | undefined
  let retryCount = 0
  for (;;) {
    const context = stateContext(execution, state, enteredTime, retryCount)
    try {
      const done = await processState(execution, state, frame, input, context, hints)
      // A state that passes its input on unchanged shows the same text.
      if (done.output === input && hints.inputText !== undefined && done.outputText === undefined)
        return exit(execution, state, frame, { ...done, outputText: hints.inputText })
      return exit(execution, state, frame, done)
    } catch (failure) {
      if (failure instanceof Stopped || !(failure instanceof StatesError)) throw failure
      const error = locate(failure, state.name, enteredId)
      if (error instanceof LocatedError && error.error === ErrorNames.queryEvaluationError) {
        // AWS points this event at the event before the state was entered, except in a Wait state (observed).
        const id = execution.history.add(state.type === 'Wait' ? frame.cursor : enteredPrevious, 'EvaluationFailed', {
          evaluationFailedEventDetails: {
            error: error.error,
            cause: error.cause,
            ...(error.location === undefined ? {} : { location: error.location }),
            state: state.name,
          },
        })
        frame.cursor = id
      }
      if (!retriable) throw error
      const retrier = state.retry.findIndex((candidate) => errorMatches(candidate.errorEquals, error.error))
      const chosen = retrier >= 0 ? state.retry[retrier] : undefined
      attempts ??= new Array<number>(state.retry.length).fill(0)
      if (chosen && (attempts[retrier] ?? 0) < chosen.maxAttempts) {
        const attempt = attempts[retrier] ?? 0
        attempts[retrier] = attempt + 1
        retryCount++
        await execution.clock.sleep(retryDelay(chosen, attempt) * execution.retryDelayScale, frame.signal)
        continue
      }
      // A States.Runtime raised by the Map or Parallel itself ends the execution at once, with no ...StateFailed (observed).
      const failedEvent =
        failure instanceof StateRuntimeError && failure.error === ErrorNames.runtime ? undefined : failureEvent(state)
      if (failedEvent) emit(execution, frame, failedEvent)
      const catcher = state.catch.find((candidate) => errorMatches(candidate.errorEquals, error.error))
      if (!catcher) throw error
      const errorOutput = { Error: error.error ?? null, Cause: error.cause ?? null }
      let output: unknown
      let assigned: Array<readonly [string, unknown]> | undefined
      try {
        if (state.jsonata) {
          const env: JsonataEnv = { input, errorOutput, context, variables: frame.variables }
          assigned = catcher.assign ? await assign(catcher.assign, env) : undefined
          output = catcher.output ? await catcher.output(env) : errorOutput
        } else {
          const env: DataEnv = { input: errorOutput, context, variables: frame.variables }
          assigned = catcher.assign ? await assign(catcher.assign, env) : undefined
          output = applyResultPath({ resultPath: catcher.resultPath, resultPathText: '$' }, input, errorOutput)
        }
      } catch (catchFailure) {
        if (catchFailure instanceof StatesError) throw locate(catchFailure, state.name, enteredId)
        throw catchFailure
      }
      return exit(execution, state, frame, { next: catcher.next, output, assigned })
    }
  }
}

/** Map and Parallel report their failure once no retrier takes it (AWS emits none between attempts). */
const failureEvent = (state: CompiledState): string | undefined =>
  state.type === 'Map' ? 'MapStateFailed' : state.type === 'Parallel' ? 'ParallelStateFailed' : undefined

/** IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds, with FULL jitter drawn in [0, delay) (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error). */
export const retryDelay = (retrier: CompiledRetrier, attempt: number, random: () => number = Math.random): number => {
  let seconds = retrier.intervalSeconds * retrier.backoffRate ** attempt
  if (retrier.maxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.maxDelaySeconds)
  if (retrier.jitter) seconds = random() * seconds
  return seconds * 1000
}

interface Processed {
  readonly next: string | undefined
  readonly output: unknown
  readonly assigned?: ReadonlyArray<readonly [string, unknown]>
  /** A state whose output is its input unchanged shows the same text. */
  readonly outputText?: string
}

const exit = (execution: Execution, state: CompiledState, frame: Frame, done: Processed): Transition => {
  const outputText = done.outputText ?? stringify(done.output)
  if (bytes(outputText) > MaxPayloadBytes) throw dataLimit(state.name)
  if (done.assigned) frame.variables.assign(done.assigned)
  if (state.type !== 'Fail' && !execution.history.recording) frame.cursor = execution.history.add(frame.cursor, '')
  else if (state.type !== 'Fail') {
    emit(execution, frame, state.exitedEvent, {
      stateExitedEventDetails: {
        name: state.name,
        output: outputText,
        outputDetails: { truncated: false },
        ...(done.assigned && done.assigned.length > 0
          ? {
              assignedVariables: Object.fromEntries(done.assigned.map(([key, value]) => [key, stringify(value)])),
              assignedVariablesDetails: { truncated: false },
            }
          : {}),
      },
    })
  }
  return { next: done.next, output: done.output, outputText }
}

const assign = async (assigner: Assigner, env: DataEnv | JsonataEnv): Promise<Array<readonly [string, unknown]>> => {
  const values = assigner.jsonata ? await assigner.field(env as JsonataEnv) : assigner.template(env as DataEnv)
  const entries = Object.entries(values as Record<string, unknown>)
  const size = bytes(stringify(values))
  // The quota on one Assign (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html#variable-limits).
  if (size > MaxPayloadBytes)
    throw runtimeError('The assigned variables exceed the maximum size of 256 KiB for the Assign field.')
  return entries
}

/** The state's own work, from its raw input to its output (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html). */
const processState = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  input: unknown,
  context: ContextObject,
  hints: StartHints,
): Promise<Processed> => {
  const variables = frame.variables
  if (state.jsonata) return processJsonata(execution, state, frame, input, context, hints)
  const env: DataEnv = { input, context, variables }
  const effective = selectPath(state.inputPath, input, env)
  const effectiveEnv: DataEnv = state.inputPath === undefined ? env : { input: effective, context, variables }
  switch (state.type) {
    case 'Pass': {
      const result = state.result ? state.result.value : state.parameters ? state.parameters(effectiveEnv) : effective
      return finishJsonPath(state, env, result, true, state.next)
    }
    case 'Succeed':
      return finishJsonPath(state, env, effective, false, undefined)
    case 'Fail': {
      const error = state.error ? evaluateStringSource(state.error, env) : undefined
      const cause = state.cause ? evaluateStringSource(state.cause, env) : undefined
      throw new StatesError(
        error === undefined ? undefined : typeof error === 'string' ? error : stringify(error),
        cause === undefined ? undefined : typeof cause === 'string' ? cause : stringify(cause),
      )
    }
    case 'Choice': {
      for (const choice of state.choices) {
        if (choice.test?.(effectiveEnv)) {
          const assigned = await assignChoice(state.assign, choice.assign, effectiveEnv)
          return { next: choice.next, output: selectPath(state.outputPath, effective, env), assigned }
        }
      }
      if (state.default === undefined)
        throw new StatesError(ErrorNames.noChoiceMatched, `No Matches! at '${state.name}'`)
      const assigned = await assignChoice(state.assign, undefined, effectiveEnv)
      return { next: state.default, output: selectPath(state.outputPath, effective, env), assigned }
    }
    case 'Wait': {
      await wait(execution, state, frame, effectiveEnv, { input: effective, context, variables })
      return finishJsonPath(state, env, effective, false, state.next)
    }
    case 'Task': {
      const parameters = state.parameters ? state.parameters(effectiveEnv) : effective
      const raw = await invoke(execution, state, frame, parameters, context, effectiveEnv)
      const result = state.resultSelector ? state.resultSelector({ input: raw, context, variables }) : raw
      return finishJsonPath(state, env, result, true, state.next)
    }
    case 'Parallel': {
      const branchInput = state.parameters ? state.parameters(effectiveEnv) : effective
      const raw = await parallel(execution, state, frame, branchInput, hints.parallelBranches)
      const result = state.resultSelector ? state.resultSelector({ input: raw, context, variables }) : raw
      return finishJsonPath(state, env, result, true, state.next)
    }
    case 'Map': {
      const items = selectItems(state, effectiveEnv)
      const jsonataEnv: JsonataEnv = { input, context, variables }
      const maxConcurrency = await readNumber(state.maxConcurrency, effectiveEnv, jsonataEnv)
      const raw = await map(execution, state, frame, {
        items,
        maxConcurrency,
        completed: hints.mapIterations,
        selectItem: (item, index) =>
          state.itemSelector
            ? state.itemSelector({
                input: effective,
                context: { ...context, Map: { Item: { Index: index, Value: item } } },
                variables,
              })
            : item,
        tolerance: () => readTolerance(state, effectiveEnv, jsonataEnv),
        batch: (selected) => batchItems(state, selected, effectiveEnv, jsonataEnv),
      })
      const result = state.resultSelector ? state.resultSelector({ input: raw, context, variables }) : raw
      return finishJsonPath(state, env, result, true, state.next)
    }
    default:
      throw runtimeError(`The state type ${state.type} is not supported.`)
  }
}

/** A JSONPath state's Assign (reading its result as $), ResultPath and OutputPath. */
const finishJsonPath = async (
  state: CompiledState,
  env: DataEnv,
  result: unknown,
  useResultPath: boolean,
  next: string | undefined,
): Promise<Processed> => {
  const assigned = state.assign
    ? await assign(state.assign, { input: result, context: env.context, variables: env.variables })
    : undefined
  const merged = useResultPath ? applyResultPath(state, env.input, result) : result
  const output = selectPath(state.outputPath, merged, env)
  return { next, output, assigned }
}

/**
 * A Choice's variables: the state's Assign applies whichever rule matched, and the matched rule's Assign on top of it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html); both read the values from before.
 */
const assignChoice = async (
  stateAssign: Assigner | undefined,
  ruleAssign: Assigner | undefined,
  env: DataEnv | JsonataEnv,
): Promise<Array<readonly [string, unknown]> | undefined> => {
  if (!stateAssign && !ruleAssign) return undefined
  const merged = new Map<string, unknown>(stateAssign ? await assign(stateAssign, env) : [])
  for (const [name, value] of ruleAssign ? await assign(ruleAssign, env) : []) merged.set(name, value)
  return [...merged]
}

const selectItems = (state: CompiledState, env: DataEnv): unknown[] => {
  const reference = state.itemsPath as Reference
  const result = resolveReference(reference, env)
  if (!result.found) throw invalidPath(reference, result)
  // AWS names the path relative to its root: "$$.Execution.Input" shows as "$.Execution.Input" (observed on AWS).
  if (!Array.isArray(result.value))
    throw runtimeError(`Reference path "${reference.text.replace(/^\$\$/, '$')}" must point to array.`)
  return result.value
}

const processJsonata = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  input: unknown,
  context: ContextObject,
  hints: StartHints,
): Promise<Processed> => {
  const variables = frame.variables
  const env: JsonataEnv = { input, context, variables }
  const finish = async (result: unknown, next: string | undefined, hasResult: boolean): Promise<Processed> => {
    const resultEnv: JsonataEnv = hasResult ? { ...env, result } : env
    const assigned = state.assign ? await assign(state.assign, resultEnv) : undefined
    const output = state.output ? await state.output(resultEnv) : result
    return { next, output, assigned }
  }
  const dataEnv: DataEnv = { input, context, variables }
  switch (state.type) {
    case 'Pass':
      return finish(input, state.next, false)
    case 'Succeed':
      return finish(input, undefined, false)
    case 'Fail': {
      const value = async (source: CompiledState['error']) =>
        source === undefined
          ? undefined
          : source.kind === 'jsonata'
            ? await source.evaluate(env)
            : source.kind === 'value'
              ? source.value
              : undefined
      const error = await value(state.error)
      const cause = await value(state.cause)
      throw new StatesError(
        error === undefined ? undefined : typeof error === 'string' ? error : stringify(error),
        cause === undefined ? undefined : typeof cause === 'string' ? cause : stringify(cause),
      )
    }
    case 'Choice': {
      for (const choice of state.choices) {
        const verdict = choice.condition ? await choice.condition(env) : false
        if (typeof verdict !== 'boolean')
          throw unexpectedType(choice.conditionText ?? '', 'Condition', 'boolean', verdict)
        if (verdict) {
          const assigned = await assignChoice(state.assign, choice.assign, env)
          const outputField = choice.output ?? state.output
          return { next: choice.next, output: outputField ? await outputField(env) : input, assigned }
        }
      }
      if (state.default === undefined)
        throw new StatesError(ErrorNames.noChoiceMatched, `No Matches! at '${state.name}'`)
      return finish(input, state.default, false)
    }
    case 'Wait':
      await wait(execution, state, frame, dataEnv, env)
      return finish(input, state.next, false)
    case 'Task': {
      const args = state.arguments ? await state.arguments(env) : input
      const result = await invoke(execution, state, frame, args, context, dataEnv, env)
      return finish(result, state.next, true)
    }
    case 'Parallel': {
      const args = state.arguments ? await state.arguments(env) : input
      return finish(await parallel(execution, state, frame, args, hints.parallelBranches), state.next, true)
    }
    case 'Map': {
      let items: unknown = input
      if (state.items) items = await state.items(env)
      if (!Array.isArray(items)) {
        if (state.itemsText !== undefined) throw unexpectedType(state.itemsText, 'Items', 'array', items)
        throw new StateRuntimeError(
          ErrorNames.queryEvaluationError,
          `Map state input must be an array but was: ${stringify(items)}`,
        )
      }
      const maxConcurrency = await readNumber(state.maxConcurrency, dataEnv, env)
      const selector = state.itemSelectorJsonata
      const result = await map(execution, state, frame, {
        items,
        maxConcurrency,
        completed: hints.mapIterations,
        selectItem: (item, index) =>
          selector ? selector({ ...env, context: { ...context, Map: { Item: { Index: index, Value: item } } } }) : item,
        tolerance: () => readTolerance(state, dataEnv, env),
        batch: (selected) => batchItems(state, selected, dataEnv, env),
      })
      return finish(result, state.next, true)
    }
    default:
      throw runtimeError(`The state type ${state.type} is not supported.`)
  }
}
