import { randomUUID } from 'node:crypto'
import { parseTimestamp } from './choice'
import { realClock, type Clock } from './clock'
import {
  compileMachine,
  compileState,
  evaluateStringSource,
  type Assigner,
  type CompiledMachine,
  type CompiledRetrier,
  type CompiledState,
  type NumberSource,
  type QueryLanguage,
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
import { HistoryRecorder, detailsKey, isoTime } from './history'
import { unexpectedType, type JsonataEnv } from './jsonata-fields'
import { writeAtPath } from './json-path'
import { resolveReference, type DataEnv, type Reference } from './references'
import type { ResumePlan } from './redrive'
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

/** The payload quota of inputs, outputs and results (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions). */
export const MaxPayloadBytes = 256 * 1024

/** The most events one execution's history may hold (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). */
export const MaxHistoryEvents = 25_000

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
  /** StopExecution: aborting ends the execution ABORTED. */
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

/** Stopping an execution (StopExecution, its own timeout): every pending wait and task rejects with this. */
class Stopped extends Error {
  constructor(readonly reason: 'aborted' | 'timed-out') {
    super(reason)
  }
}

interface Execution {
  readonly clock: Clock
  readonly history: HistoryRecorder
  readonly invokeTask: InvokeTask | undefined
  readonly retryDelayScale: number
  readonly executionContext: ContextObject['Execution']
  readonly stateMachineContext: ContextObject['StateMachine']
  readonly region: string
  readonly account: string
}

/** A thread of states: the execution, one Parallel branch or one Map iteration. */
interface Frame {
  /** The last event of this thread: the next event's previousEventId. */
  cursor: number
  readonly variables: VariableScope
  readonly signal: AbortSignal
  /** Rejects when `signal` aborts (made on first use). */
  stopped?: Promise<never>
  /** False for an execution nothing can stop: its tasks need not race a stop. */
  readonly stoppable: boolean
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

const bytes = (text: string): number =>
  text.length * 3 <= MaxPayloadBytes ? text.length : Buffer.byteLength(text, 'utf8')

/**
 * The JSON text of values AWS passes on unchanged: it keeps the execution input as written (spaces included), and a
 * Parallel or Map result is its branches' texts joined, so an untouched value shows the same text all the way through.
 */
const knownText = new WeakMap<object, string>()

const stringify = (value: unknown): string => {
  if (typeof value === 'object' && value !== null) {
    const known = knownText.get(value)
    if (known !== undefined) return known
  }
  return JSON.stringify(value) ?? 'null'
}

/** An array of results whose text is its items' texts joined, as AWS assembles Parallel and Map results. */
const joinedResults = (results: unknown[]): unknown[] => {
  knownText.set(results, `[${results.map(stringify).join(',')}]`)
  return results
}

const dataLimit = (who: string) =>
  new StatesError(
    ErrorNames.dataLimitExceeded,
    `The state/task '${who}' returned a result with a size exceeding the maximum number of bytes service limit.`,
  )

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

const invalidPath = (reference: Reference, result: { missing: string; leaf: boolean }) =>
  runtimeError(
    `Invalid path '${reference.text}' : ${result.leaf ? `No results for path: ${result.missing}` : `Missing property in path ${result.missing}`}`,
  )

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
  const definition = loadDefinition(options.definition)
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
  }

  const timeoutSeconds = (definition as StateMachineDefinition).TimeoutSeconds
  // An execution nothing can stop shares one signal that never aborts: no controller per run.
  const stop = options.signal || typeof timeoutSeconds === 'number' ? new AbortController() : undefined
  const onAbort = () => stop?.abort(new Stopped('aborted'))
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
    const output = plan
      ? await runStates(execution, machine, frame, plan.state, plan.input, {
          inputText: plan.inputText,
          mapIterations: plan.mapIterations,
          parallelBranches: plan.parallelBranches,
        })
      : await runStates(execution, machine, frame, machine.startAt, executionInput, { inputText })
    const outputText = stringify(output)
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
      history.add(0, 'ExecutionAborted', { executionAbortedEventDetails: {} })
      return { status: 'ABORTED' }
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

/** What a thread starts with besides its input. */
interface StartHints {
  /** The input exactly as given (the execution's first state shows the raw text). */
  readonly inputText?: string
  /** Redrive: outputs of the first state's Map iterations that already succeeded. */
  readonly mapIterations?: ReadonlyMap<number, unknown>
  /** Redrive: outputs of the first state's Parallel branches that already succeeded. */
  readonly parallelBranches?: ReadonlyMap<number, unknown>
}

/** Runs a thread from `start` until a state ends it; resolves to the thread's output. */
const runStates = async (
  execution: Execution,
  machine: CompiledMachine,
  frame: Frame,
  start: string,
  input: unknown,
  hints: StartHints = {},
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
  }
  return data
}

