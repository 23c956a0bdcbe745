import { Cause, Effect, Exit, Option, ParseResult, Schema, type ManagedRuntime } from 'effect'
import { InvalidInput } from '../../contracts/errors'

/**
 * A step: the contract of its input and the program that handles it.
 * The same value runs as a Lambda handler on AWS and in process in the local runtime.
 */
export interface Step<A, I, O, E, R> {
  /** The name the CDK app gives the function (`PIPELINE_STEP`), which the local runtime resolves back to this step. */
  readonly name: string
  readonly input: Schema.Schema<A, I>
  readonly run: (input: A) => Effect.Effect<O, E, R>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStep = Step<any, any, any, any, any>

export const defineStep = <A, I, O, E, R>(step: Step<A, I, O, E, R>): Step<A, I, O, E, R> => step

/**
 * What a failed step throws. Its `name` is the failure's `_tag`, so a workflow's `ErrorEquals: ["<Tag>"]` matches it
 * (an Effect rejection would be named `(FiberFailure) <Tag>` and match nothing).
 */
export class StepError extends Error {
  constructor(
    name: string,
    message: string,
    readonly trace: ReadonlyArray<string> = [],
  ) {
    super(message)
    this.name = name
  }

  /** The `Cause` string Step Functions shows for a failed Lambda task (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html). */
  get lambdaCause(): string {
    return JSON.stringify({ errorType: this.name, errorMessage: this.message, trace: this.trace })
  }
}

const traceOf = (error: unknown): ReadonlyArray<string> =>
  error instanceof Error && error.stack
    ? error.stack
        .split('\n')
        .slice(1, 6)
        .map((line) => line.trim())
    : []

/** Turns a failed Exit into the error Lambda would report: typed failures by tag, defects by their own name. */
export const toStepError = (cause: Cause.Cause<unknown>): StepError => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    const tag = typeof error === 'object' && error !== null && '_tag' in error ? String(error._tag) : 'Error'
    const message = error instanceof Error ? error.message : String(error)
    return new StepError(tag, message, traceOf(error))
  }
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) {
    const error = defect.value
    return error instanceof Error
      ? new StepError(error.name || 'Error', error.message, traceOf(error))
      : new StepError('Error', String(error))
  }
  return new StepError('Interrupted', 'The step was interrupted')
}

/** Decode the payload with the step's contract, so a bad payload is an `InvalidInput` naming the fields, never a crash. */
export const decodeInput = <A, I>(schema: Schema.Schema<A, I>, payload: unknown) =>
  Schema.decodeUnknown(schema, { errors: 'all', onExcessProperty: 'ignore' })(payload).pipe(
    Effect.mapError((error) => new InvalidInput({ message: ParseResult.TreeFormatter.formatErrorSync(error) })),
  )

/**
 * Run a step on a payload as Lambda would: decode, run, and hand back plain JSON.
 * Resolves with the output or rejects with a `StepError` whose name is the failure's tag.
 */
export const invokeStep = async <R>(
  step: AnyStep,
  runtime: ManagedRuntime.ManagedRuntime<R, never>,
  payload: unknown,
): Promise<unknown> => {
  const program = Effect.flatMap(
    decodeInput(step.input, payload),
    (input) => step.run(input) as Effect.Effect<unknown, unknown, R>,
  ).pipe(Effect.withSpan(step.name))
  const exit = await runtime.runPromiseExit(program)
  if (Exit.isSuccess(exit)) return exit.value === undefined ? null : JSON.parse(JSON.stringify(exit.value))
  throw toStepError(exit.cause)
}
