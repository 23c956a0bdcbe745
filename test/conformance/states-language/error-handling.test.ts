import { retryDelay } from '../../../infra/local/stepfunctions/engine'
import { Guide, execute, runCase, running, skeleton, type Case } from './support'

const page = `${Guide}/concepts-error-handling.html`
const retrying = `${page}#error-handling-retrying-after-an-error`

/** A Task T with Retry/Catch, ending in Done, or in Caught when a catcher goes there. */
const task = (fields: Record<string, unknown>) => ({
  StartAt: 'T',
  States: {
    T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'Done', ...fields },
    ...(fields.Catch ? { Caught: { Type: 'Pass', End: true } } : {}),
    Done: { Type: 'Succeed' },
  },
})

/** An invokeTask failing with `errors` in turn, then succeeding. */
const failing =
  (...errors: string[]) =>
  () => {
    let calls = 0
    return async () => {
      const error = errors[calls++]
      if (error !== undefined) throw { error, cause: `cause of ${error}` }
      return 'ok'
    }
  }

/** Runs `definition` with tasks failing with `errors` in turn; reports the execution and how often the task ran. */
const retried =
  (definition: unknown, ...errors: string[]) =>
  async () => {
    let calls = 0
    const fail = failing(...errors)()
    const executed = await execute(
      definition,
      {},
      {
        invokeTask: () => {
          calls++
          return fail()
        },
      },
    )
    return { executed, calls }
  }

/** Runs `definition` and records every wait it asks for. */
const waits =
  (definition: unknown, errors: string[], retryDelayScale = 1) =>
  async () => {
    const asked: number[] = []
    await execute(
      definition,
      {},
      {
        invokeTask: failing(...errors)(),
        retryDelayScale,
        sleep: async (ms) => {
          asked.push(ms)
        },
      },
    )
    return asked
  }

const never = () => new Promise<never>(() => undefined)