const stateContext = (
  execution: Execution,
  state: CompiledState,
  enteredTime: string,
  retryCount: number,
  extra?: Partial<ContextObject>,
): ContextObject => ({
  Execution: execution.executionContext,
  StateMachine: execution.stateMachineContext,
  // AWS shows RetryCount only to the states that retry.
  State:
    state.type === 'Task' || state.type === 'Map' || state.type === 'Parallel'
      ? { Name: state.name, EnteredTime: enteredTime, RetryCount: retryCount }
      : { Name: state.name, EnteredTime: enteredTime },
  // A callback task's token, new for each attempt, is in the context before Parameters are evaluated.
  ...(state.resource?.endsWith('.waitForTaskToken') ? { Task: { Token: randomUUID() } } : {}),
  ...extra,
})

const emit = (execution: Execution, frame: Frame, type: string, details?: Record<string, unknown>): number => {
  const id = execution.history.add(frame.cursor, type, details)
  frame.cursor = id
  return id
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
  const attempts = new Array<number>(state.retry.length).fill(0)
  let retryCount = 0
  for (;;) {
    const context = stateContext(execution, state, enteredTime, retryCount)
    try {
      const done = await processState(execution, state, frame, input, context, hints)
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

const readNumber = async (
  source: NumberSource | undefined,
  env: DataEnv,
  jsonataEnv: JsonataEnv,
): Promise<number | undefined> => {
  if (!source) return undefined
  if (source.kind === 'value') return source.value
  if (source.kind === 'path') {
    const result = resolveReference(source.reference, env)
    if (!result.found) throw invalidPath(source.reference, result)
    const value = result.value
    // A whole number as text is read as one (AWS parses the value as an integer).
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
    if (typeof number !== 'number' || !Number.isInteger(number))
      throw runtimeError(
        `The ${source.field} field refers to value "${typeof value === 'string' ? value : stringify(value)}" which is not a valid integer: ${source.reference.text}`,
      )
    return number
  }
  const value = await source.evaluate(jsonataEnv)
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw unexpectedType(source.text, source.field, 'integer', value)
  return value
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
  const finish = async (result: unknown, useResultPath: boolean, next: string | undefined): Promise<Processed> => {
    const assigned = state.assign ? await assign(state.assign, { input: result, context, variables }) : undefined
    const merged = useResultPath ? applyResultPath(state, input, result) : result
    const output = selectPath(state.outputPath, merged, env)
    return { next, output, assigned }
  }
  switch (state.type) {
    case 'Pass': {
      const result = state.result ? state.result.value : state.parameters ? state.parameters(effectiveEnv) : effective
      return finish(result, true, state.next)
    }
    case 'Succeed':
      return finish(effective, false, undefined)
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
          const assigned = await assignChoice(choice.assign ?? state.assign, effectiveEnv)
          return { next: choice.next, output: selectPath(state.outputPath, effective, env), assigned }
        }
      }
      if (state.default === undefined)
        throw new StatesError(ErrorNames.noChoiceMatched, `No Matches! at '${state.name}'`)
      const assigned = await assignChoice(state.assign, effectiveEnv)
      return { next: state.default, output: selectPath(state.outputPath, effective, env), assigned }
    }
    case 'Wait': {
      await wait(execution, state, frame, effectiveEnv, { input: effective, context, variables })
      return finish(effective, false, state.next)
    }
    case 'Task': {
      const parameters = state.parameters ? state.parameters(effectiveEnv) : effective
      const raw = await invoke(execution, state, frame, parameters, context, effectiveEnv)
      const result = state.resultSelector ? state.resultSelector({ input: raw, context, variables }) : raw
      return finish(result, true, state.next)
    }
    case 'Parallel': {
      const branchInput = state.parameters ? state.parameters(effectiveEnv) : effective
      const raw = await parallel(execution, state, frame, branchInput, hints.parallelBranches)
      const result = state.resultSelector ? state.resultSelector({ input: raw, context, variables }) : raw
      return finish(result, true, state.next)
    }
    case 'Map': {
      const items = selectItems(state, effective, effectiveEnv)
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
      return finish(result, true, state.next)
    }
    default:
      throw runtimeError(`The state type ${state.type} is not supported.`)
  }
}

