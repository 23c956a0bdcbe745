import {
  runExecution,
  virtualClock,
  type ExecutionOutcome,
  type HistoryEvent,
  type InvokeTask,
  type RunExecutionOptions,
} from '../../../infra/local/stepfunctions/engine'

/** The Step Functions developer guide, which each case cites. */
export const Guide = 'https://docs.aws.amazon.com/step-functions/latest/dg'

export const executionInfo = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Conformance:run-1',
  executionName: 'run-1',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Conformance',
  stateMachineName: 'Conformance',
  roleArn: 'arn:aws:iam::123456789012:role/Conformance',
  startTime: '2026-01-01T00:00:00.000Z',
}

/** What `execute` takes besides the definition and the input. */
export type ExecuteOptions = Partial<Omit<RunExecutionOptions, 'definition'>> & { readonly invokeTask?: InvokeTask }

/**
 * One conformance case, a row of an `it.each` table: `act` runs it, `assess` checks what AWS gives back. `doc` is the
 * AWS page it checks; `note` says where AWS's documentation is silent and what the engine chose, or what was
 * observed on AWS rather than documented.
 */
export interface Case<T = Executed> {
  readonly name: string
  readonly doc: string
  readonly note?: string
  readonly act: () => Promise<T>
  readonly assess: (result: T) => void
}

/** Runs a case: act, then assess. */
export const runCase = async <T>({ act, assess }: Case<T>): Promise<void> => assess(await act())

/** The usual act: run `definition` on `input`. */
export const running =
  (definition: unknown, input: unknown = {}, options: ExecuteOptions = {}) =>
  (): Promise<Executed> =>
    execute(definition, input, options)

export interface Executed {
  readonly outcome: ExecutionOutcome
  readonly history: HistoryEvent[]
  /** The output parsed, for assertions on values. */
  readonly value: unknown
}

/**
 * Runs a definition on a simulated clock starting at executionInfo.startTime: waits and retry intervals take no
 * real time. Tasks answer with `invokeTask` (default: they hand their input back).
 */
export const execute = async (
  definition: unknown,
  input: unknown = {},
  options: ExecuteOptions = {},
): Promise<Executed> => {
  const clock = virtualClock(Date.parse(executionInfo.startTime))
  const history: HistoryEvent[] = []
  const outcome = await runExecution({
    definition,
    input: typeof input === 'string' ? input : JSON.stringify(input),
    context: executionInfo,
    invokeTask: async ({ input: taskInput }) => taskInput,
    sleep: clock.sleep,
    now: clock.now,
    onEvent: (event) => history.push(event),
    ...options,
  })
  return { outcome, history, value: outcome.output === undefined ? undefined : JSON.parse(outcome.output) }
}

/** `[id, previousEventId, type]` of each event: the shape AWS's ordering rules are checked on. */
export const skeleton = (history: ReadonlyArray<HistoryEvent>): Array<[number, number, string]> =>
  history.map((event) => [event.id, event.previousEventId, event.type])

/** A one-state machine around `state`, named S. */
export const single = (state: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  StartAt: 'S',
  States: { S: { End: true, ...state } },
  ...extra,
})
