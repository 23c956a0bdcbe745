import { Context, Effect, Exit, Layer, ManagedRuntime, Schema } from 'effect'
import { InvalidInput, TransientError } from '../../../../contracts/errors'
import { UnsupportedImage } from '../../../../contracts/images'
import { runExecution, virtualClock } from '../../../../infra/local/stepfunctions/engine'
import { taskInvoker } from '../../../../infra/local/stepfunctions/integrations'
import { defineStep, invokeStep, StepError, toStepError, type AnyStep } from '../../../../steps/kit/step'

const runtime = ManagedRuntime.make(Layer.empty)
afterAll(() => runtime.dispose())

const KeyInput = Schema.Struct({ key: Schema.String, size: Schema.Number })
type KeyInput = typeof KeyInput.Type

/** A step over `{ key, size }` whose program is `run`. */
const stepOf = (run: (input: KeyInput) => Effect.Effect<unknown, unknown>): AnyStep =>
  defineStep({ name: 'test-step', input: KeyInput, run })

const unsupported = new UnsupportedImage({ key: 'uploads/notes.txt', detected: 'text' })
const payload = { key: 'uploads/notes.txt', size: 12 }

/** The rejection of a promise, or a failure of the test when it resolves. */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject')
}

describe('invokeStep', () => {
  it.each([
    [
      'a Schema.TaggedError fails by its tag',
      () => Effect.fail(unsupported),
      'UnsupportedImage',
      'uploads/notes.txt is not a supported image (detected: text)',
    ],
    [
      'a TransientError fails by its tag',
      () => Effect.fail(new TransientError({ operation: 's3:GetObject', message: 'SlowDown' })),
      'TransientError',
      'SlowDown',
    ],
    [
      'a defect (TypeError) keeps its own name',
      () => Effect.die(new TypeError('x is not a function')),
      'TypeError',
      'x is not a function',
    ],
    ['a defect that is not an Error is named Error', () => Effect.die('boom'), 'Error', 'boom'],
    ['a failure that is not tagged is named Error', () => Effect.fail('plain'), 'Error', 'plain'],
    ['an interruption is Interrupted', () => Effect.interrupt, 'Interrupted', 'The step was interrupted'],
  ])('rejects with a StepError when %s', async (_name, program, errorType, errorMessage) => {
    // Prepare
    const step = stepOf(program)

    // Act
    const error = await rejectionOf(invokeStep(step, runtime, payload))

    // Assess
    expect(error).toBeInstanceOf(StepError)
    const stepError = error as StepError
    expect(stepError.name).toBe(errorType)
    expect(stepError.message).toBe(errorMessage)
    expect(JSON.parse(stepError.lambdaCause)).toEqual({ errorType, errorMessage, trace: expect.any(Array) })
  })

  it('never names the error "(FiberFailure) ..." as a rejected runPromise would', async () => {
    const step = stepOf(() => Effect.fail(unsupported))

    const fiberFailure = await rejectionOf(runtime.runPromise(step.run(payload) as Effect.Effect<unknown, unknown>))
    const error = await rejectionOf(invokeStep(step, runtime, payload))

    expect((fiberFailure as Error).name).toMatch(/^\(FiberFailure\)/)
    expect((error as Error).name).toBe('UnsupportedImage')
  })

  it('carries the first stack frames of the failure as the Lambda trace', async () => {
    const step = stepOf(() => Effect.die(new TypeError('x')))

    const error = (await rejectionOf(invokeStep(step, runtime, payload))) as StepError

    const { trace } = JSON.parse(error.lambdaCause) as { trace: string[] }
    expect(trace.length).toBeGreaterThan(0)
    expect(trace.length).toBeLessThanOrEqual(5)
    for (const line of trace) expect(line).toMatch(/^at /)
  })

  it.each([
    ['a missing field', { size: 12 }, ['["key"]', 'is missing']],
    ['a field of the wrong type', { key: 'uploads/a.jpg', size: 'big' }, ['["size"]', 'Expected number, actual "big"']],
    [
      'two bad fields, both named',
      { key: 7, size: null },
      ['["key"]', 'Expected string, actual 7', '["size"]', 'Expected number, actual null'],
    ],
    ['a payload that is not an object', 'uploads/a.jpg', ['actual "uploads/a.jpg"']],
  ])('rejects %s with InvalidInput, without running the program', async (_name, badPayload, explains) => {
    // Prepare
    let ran = false
    const step = stepOf(() =>
      Effect.sync(() => {
        ran = true
      }),
    )

    // Act
    const error = (await rejectionOf(invokeStep(step, runtime, badPayload))) as StepError

    // Assess
    expect(error).toBeInstanceOf(StepError)
    expect(error.name).toBe(InvalidInput._tag)
    for (const text of explains) expect(error.message).toContain(text)
    expect(ran).toBe(false)
  })

  it('ignores excess properties, as Lambda payloads carry more than a step reads', async () => {
    const step = stepOf((input) => Effect.succeed(input))

    const output = await invokeStep(step, runtime, { ...payload, extra: true })

    expect(output).toEqual(payload)
  })

  it('resolves with plain JSON: dates as ISO strings, undefined fields dropped, class instances flattened', async () => {
    // Prepare
    class Rendition {
      constructor(
        readonly name: string,
        readonly width: number,
      ) {}
    }
    const step = stepOf(({ key }) =>
      Effect.succeed({
        key,
        at: new Date(Date.UTC(2026, 0, 2)),
        missing: undefined,
        rendition: new Rendition('thumbnail', 200),
      }),
    )

    // Act
    const output = await invokeStep(step, runtime, payload)

    // Assess
    expect(output).toStrictEqual({
      key: payload.key,
      at: '2026-01-02T00:00:00.000Z',
      rendition: { name: 'thumbnail', width: 200 },
    })
  })

  it('resolves with null when the program returns nothing (Lambda serializes undefined as null)', async () => {
    const step = stepOf(() => Effect.void)

    expect(await invokeStep(step, runtime, payload)).toBeNull()
  })

  it("provides the runtime's services to the program", async () => {
    // Prepare
    class Greeter extends Context.Tag('Greeter')<Greeter, { readonly greet: (name: string) => string }>() {}
    const withGreeter = ManagedRuntime.make(Layer.succeed(Greeter, { greet: (name) => `hello ${name}` }))
    const step: AnyStep = defineStep({
      name: 'greet',
      input: KeyInput,
      run: ({ key }) => Effect.map(Greeter, (greeter) => greeter.greet(key)),
    })

    // Act
    const output = await invokeStep(step, withGreeter, payload)
    await withGreeter.dispose()

    // Assess
    expect(output).toBe('hello uploads/notes.txt')
  })
})