const assignChoice = async (assigner: Assigner | undefined, env: DataEnv) =>
  assigner ? await assign(assigner, env) : undefined

const selectItems = (state: CompiledState, effective: unknown, env: DataEnv): unknown[] => {
  const reference = state.itemsPath as Reference
  const result = resolveReference(reference, env)
  if (!result.found) throw invalidPath(reference, result)
  if (!Array.isArray(result.value))
    throw runtimeError(`Map state input must be an array but was: ${stringify(result.value)}`)
  void effective
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
          const assigner = choice.assign ?? state.assign
          const assigned = assigner ? await assign(assigner, env) : undefined
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

/** The longest wait AWS starts: 2^31 - 1 seconds (a longer one fails "Wait state delay is too long."). */
const MaxWaitMs = 2147483647 * 1000

const wait = async (execution: Execution, state: CompiledState, frame: Frame, env: DataEnv, jsonataEnv: JsonataEnv) => {
  let ms = 0
  if (state.seconds) {
    if (state.seconds.kind === 'path') {
      const result = resolveReference(state.seconds.reference, env)
      if (!result.found)
        throw runtimeError(
          `The SecondsPath parameter does not reference an input value: ${state.seconds.reference.text}`,
        )
      const value = result.value
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw runtimeError(
          `The SecondsPath parameter cannot be parsed as a long value: ${state.seconds.reference.text} == ${stringify(value)}`,
        )
      if (value < 0)
        throw runtimeError(
          `The SecondsPath parameter references a negative value: ${state.seconds.reference.text} == ${value}`,
        )
      ms = value * 1000
    } else if (state.seconds.kind === 'jsonata') {
      const value = await state.seconds.evaluate(jsonataEnv)
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        throw unexpectedType(state.seconds.text, 'Seconds', 'integer', value)
      ms = value * 1000
    } else ms = state.seconds.value * 1000
  } else if (state.timestamp) {
    let text: unknown
    if (state.timestamp.kind === 'path') {
      const reference = state.timestamp.reference
      const result = resolveReference(reference, env)
      if (!result.found)
        throw runtimeError(`The TimestampPath parameter does not reference an input value: ${reference.text}`)
      text = result.value
      if (parseTimestamp(text) === undefined)
        throw runtimeError(
          `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${reference.text} == ${typeof text === 'string' ? text : stringify(text)}`,
        )
    } else if (state.timestamp.kind === 'jsonata') {
      text = await state.timestamp.evaluate(jsonataEnv)
      if (parseTimestamp(text) === undefined)
        throw new StateRuntimeError(
          ErrorNames.queryEvaluationError,
          `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${typeof text === 'string' ? text : stringify(text)}`,
          'Timestamp',
        )
    } else {
      text = state.timestamp.value
      if (parseTimestamp(text) === undefined)
        throw runtimeError(
          `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(text)}`,
        )
    }
    ms = (parseTimestamp(text) as number) - execution.clock.now()
  }
  if (ms > MaxWaitMs) throw runtimeError('Wait state delay is too long.')
  if (ms > 0) await execution.clock.sleep(ms, frame.signal)
}

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
const invoke = async (
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
  const armHeartbeat = () => {
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

const taskFailure = (failure: unknown): TaskOutcome => {
  if (failure instanceof InvocationDefect) throw failure
  return { kind: 'failed', error: toStatesError(failure) }
}

/** The reason timers are cancelled with once a task settled (a reason of our own: no DOMException to build). */
const settledReason = new Error('settled')

/** Rejects when the thread stops; made once per thread and shared by its tasks. */
const stopped = (frame: Frame): Promise<never> => {
  if (!frame.stoppable) return new Promise<never>(() => undefined)
  if (!frame.stopped) {
    const signal = frame.signal
    frame.stopped = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason)
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
    })
    frame.stopped.catch(() => undefined)
  }
  return frame.stopped
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

/** A child signal: aborts with its parent, or on its own when a sibling fails. */
const childController = (parent: AbortSignal): { controller: AbortController; release: () => void } => {
  const controller = new AbortController()
  const onAbort = () => controller.abort(parent.reason)
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onAbort, { once: true })
  return { controller, release: () => parent.removeEventListener('abort', onAbort) }
}

