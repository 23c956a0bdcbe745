/**
 * A failure a state raises, named as Step Functions names it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-error-representation).
 */
export class StatesError extends Error {
  /** Absent when the failure has no name (a Fail state without Error). */
  readonly error: string | undefined
  /** Absent when the failure carries no cause (a Fail state without Cause). */
  readonly cause: string | undefined
  constructor(error: string | undefined, cause?: string) {
    super(cause === undefined ? (error ?? 'failed') : `${error ?? 'failed'}: ${cause}`)
    this.name = 'StatesError'
    this.error = error
    this.cause = cause
  }
}

/** The predefined error names (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). */
export const ErrorNames = {
  all: 'States.ALL',
  runtime: 'States.Runtime',
  dataLimitExceeded: 'States.DataLimitExceeded',
  taskFailed: 'States.TaskFailed',
  timeout: 'States.Timeout',
  heartbeatTimeout: 'States.HeartbeatTimeout',
  noChoiceMatched: 'States.NoChoiceMatched',
  queryEvaluationError: 'States.QueryEvaluationError',
  branchFailed: 'States.BranchFailed',
  resultPathMatchFailure: 'States.ResultPathMatchFailure',
  parameterPathFailure: 'States.ParameterPathFailure',
  permissions: 'States.Permissions',
  itemReaderFailed: 'States.ItemReaderFailed',
  exceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
} as const

/**
 * A failure the engine raises about the state it is running (a path that finds nothing, a JSONata error): AWS
 * prefixes its cause with "An error occurred while executing the state 'X' (entered at the event id #N). ".
 */
export class StateRuntimeError extends StatesError {
  override readonly name = 'StateRuntimeError'
  constructor(
    error: string,
    cause: string,
    /** The field whose evaluation failed ('Output/result'), for the EvaluationFailed event. */
    readonly location?: string,
  ) {
    super(error, cause)
  }
}

/** A States.Runtime failure: the definition and the data disagree (a path that does not resolve, a wrong type). */
export const runtimeError = (cause: string): StatesError => new StateRuntimeError(ErrorNames.runtime, cause)

/** Errors that no Retry or Catch handles (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#states-runtime-error). */
export const isUncatchable = (error: string): boolean => error === ErrorNames.runtime

/** Whether an ErrorEquals list matches an error: States.ALL matches all but the terminal errors; States.TaskFailed all but States.Timeout. */
export const errorMatches = (errorEquals: ReadonlyArray<string>, error: string | undefined): boolean => {
  // A failure without a name (a Fail state without Error) matches no ErrorEquals, not even States.ALL.
  if (error === undefined || isUncatchable(error)) return false
  for (const name of errorEquals) {
    if (name === error) return true
    if (name === ErrorNames.all && error !== ErrorNames.dataLimitExceeded) return true
    if (name === ErrorNames.taskFailed && error !== ErrorNames.timeout && error !== ErrorNames.dataLimitExceeded)
      return true
  }
  return false
}

/** The error a state fails with when its invokeTask callback rejects: `{error, cause}` if given, else the Error's name and message. */
export const toStatesError = (failure: unknown): StatesError => {
  if (failure instanceof StatesError) return failure
  if (typeof failure === 'object' && failure !== null) {
    const record = failure as { error?: unknown; cause?: unknown; name?: unknown; message?: unknown }
    if (typeof record.error === 'string')
      return new StatesError(record.error, record.cause === undefined ? undefined : stringCause(record.cause))
    if (failure instanceof Error) return new StatesError(failure.name, failure.message)
  }
  return new StatesError(ErrorNames.taskFailed, stringCause(failure))
}

const stringCause = (cause: unknown): string => (typeof cause === 'string' ? cause : JSON.stringify(cause))

/**
 * The task invoker could not answer at all (no mock for the state, say): not a task failure a Catch may see. The
 * execution stops and runExecution rejects with it, so the caller reports its own mistake.
 */
export class InvocationDefect extends Error {
  override readonly name: string = 'InvocationDefect'
}