describe('toStepError', () => {
  it('prefers the typed failure over a defect in a sequential cause', async () => {
    const exit = await Effect.runPromiseExit(
      Effect.fail(new InvalidInput({ message: 'bad' })).pipe(Effect.ensuring(Effect.die(new RangeError('later')))),
    )

    const error = Exit.isFailure(exit) ? toStepError(exit.cause) : undefined

    expect(error?.name).toBe('InvalidInput')
  })
})

// ---------------------------------------------------------------------------------------------------------------
// End to end through the ASL engine and the local runtime's task integrations: the StepError's name is what a
// workflow's Retry and Catch match.

/** What infra/local/runtime.ts does with a failed step: an Error named after the step error, its message Lambda's Cause JSON. */
const lambdaFailure = (error: unknown): Error => {
  const stepError = error instanceof StepError ? error : new StepError('Error', String(error))
  return Object.assign(new Error(stepError.lambdaCause), { name: stepError.name })
}

/** One lambda:invoke Task, retried on TransientError and caught on UnsupportedImage. */
const definition = {
  StartAt: 'ValidateImage',
  States: {
    ValidateImage: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f', 'Payload.$': '$' },
      Retry: [{ ErrorEquals: [TransientError._tag], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: [UnsupportedImage._tag], ResultPath: '$.error', Next: 'Rejected' }],
      End: true,
    },
    Rejected: { Type: 'Pass', End: true },
  },
}