/** A sibling failed: the others stop where they are. */
class SiblingFailed extends Error {}

/** Runs every branch on the same input (https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html). */
const parallel = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  input: unknown,
  completed: ReadonlyMap<number, unknown> | undefined,
): Promise<unknown[]> => {
  emit(execution, frame, 'ParallelStateStarted')
  const start = frame.cursor
  const { controller, release } = childController(frame.signal)
  let failure: unknown
  let lastCursor = start
  try {
    const results = await Promise.all(
      state.branches.map(async (branch, index) => {
        if (completed?.has(index)) return completed.get(index)
        const branchFrame: Frame = {
          cursor: start,
          variables: new VariableScope(frame.variables),
          signal: controller.signal,
          stoppable: true,
        }
        try {
          const output = await runStates(execution, branch, branchFrame, branch.startAt, input)
          lastCursor = branchFrame.cursor
          return output
        } catch (error) {
          if (failure === undefined && !(error instanceof SiblingFailed) && !(error instanceof Stopped)) {
            failure = error
            frame.cursor = branchFrame.cursor
            controller.abort(new SiblingFailed())
          }
          throw error
        }
      }),
    )
    frame.cursor = lastCursor
    execution.history.add(frame.cursor, 'ParallelStateSucceeded')
    return joinedResults(results)
  } catch (error) {
    if (failure !== undefined) throw failure
    throw error
  } finally {
    release()
  }
}

/** Runs the ItemProcessor once per item, at most MaxConcurrency at a time (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html). */
const map = async (execution: Execution, state: CompiledState, frame: Frame, run: MapRunInput): Promise<unknown[]> => {
  const { items, maxConcurrency, completed, selectItem } = run
  const processor = state.processor as CompiledMachine
  emit(execution, frame, 'MapStateStarted', { mapStateStartedEventDetails: { length: items.length } })
  if (state.distributed) return mapRun(execution, state, frame, run)
  const results = new Array<unknown>(items.length)
  let lastEnd = frame.cursor
  const { controller, release } = childController(frame.signal)
  let failure: unknown
  let next = 0
  const limit = maxConcurrency && maxConcurrency > 0 ? maxConcurrency : items.length
  const worker = async () => {
    while (next < items.length && failure === undefined && !controller.signal.aborted) {
      const index = next++
      if (completed?.has(index)) {
        results[index] = completed.get(index)
        continue
      }
      const iterationFrame: Frame = {
        cursor: frame.cursor,
        variables: new VariableScope(frame.variables),
        signal: controller.signal,
        stoppable: true,
      }
      const name = state.name
      emit(execution, iterationFrame, 'MapIterationStarted', { mapIterationStartedEventDetails: { name, index } })
      try {
        const input = await selectItem(items[index], index)
        results[index] = await runStates(execution, processor, iterationFrame, processor.startAt, input)
        frame.cursor = iterationFrame.cursor
        lastEnd = execution.history.add(iterationFrame.cursor, 'MapIterationSucceeded', {
          mapIterationSucceededEventDetails: { name, index },
        })
      } catch (error) {
        if (error instanceof SiblingFailed || error instanceof Stopped || failure !== undefined) {
          execution.history.add(iterationFrame.cursor, 'MapIterationAborted', {
            mapIterationAbortedEventDetails: { name, index },
          })
          throw error
        }
        failure = error instanceof StatesError && error instanceof StateRuntimeError ? error : error
        execution.history.add(iterationFrame.cursor, 'MapIterationFailed', {
          mapIterationFailedEventDetails: { name, index },
        })
        frame.cursor = iterationFrame.cursor
        controller.abort(new SiblingFailed())
        throw error
      }
    }
  }
  try {
    const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker())
    const settled = await Promise.allSettled(workers)
    if (failure !== undefined) throw failure
    const rejected = settled.find((outcome) => outcome.status === 'rejected')
    if (rejected) throw (rejected as PromiseRejectedResult).reason
    frame.cursor = lastEnd
    execution.history.add(frame.cursor, 'MapStateSucceeded')
    return joinedResults(results)
  } finally {
    release()
  }
}

