import type { Clock } from './clock'
import type { CompiledMachine, NumberSource } from './compile'
import { ErrorNames, StatesError, runtimeError } from './errors'
import type { HistoryRecorder } from './history'
import { unexpectedType, type JsonataEnv } from './jsonata-fields'
import { resolveReference, type DataEnv, type Reference } from './references'
import type { ContextObject, InvokeTask } from './types'
import type { VariableScope } from './variables'

/**
 * What the parts of a running execution share: its services, its threads (frames), and the helpers every state
 * type uses to record events, measure payloads and read numbers.
 */
/** The payload quota of inputs, outputs and results (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions). */
export const MaxPayloadBytes = 256 * 1024

/** The most events one execution's history may hold (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). */
export const MaxHistoryEvents = 25_000

/** Stopping an execution (StopExecution, its own timeout): every pending wait and task rejects with this. */
export class Stopped extends Error {
  constructor(
    readonly reason: 'aborted' | 'timed-out',
    /** StopExecution's error and cause, recorded on ExecutionAborted. */
    readonly details: { readonly error?: string; readonly cause?: string } = {},
  ) {
    super(reason)
  }
}

/** The error and cause a StopExecution gave, when the signal's reason carries them (`{error?, cause?}`). */
export const stopDetails = (reason: unknown): { error?: string; cause?: string } => {
  if (typeof reason !== 'object' || reason === null || reason instanceof Error) return {}
  const { error, cause } = reason as { error?: unknown; cause?: unknown }
  return {
    ...(typeof error === 'string' ? { error } : {}),
    ...(typeof cause === 'string' ? { cause } : {}),
  }
}

export interface Execution {
  readonly clock: Clock
  readonly history: HistoryRecorder
  readonly invokeTask: InvokeTask | undefined
  readonly retryDelayScale: number
  readonly executionContext: ContextObject['Execution']
  readonly stateMachineContext: ContextObject['StateMachine']
  readonly region: string
  readonly account: string
  /** Runs a thread of states (the interpreter in run.ts, handed down so Map and Parallel need not import it). */
  readonly runStates: RunStates
}

/** Runs a thread from `start` until a state ends it; resolves to the thread's output. */
export type RunStates = (
  execution: Execution,
  machine: CompiledMachine,
  frame: Frame,
  start: string,
  input: unknown,
  hints?: StartHints,
  last?: { text?: string },
) => Promise<unknown>

/** A thread of states: the execution, one Parallel branch or one Map iteration. */
export interface Frame {
  /** The last event of this thread: the next event's previousEventId. */
  cursor: number
  readonly variables: VariableScope
  readonly signal: AbortSignal
  /** Rejects when `signal` aborts (made on first use). */
  stopped?: Promise<never>
  /** False for an execution nothing can stop: its tasks need not race a stop. */
  readonly stoppable: boolean
}

/** What a thread starts with besides its input. */
export interface StartHints {
  /** The input exactly as given (the execution's first state shows the raw text). */
  readonly inputText?: string
  /** Redrive: outputs of the first state's Map iterations that already succeeded. */
  readonly mapIterations?: ReadonlyMap<number, unknown>
  /** Redrive: outputs of the first state's Parallel branches that already succeeded. */
  readonly parallelBranches?: ReadonlyMap<number, unknown>
}

export const bytes = (text: string): number =>
  text.length * 3 <= MaxPayloadBytes ? text.length : Buffer.byteLength(text, 'utf8')

/**
 * The JSON text of values AWS passes on unchanged: it keeps the execution input as written (spaces included), and a
 * Parallel or Map result is its branches' texts joined, so an untouched value shows the same text all the way through.
 */
export const knownText = new WeakMap<object, string>()

export const stringify = (value: unknown): string => {
  if (typeof value === 'object' && value !== null) {
    const known = knownText.get(value)
    if (known !== undefined) return known
  }
  return JSON.stringify(value) ?? 'null'
}

/** An array of results whose text is its items' texts joined, as AWS assembles Parallel and Map results. */
export const joinedResults = (results: unknown[]): unknown[] => {
  knownText.set(results, `[${results.map(stringify).join(',')}]`)
  return results
}

export const dataLimit = (who: string) =>
  new StatesError(
    ErrorNames.dataLimitExceeded,
    `The state/task '${who}' returned a result with a size exceeding the maximum number of bytes service limit.`,
  )

export const invalidPath = (reference: Reference, result: { missing: string; leaf: boolean }) =>
  runtimeError(
    `Invalid path '${reference.text}' : ${result.leaf ? `No results for path: ${result.missing}` : `Missing property in path ${result.missing}`}`,
  )

export const emit = (execution: Execution, frame: Frame, type: string, details?: Record<string, unknown>): number => {
  const id = execution.history.add(frame.cursor, type, details)
  frame.cursor = id
  return id
}

export const readNumber = async (
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

export const numericText = (value: unknown): unknown =>
  typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value

/** The reason timers are cancelled with once a task settled (a reason of our own: no DOMException to build). */
export const settledReason = new Error('settled')

/** Rejects when the thread stops; made once per thread and shared by its tasks. */
export const stopped = (frame: Frame): Promise<never> => {
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

/** A child signal: aborts with its parent, or on its own when a sibling fails. */
export const childController = (parent: AbortSignal): { controller: AbortController; release: () => void } => {
  const controller = new AbortController()
  const onAbort = () => controller.abort(parent.reason)
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onAbort, { once: true })
  return { controller, release: () => parent.removeEventListener('abort', onAbort) }
}

/** A sibling failed: the others stop where they are. */
export class SiblingFailed extends Error {}
