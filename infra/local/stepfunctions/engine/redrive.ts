import type { HistoryEvent, StateDefinition, StateMachineDefinition } from './types'
import { loadDefinition } from './validate'

/**
 * Where a redriven execution resumes (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html):
 * the top-level state that was entered and never exited, with the input it received and the variables as they
 * were; an inline Map or a Parallel keeps the results of the iterations and branches that succeeded.
 */
export interface ResumePlan {
  readonly state: string
  readonly input: unknown
  /** The state's input as the history recorded it. */
  readonly inputText: string
  /** Outputs of the iterations of `state` (a Map) that succeeded, by index. */
  readonly mapIterations: ReadonlyMap<number, unknown> | undefined
  /** Outputs of the branches of `state` (a Parallel) that succeeded, by index. */
  readonly parallelBranches: ReadonlyMap<number, unknown> | undefined
  /** The top-level variables when the state was entered. */
  readonly variables: Readonly<Record<string, unknown>>
  /** $$.Execution.RedriveCount after this redrive. */
  readonly redriveCount: number
  /** The last event of the history so far: ExecutionRedriven follows it. */
  readonly lastEventId: number
  readonly nextEventId: number
}

/** RedriveExecution's refusal (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html#API_RedriveExecution_Errors). */
export class ExecutionNotRedrivable extends Error {
  override readonly name = 'ExecutionNotRedrivable'
}

const endings = new Set(['ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut'])

const detailsOf = (event: HistoryEvent, key: string) =>
  event[key] as
    { name?: string; input?: string; output?: string; assignedVariables?: Record<string, string> } | undefined

/**
 * Plans a redrive from the execution's history (every event so far, redrives included): throws
 * ExecutionNotRedrivable when the execution did not end FAILED, ABORTED or TIMED_OUT.
 */
export const planRedrive = (definition: unknown, history: ReadonlyArray<HistoryEvent>): ResumePlan => {
  const machine = loadDefinition(definition) as StateMachineDefinition
  const last = history[history.length - 1]
  if (!last || !endings.has(last.type))
    throw new ExecutionNotRedrivable(
      `Execution is not redrivable: only a FAILED, ABORTED or TIMED_OUT execution can be redriven (its last event is ${last?.type ?? 'none'})`,
    )
  const started = history.find((event) => event.type === 'ExecutionStarted')
  const executionInput = (started?.executionStartedEventDetails as { input?: string } | undefined)?.input ?? '{}'
  const topLevel = machine.States
  const variables: Record<string, unknown> = {}
  let open: { state: string; inputText: string; at: number; variables: Record<string, unknown> } | undefined
  let lastExit: { state: string; outputText: string } | undefined
  history.forEach((event, at) => {
    const entered = detailsOf(event, 'stateEnteredEventDetails')
    if (entered?.name !== undefined && entered.name in topLevel && event.type.endsWith('StateEntered')) {
      open = { state: entered.name, inputText: entered.input ?? 'null', at, variables: { ...variables } }
      return
    }
    const exited = detailsOf(event, 'stateExitedEventDetails')
    if (exited?.name !== undefined && exited.name in topLevel && event.type.endsWith('StateExited')) {
      for (const [name, text] of Object.entries(exited.assignedVariables ?? {})) variables[name] = JSON.parse(text)
      if (open?.state === exited.name) open = undefined
      lastExit = { state: exited.name, outputText: exited.output ?? 'null' }
    }
  })
  const redriveCount = history.filter((event) => event.type === 'ExecutionRedriven').length + 1
  const common = { redriveCount, lastEventId: last.id, nextEventId: last.id + 1, variables }
  if (open) {
    const state = topLevel[open.state] as StateDefinition
    const attempt = history.slice(open.at + 1)
    return {
      ...common,
      state: open.state,
      input: JSON.parse(open.inputText),
      inputText: open.inputText,
      variables: open.variables,
      mapIterations: state.Type === 'Map' ? succeededIterations(open.state, attempt, history) : undefined,
      parallelBranches: state.Type === 'Parallel' ? succeededBranches(state, attempt) : undefined,
    }
  }
  // Stopped between two states: resume at the next one with the output of the one before.
  const next = lastExit ? (topLevel[lastExit.state]?.Next as string | undefined) : undefined
  if (lastExit && next)
    return {
      ...common,
      state: next,
      input: JSON.parse(lastExit.outputText),
      inputText: lastExit.outputText,
      mapIterations: undefined,
      parallelBranches: undefined,
    }
  return {
    ...common,
    state: machine.StartAt,
    input: JSON.parse(executionInput),
    inputText: executionInput,
    mapIterations: undefined,
    parallelBranches: undefined,
  }
}

/** The iterations of the Map's last attempt that succeeded: an iteration's output is its last state's output. */
const succeededIterations = (
  name: string,
  attempt: ReadonlyArray<HistoryEvent>,
  history: ReadonlyArray<HistoryEvent>,
): Map<number, unknown> => {
  const lastStart = attempt.map((event) => event.type).lastIndexOf('MapStateStarted')
  const events = lastStart >= 0 ? attempt.slice(lastStart) : attempt
  const byId = new Map(history.map((event) => [event.id, event]))
  const outputs = new Map<number, unknown>()
  for (const event of events) {
    if (event.type !== 'MapIterationSucceeded') continue
    const details = event.mapIterationSucceededEventDetails as { name?: string; index?: number } | undefined
    if (details?.name !== name || details.index === undefined) continue
    const before = byId.get(event.previousEventId)
    const output = before ? detailsOf(before, 'stateExitedEventDetails')?.output : undefined
    if (output !== undefined) outputs.set(details.index, JSON.parse(output))
  }
  return outputs
}

/** The branches of the Parallel's last attempt whose terminal state exited, with that state's output. */
const succeededBranches = (state: StateDefinition, attempt: ReadonlyArray<HistoryEvent>): Map<number, unknown> => {
  const lastStart = attempt.map((event) => event.type).lastIndexOf('ParallelStateStarted')
  const events = lastStart >= 0 ? attempt.slice(lastStart) : attempt
  const outputs = new Map<number, unknown>()
  const branches = (state.Branches as StateMachineDefinition[] | undefined) ?? []
  branches.forEach((branch, index) => {
    for (const event of events) {
      const exited = detailsOf(event, 'stateExitedEventDetails')
      const inner = exited?.name === undefined ? undefined : branch.States[exited.name]
      if (!inner || !event.type.endsWith('StateExited')) continue
      if (inner.End === true || inner.Type === 'Succeed') outputs.set(index, JSON.parse(exited?.output ?? 'null'))
    }
  })
  return outputs
}
