import { randomUUID } from 'node:crypto'
import type { CompiledMachine, CompiledState } from './compile'
import { ErrorNames, InvocationDefect, StatesError, runtimeError } from './errors'
import {
  SiblingFailed,
  Stopped,
  bytes,
  childController,
  emit,
  invalidPath,
  joinedResults,
  numericText,
  readNumber,
  stringify,
  type Execution,
  type Frame,
} from './execution'
import { HistoryRecorder, isoTime } from './history'
import { unexpectedType, type JsonataEnv } from './jsonata-fields'
import { resolveReference, type DataEnv } from './references'
import { VariableScope } from './variables'

/**
 * Parallel and Map states (https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html): branches and iterations as threads of their
 * own, and a Distributed Map's Map Run of child executions.
 */
/** Runs every branch on the same input (https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html). */
export const parallel = async (
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
    // Every branch settles before the state ends, so a stopped sibling records nothing after it.
    const settled = await Promise.allSettled(
      state.branches.map(async (branch, index) => {
        if (completed?.has(index)) return completed.get(index)
        const branchFrame: Frame = {
          cursor: start,
          variables: new VariableScope(frame.variables),
          signal: controller.signal,
          stoppable: true,
        }
        try {
          const output = await execution.runStates(execution, branch, branchFrame, branch.startAt, input)
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
    if (failure !== undefined) throw failure
    const rejected = settled.find((outcome) => outcome.status === 'rejected')
    if (rejected) throw (rejected as PromiseRejectedResult).reason
    const results = settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value)
    frame.cursor = lastCursor
    execution.history.add(frame.cursor, 'ParallelStateSucceeded')
    return joinedResults(results)
  } finally {
    release()
  }
}

/** Runs the ItemProcessor once per item, at most MaxConcurrency at a time (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html). */
export const map = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  run: MapRunInput,
): Promise<unknown[]> => {
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
        results[index] = await execution.runStates(execution, processor, iterationFrame, processor.startAt, input)
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
        failure = error
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

/** A Distributed Map's failure thresholds (https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html); causes as observed on AWS. */
export const readTolerance = async (state: CompiledState, env: DataEnv, jsonataEnv: JsonataEnv): Promise<Tolerance> => {
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
export const batchItems = async (
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
        results[index] = await execution.runStates(child, processor, childFrame, processor.startAt, input)
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