/** Runs the definition with the Task served by `step`; returns the outcome, every invocation, and the states entered. */
const execute = async (step: AnyStep) => {
  const invocations: Array<{ functionName: string; payload: unknown }> = []
  const invokeTask = taskInvoker(definition, {
    invokeFunction: async (functionName, payload) => {
      invocations.push({ functionName, payload })
      try {
        return await invokeStep(step, runtime, JSON.parse(JSON.stringify(payload)))
      } catch (error) {
        throw lambdaFailure(error)
      }
    },
    sendMessage: () => {
      throw new Error('not used')
    },
    putEvents: () => {
      throw new Error('not used')
    },
  })
  const entered: string[] = []
  // Retry intervals pass on a simulated clock: the 30 s waits take no time.
  const clock = virtualClock()
  const result = await runExecution({
    definition,
    input: JSON.stringify(payload),
    context: {
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Steps:run-1',
      executionName: 'run-1',
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Steps',
      stateMachineName: 'Steps',
      roleArn: 'arn:aws:iam::000000000000:role/StepsRole',
      startTime: new Date(),
    },
    invokeTask,
    onEvent: (event) => {
      if (event.type.endsWith('StateEntered')) entered.push((event.stateEnteredEventDetails as { name: string }).name)
    },
    sleep: clock.sleep,
    now: clock.now,
  })
  const outcome =
    result.status === 'SUCCEEDED'
      ? { output: JSON.parse(result.output ?? 'null') as unknown }
      : { error: { error: result.error, cause: result.cause ?? '' } }
  return { outcome, invocations, entered }
}

/** A step that fails with a TransientError the first `failures` times, then answers. */
const flaky = (failures: number): AnyStep => {
  let calls = 0
  return stepOf(({ key }) =>
    Effect.suspend(() =>
      calls++ < failures
        ? Effect.fail(new TransientError({ operation: 's3:GetObject', message: `throttled ${calls}` }))
        : Effect.succeed({ key, attempt: calls }),
    ),
  )
}

describe('a step inside a state machine (the ASL engine)', () => {
  it("is caught by Catch ErrorEquals [UnsupportedImage], with Lambda's JSON as the Cause", async () => {
    const { outcome, invocations, entered } = await execute(stepOf(() => Effect.fail(unsupported)))

    expect(invocations).toEqual([{ functionName: 'f', payload }])
    expect(entered).toEqual(['ValidateImage', 'Rejected'])
    const { error } = (outcome as { output: { error: { Error: string; Cause: string } } }).output
    expect(error.Error).toBe('UnsupportedImage')
    expect(JSON.parse(error.Cause)).toEqual({
      errorType: 'UnsupportedImage',
      errorMessage: 'uploads/notes.txt is not a supported image (detected: text)',
      trace: expect.any(Array),
    })
  })

  it("hands the step output back in Lambda's response shape", async () => {
    const { outcome, entered } = await execute(stepOf(({ key }) => Effect.succeed({ key, format: 'jpeg' })))

    expect(entered).toEqual(['ValidateImage'])
    expect(outcome).toEqual({
      output: { ExecutedVersion: '$LATEST', Payload: { key: payload.key, format: 'jpeg' }, StatusCode: 200 },
    })
  })

  it.each([
    ['succeeds on the first retry', 1, 2],
    ['succeeds on the last retry', 2, 3],
  ])('retries a TransientError and %s', async (_name, failures, attempts) => {
    const { outcome, invocations } = await execute(flaky(failures))

    expect(invocations).toHaveLength(attempts)
    expect(outcome).toEqual({ output: expect.objectContaining({ Payload: { key: payload.key, attempt: attempts } }) })
  })

  it('fails the execution with TransientError once MaxAttempts retries are spent (not caught by the UnsupportedImage catcher)', async () => {
    const { outcome, invocations, entered } = await execute(flaky(10))

    expect(invocations).toHaveLength(3)
    expect(entered).toEqual(['ValidateImage'])
    expect(outcome).toEqual({ error: expect.objectContaining({ error: 'TransientError' }) })
    expect(JSON.parse((outcome as { error: { cause: string } }).error.cause)).toMatchObject({
      errorType: 'TransientError',
      errorMessage: 'throttled 3',
    })
  })

  it('neither retries nor catches a defect, whose name is its own', async () => {
    const { outcome, invocations } = await execute(stepOf(() => Effect.die(new TypeError('x'))))

    expect(invocations).toHaveLength(1)
    expect(outcome).toEqual({ error: expect.objectContaining({ error: 'TypeError' }) })
  })
})