export type { QueryLanguage }

/** What a Map state hands the iteration runner. */
interface MapRunInput {
  readonly items: ReadonlyArray<unknown>
  readonly maxConcurrency: number | undefined
  /** Redrive: outputs of iterations that already succeeded. */
  readonly completed: ReadonlyMap<number, unknown> | undefined
  readonly selectItem: (item: unknown, index: number) => unknown
  /** ToleratedFailurePercentage / ToleratedFailureCount, read once the Map has started (Distributed Map). */
  readonly tolerance: () => Promise<Tolerance>
  /** ItemBatcher's batches of the selected items (Distributed Map). */
  readonly batch: (selected: unknown[]) => Promise<unknown[]>
}

interface Tolerance {
  readonly percentage: number | undefined
  readonly count: number | undefined
}

const numericText = (value: unknown): unknown =>
  typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value

/** A Distributed Map's failure thresholds (https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html); causes as observed on AWS. */
const readTolerance = async (state: CompiledState, env: DataEnv, jsonataEnv: JsonataEnv): Promise<Tolerance> => {
  let percentage: number | undefined
  const source = state.toleratedFailurePercentage
  if (source?.kind === 'value') percentage = source.value
  else if (source?.kind === 'path') {
    const result = resolveReference(source.reference, env)
    if (!result.found) throw invalidPath(source.reference, result)
    const value = numericText(result.value)
    if (typeof value !== 'number')
      throw runtimeError(
        `The ${source.field} field refers to value "${typeof result.value === 'string' ? result.value : stringify(result.value)}" which is not a valid float: ${source.reference.text}`,
      )
    percentage = value
  } else if (source?.kind === 'jsonata') {
    const value = await source.evaluate(jsonataEnv)
    if (typeof value !== 'number') throw unexpectedType(source.text, source.field, 'number', value)
    percentage = value
  }
  if (percentage !== undefined && (percentage < 0 || percentage > 100))
    throw runtimeError('ToleratedFailurePercentage must be between 0 and 100.')
  const count = await readNumber(state.toleratedFailureCount, env, jsonataEnv)
  if (count !== undefined && count < 0) throw runtimeError('ToleratedFailureCount cannot be negative.')
  return { percentage, count }
}

/** ItemBatcher (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html): {BatchInput?, Items} per batch. */
const batchItems = async (
  state: CompiledState,
  selected: unknown[],
  env: DataEnv,
  jsonataEnv: JsonataEnv,
): Promise<unknown[]> => {
  const batcher = state.itemBatcher
  if (!batcher) return selected
  const maxItems = (await readNumber(batcher.maxItems, env, jsonataEnv)) ?? Number.POSITIVE_INFINITY
  const maxBytes = (await readNumber(batcher.maxBytes, env, jsonataEnv)) ?? Number.POSITIVE_INFINITY
  const batchInput =
    batcher.batchInput === undefined
      ? undefined
      : state.jsonata
        ? await (batcher.batchInput as (env: JsonataEnv) => Promise<unknown>)(jsonataEnv)
        : (batcher.batchInput as (env: DataEnv) => unknown)(env)
  const batches: unknown[] = []
  let current: unknown[] = []
  let size = 0
  for (const item of selected) {
    const itemSize = bytes(stringify(item))
    if (current.length > 0 && (current.length >= maxItems || size + itemSize > maxBytes)) {
      batches.push(batchInput === undefined ? { Items: current } : { BatchInput: batchInput, Items: current })
      current = []
      size = 0
    }
    current.push(item)
    size += itemSize
  }
  if (current.length > 0)
    batches.push(batchInput === undefined ? { Items: current } : { BatchInput: batchInput, Items: current })
  return batches
}