describe('error handling', () => {
  it.each<Case<{ executed: { outcome: { status: string } }; calls: number }>>(
    [
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
    ].map(({ name, retry, errors, calls, status }) => ({
      name: `Retry ${name}`,
      doc: retrying,
      act: retried(task({ Retry: retry }), ...errors),
      assess: (result) =>
        expect({ calls: result.calls, status: result.executed.outcome.status }).toEqual({ calls, status }),
    })),
  )('$name', runCase)

  it.each<Case<number[]>>([
    {
      name: 'waits IntervalSeconds × BackoffRate^attempt between attempts, capped by MaxDelaySeconds',
      doc: retrying,
      act: waits(
        task({
          Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 4, MaxDelaySeconds: 10 }],
        }),
        ['E', 'E', 'E', 'E'],
      ),
      assess: (asked) => expect(asked).toEqual([3000, 6000, 10000, 10000]),
    },
    {
      name: "scales retry waits by retryDelayScale (the runtime's PIPELINE_RETRY_SCALE)",
      doc: retrying,
      note: 'a local-runtime setting, not an AWS one',
      act: waits(task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 2 }] }), ['E'], 0.5),
      assess: (asked) => expect(asked).toEqual([1000]),
    },
  ])('$name', runCase)

  it.each<Case<number>>(
    [
      { name: 'NONE keeps the delay', jitter: false, ms: 4000 },
      { name: 'FULL draws in [0, delay)', jitter: true, ms: 1000 },
    ].map(({ name, jitter, ms }) => ({
      name: `JitterStrategy ${name}`,
      doc: retrying,
      act: async () =>
        retryDelay(
          {
            errorEquals: ['E'],
            intervalSeconds: 2,
            backoffRate: 2,
            maxAttempts: 3,
            maxDelaySeconds: undefined,
            jitter,
          },
          1,
          () => 0.25,
        ),
      assess: (delay) => expect(delay).toBe(ms),
    })),
  )('$name', runCase)

  it.each<Case>([
    {
      name: "Catch sends the error output to the catcher's Next at its ResultPath",
      doc: `${page}#error-handling-fallback-states`,
      act: running(
        task({ Catch: [{ ErrorEquals: ['E'], ResultPath: '$.error', Next: 'Caught' }] }),
        { keep: 1 },
        {
          invokeTask: failing('E')(),
        },
      ),
      assess: ({ value }) => expect(value).toEqual({ keep: 1, error: { Error: 'E', Cause: 'cause of E' } }),
    },
    {
      name: 'Catch comes after the retries run out',
      doc: page,
      act: running(
        task({
          Retry: [{ ErrorEquals: ['E'], MaxAttempts: 1 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        }),
        {},
        { invokeTask: failing('E', 'E')() },
      ),
      assess: ({ value, history }) => {
        expect(value).toEqual({ Error: 'E', Cause: 'cause of E' })
        expect(history.filter((event) => event.type === 'TaskFailed')).toHaveLength(2)
      },
    },
    {
      name: 'States.Runtime is neither retried nor caught, even when named',
      doc: `${page}#states-runtime-error`,
      note: 'observed on AWS',
      act: running(
        task({
          OutputPath: '$.no.such.path',
          Retry: [{ ErrorEquals: ['States.Runtime'] }],
          Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'Caught' }],
        }),
        {},
        { invokeTask: async () => ({}) },
      ),
      assess: ({ outcome }) =>
        expect(outcome).toEqual({
          status: 'FAILED',
          error: 'States.Runtime',
          cause:
            "An error occurred while executing the state 'T' (entered at the event id #2). Invalid path '$.no.such.path' : Missing property in path $['no']",
        }),
    },
    {
      name: 'TimeoutSeconds fails the task with States.Timeout, which States.TaskFailed does not match',
      doc: page,
      act: running(
        task({
          TimeoutSeconds: 5,
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], Next: 'Done' },
            { ErrorEquals: ['States.Timeout'], Next: 'Caught' },
          ],
        }),
        {},
        { invokeTask: never },
      ),
      assess: ({ value, history }) => {
        expect(value).toEqual({ Error: 'States.Timeout', Cause: null })
        expect(history.find((event) => event.type === 'TaskTimedOut')).toMatchObject({
          taskTimedOutEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'States.Timeout' },
        })
      },
    },
    {
      name: 'HeartbeatSeconds fails a task that sends no heartbeat with States.HeartbeatTimeout',
      doc: page,
      note: 'tasks heartbeat through TaskInvocation.heartbeat (SendTaskHeartbeat); one that never does times out',
      act: running(task({ TimeoutSeconds: 100, HeartbeatSeconds: 10 }), {}, { invokeTask: never }),
      assess: ({ outcome }) => expect(outcome).toEqual({ status: 'FAILED', error: 'States.HeartbeatTimeout' }),
    },
    {
      name: "the execution's own TimeoutSeconds ends it TIMED_OUT, past any Catch, with no error shown",
      doc: `${Guide}/statemachine-structure.html`,
      note: 'DescribeExecution shows no error for TIMED_OUT (observed on AWS); the event pointing at 0 is assumed from ExecutionAborted',
      act: running(
        {
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
        },
        {},
        { invokeTask: never },
      ),
      assess: ({ outcome, history }) => {
        expect(outcome).toEqual({ status: 'TIMED_OUT' })
        expect(history.at(-1)).toMatchObject({ type: 'ExecutionTimedOut', previousEventId: 0 })
      },
    },
    {
      name: 'StopExecution (the signal) ends it ABORTED with ExecutionAborted, which points at event 0',
      doc: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html',
      note: 'previousEventId 0 observed on AWS',
      act: () => {
        const stop = new AbortController()
        return execute(
          task({}),
          {},
          {
            signal: stop.signal,
            invokeTask: () => {
              stop.abort()
              return never()
            },
          },
        )
      },
      assess: ({ outcome, history }) => {
        expect(outcome).toEqual({ status: 'ABORTED' })
        expect(skeleton(history).at(-1)).toEqual([5, 0, 'ExecutionAborted'])
      },
    },
    {
      name: "StopExecution's error and cause are the aborted execution's, on its ExecutionAborted event",
      doc: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html; https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionAbortedEventDetails.html',
      act: () => {
        const stop = new AbortController()
        return execute(
          task({}),
          {},
          {
            signal: stop.signal,
            invokeTask: () => {
              stop.abort({ error: 'Manual', cause: 'stopped by an operator' })
              return never()
            },
          },
        )
      },
      assess: ({ outcome, history }) => {
        expect(outcome).toEqual({ status: 'ABORTED', error: 'Manual', cause: 'stopped by an operator' })
        expect(history.at(-1)).toMatchObject({
          type: 'ExecutionAborted',
          executionAbortedEventDetails: { error: 'Manual', cause: 'stopped by an operator' },
        })
      },
    },
    ...[
      {
        name: 'Error and Cause',
        state: { Type: 'Fail', Error: 'Oops', Cause: 'It broke' },
        outcome: { status: 'FAILED', error: 'Oops', cause: 'It broke' },
        note: undefined,
      },
      {
        name: 'neither: AWS records neither',
        state: { Type: 'Fail' },
        outcome: { status: 'FAILED' },
        note: 'observed on AWS',
      },
      {
        name: 'ErrorPath and CausePath',
        state: { Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('n={}', $.n)" },
        outcome: { status: 'FAILED', error: 'E1', cause: 'n=2' },
        note: undefined,
      },
    ].map(({ name, state, outcome, note }): Case => ({
      name: `a Fail state with ${name}`,
      doc: `${Guide}/state-fail.html`,
      ...(note ? { note } : {}),
      act: running({ StartAt: 'F', States: { F: state } }, { e: 'E1', n: 2 }),
      assess: (executed) => expect(executed.outcome).toEqual(outcome),
    })),
    {
      name: 'a Fail state naming a missing ErrorPath fails with States.Runtime',
      doc: `${Guide}/state-fail.html`,
      note: 'cause observed on AWS',
      act: running({ StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: '$.ErrorX' } } }, { a: 1 }),
      assess: ({ outcome }) =>
        expect(outcome).toEqual({
          status: 'FAILED',
          error: 'States.Runtime',
          cause:
            "An error occurred while executing the state 'F' (entered at the event id #2). The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{\"a\":1}'",
        }),
    },
    {
      name: 'a failure without an error name matches no ErrorEquals, not even States.ALL',
      doc: page,
      note: "AWS's docs are silent; the engine's choice",
      act: running(
        {
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
        },
        [1],
      ),
      assess: ({ outcome }) => expect(outcome).toEqual({ status: 'FAILED' }),
    },
  ])('$name', runCase)
})
