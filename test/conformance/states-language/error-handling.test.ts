import { retryDelay } from '../../../infra/local/stepfunctions/engine'
import { Guide, execute, skeleton } from './support'

const page = `${Guide}/concepts-error-handling.html`

/** A Task T with Retry/Catch, ending in Done, or in Caught when a catcher goes there. */
const task = (fields: Record<string, unknown>) => ({
  StartAt: 'T',
  States: {
    T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'Done', ...fields },
    ...(fields.Catch ? { Caught: { Type: 'Pass', End: true } } : {}),
    Done: { Type: 'Succeed' },
  },
})

/** An invokeTask failing with `errors` in turn, then succeeding; it counts its calls. */
const failing = (...errors: string[]) => {
  let calls = 0
  return {
    calls: () => calls,
    invokeTask: async () => {
      const error = errors[calls++]
      if (error !== undefined) throw { error, cause: `cause of ${error}` }
      return 'ok'
    },
  }
}

describe('error handling', () => {
  it.each([
    {
      name: 'retries MaxAttempts times, then fails',
      retry: [{ ErrorEquals: ['E'], MaxAttempts: 2 }],
      errors: ['E', 'E', 'E'],
      calls: 3,
      status: 'FAILED',
    },
    {
      name: 'succeeds on a retry',
      retry: [{ ErrorEquals: ['E'], MaxAttempts: 2 }],
      errors: ['E'],
      calls: 2,
      status: 'SUCCEEDED',
    },
    {
      name: 'defaults MaxAttempts to 3',
      retry: [{ ErrorEquals: ['E'] }],
      errors: ['E', 'E', 'E', 'E'],
      calls: 4,
      status: 'FAILED',
    },
    {
      name: 'never retries with MaxAttempts 0',
      retry: [{ ErrorEquals: ['E'], MaxAttempts: 0 }],
      errors: ['E'],
      calls: 1,
      status: 'FAILED',
    },
    {
      name: 'retries only the errors it names',
      retry: [{ ErrorEquals: ['Other'] }],
      errors: ['E'],
      calls: 1,
      status: 'FAILED',
    },
    {
      name: 'matches States.ALL',
      retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 1 }],
      errors: ['E'],
      calls: 2,
      status: 'SUCCEEDED',
    },
    {
      name: 'matches States.TaskFailed to a task error',
      retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1 }],
      errors: ['E'],
      calls: 2,
      status: 'SUCCEEDED',
    },
    {
      name: 'counts attempts per retrier',
      retry: [
        { ErrorEquals: ['A'], MaxAttempts: 1 },
        { ErrorEquals: ['B'], MaxAttempts: 1 },
      ],
      errors: ['A', 'B', 'A'],
      calls: 3,
      status: 'FAILED',
    },
    {
      name: 'uses the first retrier that matches',
      retry: [
        { ErrorEquals: ['E'], MaxAttempts: 0 },
        { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
      ],
      errors: ['E'],
      calls: 1,
      status: 'FAILED',
    },
  ])('Retry $name (' + page + '#error-handling-retrying-after-an-error)', async ({ retry, errors, calls, status }) => {
    const tasks = failing(...errors)

    const executed = await execute(task({ Retry: retry }), {}, { invokeTask: tasks.invokeTask })

    expect(tasks.calls()).toBe(calls)
    expect(executed.outcome.status).toBe(status)
  })

  it(`waits IntervalSeconds × BackoffRate^attempt between attempts, capped by MaxDelaySeconds (${page}#error-handling-retrying-after-an-error)`, async () => {
    const waits: number[] = []
    const tasks = failing('E', 'E', 'E', 'E')
    const definition = task({
      Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 4, MaxDelaySeconds: 10 }],
    })

    await execute(
      definition,
      {},
      {
        invokeTask: tasks.invokeTask,
        sleep: async (ms) => {
          waits.push(ms)
        },
      },
    )

    expect(waits).toEqual([3000, 6000, 10000, 10000])
  })

  it(`scales retry waits by retryDelayScale (the runtime's PIPELINE_RETRY_SCALE)`, async () => {
    const waits: number[] = []
    const tasks = failing('E')

    await execute(
      task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 2 }] }),
      {},
      {
        invokeTask: tasks.invokeTask,
        retryDelayScale: 0.5,
        sleep: async (ms) => {
          waits.push(ms)
        },
      },
    )

    expect(waits).toEqual([1000])
  })

  it.each([
    { name: 'NONE keeps the delay', jitter: false, random: 0.25, ms: 4000 },
    { name: 'FULL draws in [0, delay)', jitter: true, random: 0.25, ms: 1000 },
  ])(`JitterStrategy $name (${page}#error-handling-retrying-after-an-error)`, ({ jitter, random, ms }) => {
    const retrier = {
      errorEquals: ['E'],
      intervalSeconds: 2,
      backoffRate: 2,
      maxAttempts: 3,
      maxDelaySeconds: undefined,
      jitter,
    }

    expect(retryDelay(retrier, 1, () => random)).toBe(ms)
  })

  it(`Catch sends the error output to the catcher's Next at ResultPath (${page}#error-handling-fallback-states)`, async () => {
    const definition = task({ Catch: [{ ErrorEquals: ['E'], ResultPath: '$.error', Next: 'Caught' }] })

    const executed = await execute(definition, { keep: 1 }, { invokeTask: failing('E').invokeTask })

    expect(executed.value).toEqual({ keep: 1, error: { Error: 'E', Cause: 'cause of E' } })
  })

  it(`Catch retries first, then catches (${page})`, async () => {
    const tasks = failing('E', 'E')
    const definition = task({
      Retry: [{ ErrorEquals: ['E'], MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
    })

    const executed = await execute(definition, {}, { invokeTask: tasks.invokeTask })

    expect(tasks.calls()).toBe(2)
    expect(executed.value).toEqual({ Error: 'E', Cause: 'cause of E' })
  })

  it(`States.Runtime is neither retried nor caught, even when named (${page}#states-runtime-error; observed on AWS)`, async () => {
    const definition = task({
      OutputPath: '$.no.such.path',
      Retry: [{ ErrorEquals: ['States.Runtime'] }],
      Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'Caught' }],
    })

    const executed = await execute(definition, {}, { invokeTask: async () => ({}) })

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'T' (entered at the event id #2). Invalid path '$.no.such.path' : Missing property in path $['no']",
    })
  })

  it(`TimeoutSeconds fails the task with States.Timeout, which States.TaskFailed does not match (${page})`, async () => {
    const definition = task({
      TimeoutSeconds: 5,
      Catch: [
        { ErrorEquals: ['States.TaskFailed'], Next: 'Done' },
        { ErrorEquals: ['States.Timeout'], Next: 'Caught' },
      ],
    })

    const executed = await execute(definition, {}, { invokeTask: () => new Promise(() => undefined) })

    expect(executed.value).toEqual({ Error: 'States.Timeout', Cause: null })
    expect(executed.history.find((event) => event.type === 'TaskTimedOut')).toMatchObject({
      taskTimedOutEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'States.Timeout' },
    })
  })

  it(`HeartbeatSeconds fails a task that sends no heartbeat with States.HeartbeatTimeout (${page})`, async () => {
    const definition = task({ TimeoutSeconds: 100, HeartbeatSeconds: 10 })

    const executed = await execute(definition, {}, { invokeTask: () => new Promise(() => undefined) })

    expect(executed.outcome).toEqual({ status: 'FAILED', error: 'States.HeartbeatTimeout' })
  })

  it(`the execution's own TimeoutSeconds ends it TIMED_OUT, past any Catch, with no error shown (${Guide}/statemachine-structure.html)`, async () => {
    const definition = {
      TimeoutSeconds: 60,
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    }

    const executed = await execute(definition, {}, { invokeTask: () => new Promise(() => undefined) })

    // DescribeExecution shows no error or cause for TIMED_OUT (observed on AWS).
    expect(executed.outcome).toEqual({ status: 'TIMED_OUT' })
    expect(executed.history.at(-1)).toMatchObject({ type: 'ExecutionTimedOut', previousEventId: 0 })
  })

  it(`StopExecution (the signal) ends it ABORTED with ExecutionAborted (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html)`, async () => {
    const stop = new AbortController()
    const definition = task({})

    const executed = await execute(
      definition,
      {},
      {
        signal: stop.signal,
        invokeTask: () => {
          stop.abort()
          return new Promise(() => undefined)
        },
      },
    )

    expect(executed.outcome).toEqual({ status: 'ABORTED' })
    // AWS points ExecutionAborted at event 0 (observed on AWS).
    expect(skeleton(executed.history).at(-1)).toEqual([5, 0, 'ExecutionAborted'])
  })

  it.each([
    {
      name: 'Error and Cause',
      state: { Type: 'Fail', Error: 'Oops', Cause: 'It broke' },
      outcome: { status: 'FAILED', error: 'Oops', cause: 'It broke' },
    },
    { name: 'neither: AWS records neither (observed on AWS)', state: { Type: 'Fail' }, outcome: { status: 'FAILED' } },
    {
      name: 'ErrorPath and CausePath',
      state: { Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('n={}', $.n)" },
      outcome: { status: 'FAILED', error: 'E1', cause: 'n=2' },
    },
  ])(`a Fail state with $name (${Guide}/state-fail.html)`, async ({ state, outcome }) => {
    const executed = await execute({ StartAt: 'F', States: { F: state } }, { e: 'E1', n: 2 })

    expect(executed.outcome).toEqual(outcome)
  })

  it(`a Fail state naming a missing ErrorPath fails with States.Runtime (observed on AWS; ${Guide}/state-fail.html)`, async () => {
    const executed = await execute({ StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: '$.ErrorX' } } }, { a: 1 })

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'F' (entered at the event id #2). The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{\"a\":1}'",
    })
  })

  it(`a failure without an error name matches no ErrorEquals, not even States.ALL (AWS's docs are silent; this engine's choice)`, async () => {
    const definition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail' } } },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    }

    const executed = await execute(definition, [1])

    expect(executed.outcome).toEqual({ status: 'FAILED' })
  })
})