/**
 * A Distributed Map (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html): a Map Run
 * whose child executions (each item, or batch) keep their own histories and variables; the parent records only
 * MapRunStarted and MapRunSucceeded or MapRunFailed. Failures beyond the tolerated threshold fail it with
 * States.ExceedToleratedFailureThreshold.
 */
const mapRun = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  run: MapRunInput,
): Promise<unknown[]> => {
  const processor = state.processor as CompiledMachine
  const tolerance = await run.tolerance()
  const selected: unknown[] = []
  for (let index = 0; index < run.items.length; index++) selected.push(await run.selectItem(run.items[index], index))
  const inputs = await run.batch(selected)
  const label = state.label ?? state.name
  const machineName = `${execution.stateMachineContext.Name}/${label}`
  const prefix = `arn:aws:states:${execution.region}:${execution.account}`
  emit(execution, frame, 'MapRunStarted', {
    mapRunStartedEventDetails: { mapRunArn: `${prefix}:mapRun:${machineName}:${randomUUID()}` },
  })
  const total = inputs.length
  const exceeded = (failed: number) =>
    tolerance.count === undefined && tolerance.percentage === undefined
      ? failed > 0
      : (tolerance.count !== undefined && failed > tolerance.count) ||
        (tolerance.percentage !== undefined && (failed * 100) / total > tolerance.percentage)
  const results = new Array<unknown>(total)
  const { controller, release } = childController(frame.signal)
  let failed = 0
  let next = 0
  let over = false
  const limit = run.maxConcurrency && run.maxConcurrency > 0 ? run.maxConcurrency : total
  const worker = async () => {
    while (next < total && !over && !controller.signal.aborted) {
      const index = next++
      if (run.completed?.has(index)) {
        results[index] = run.completed.get(index)
        continue
      }
      const input = inputs[index]
      const name = randomUUID()
      const child: Execution = {
        ...execution,
        history: new HistoryRecorder(undefined, execution.clock.now),
        executionContext: {
          Id: `${prefix}:execution:${machineName}:${name}`,
          Input: input,
          StartTime: isoTime(execution.clock.now()),
          Name: name,
          RoleArn: execution.executionContext.RoleArn,
          RedriveCount: 0,
        },
        stateMachineContext: { Id: `${execution.stateMachineContext.Id}/${label}`, Name: machineName },
      }
      const childFrame: Frame = {
        cursor: 0,
        variables: new VariableScope(),
        signal: controller.signal,
        stoppable: true,
      }
      try {
        results[index] = await runStates(child, processor, childFrame, processor.startAt, input)
      } catch (error) {
        if (error instanceof Stopped || error instanceof SiblingFailed || error instanceof InvocationDefect) throw error
        if (!(error instanceof StatesError)) throw error
        failed++
        results[index] = { Error: error.error ?? null, Cause: error.cause ?? null }
        if (exceeded(failed)) {
          over = true
          controller.abort(new SiblingFailed())
        }
      }
    }
  }
  try {
    const settled = await Promise.allSettled(
      Array.from({ length: Math.max(1, Math.min(limit, total)) }, () => worker()),
    )
    const rejected = settled.find((outcome) => outcome.status === 'rejected')
    if (rejected && !over) throw (rejected as PromiseRejectedResult).reason
    if (over) {
      const error = new StatesError(
        ErrorNames.exceedToleratedFailureThreshold,
        'The specified tolerated failure threshold was exceeded',
      )
      emit(execution, frame, 'MapRunFailed', { mapRunFailedEventDetails: { error: error.error, cause: error.cause } })
      throw error
    }
    emit(execution, frame, 'MapRunSucceeded')
    execution.history.add(frame.cursor, 'MapStateSucceeded')
    return joinedResults(results)
  } finally {
    release()
  }
}
