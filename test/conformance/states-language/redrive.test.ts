import { ExecutionNotRedrivable, planRedrive, type HistoryEvent } from '../../../infra/local/stepfunctions/engine'
import { Guide, execute, skeleton } from './support'

const page = `${Guide}/redrive-executions.html`

/** Runs a definition, then redrives it with tasks that now succeed; reports the tasks each run called. */
const failThenRedrive = async (
  definition: Record<string, unknown>,
  input: unknown,
  failing: (input: unknown) => boolean,
) => {
  const firstCalls: unknown[] = []
  const first = await execute(definition, input, {
    invokeTask: async ({ input: taskInput }) => {
      firstCalls.push(taskInput)
      if (failing(taskInput)) throw { error: 'Flaky', cause: 'try again' }
      return taskInput
    },
  })
  const plan = planRedrive(definition, first.history)
  const secondCalls: unknown[] = []
  const second = await execute(definition, input, {
    redrive: plan,
    invokeTask: async ({ input: taskInput }) => {
      secondCalls.push(taskInput)
      return taskInput
    },
  })
  return { first, second, plan, firstCalls, secondCalls }
}

const lambda = 'arn:aws:states:::lambda:invoke'

describe('redrive', () => {
  it(`resumes at the failed state with the input it received; states that succeeded do not run again (${page})`, async () => {
    const definition = {
      StartAt: 'Prepare',
      States: {
        Prepare: {
          Type: 'Task',
          Resource: lambda,
          Parameters: { step: 'prepare', 'n.$': '$.n' },
          ResultPath: '$.prepared',
          Next: 'Ship',
        },
        Ship: { Type: 'Task', Resource: lambda, Parameters: { step: 'ship', 'prepared.$': '$.prepared' }, End: true },
      },
    }

    const { first, second, firstCalls, secondCalls } = await failThenRedrive(
      definition,
      { n: 1 },
      (input) => (input as { step: string }).step === 'ship',
    )

    expect(first.outcome.status).toBe('FAILED')
    expect(firstCalls).toHaveLength(2)
    expect(secondCalls).toEqual([{ step: 'ship', prepared: { step: 'prepare', n: 1 } }])
    expect(second.value).toEqual({ step: 'ship', prepared: { step: 'prepare', n: 1 } })
  })

  it(`continues the history after an ExecutionRedriven event with the ids that follow (${page})`, async () => {
    const definition = { StartAt: 'T', States: { T: { Type: 'Task', Resource: lambda, End: true } } }

    const { first, second } = await failThenRedrive(definition, {}, () => true)

    expect(skeleton(first.history).at(-1)).toEqual([6, 5, 'ExecutionFailed'])
    expect(skeleton(second.history)).toEqual([
      [7, 6, 'ExecutionRedriven'],
      [8, 7, 'TaskStateEntered'],
      [9, 8, 'TaskScheduled'],
      [10, 9, 'TaskStarted'],
      [11, 10, 'TaskSucceeded'],
      [12, 11, 'TaskStateExited'],
      [13, 12, 'ExecutionSucceeded'],
    ])
    expect(second.history[0]).toMatchObject({ executionRedrivenEventDetails: { redriveCount: 1 } })
  })

  it(`reruns only the iterations of an inline Map that did not succeed (${page})`, async () => {
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 1,
          ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambda, End: true } } },
          End: true,
        },
      },
    }

    const { second, secondCalls, plan } = await failThenRedrive(definition, [1, 2, 3], (input) => input === 2)

    expect([...(plan.mapIterations ?? new Map()).keys()]).toEqual([0])
    expect(secondCalls).toEqual([2, 3])
    expect(second.value).toEqual([1, 2, 3])
  })

  it(`reruns only the branches of a Parallel that failed (${page})`, async () => {
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Task', Resource: lambda, Parameters: { branch: 'a' }, End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Task', Resource: lambda, Parameters: { branch: 'b' }, End: true } } },
          ],
          End: true,
        },
      },
    }

    const { second, secondCalls } = await failThenRedrive(
      definition,
      {},
      (input) => (input as { branch: string }).branch === 'b',
    )

    expect(secondCalls).toEqual([{ branch: 'b' }])
    expect(second.value).toEqual([{ branch: 'a' }, { branch: 'b' }])
  })

  it(`restores the variables and counts $$.Execution.RedriveCount (${page}; ${Guide}/input-output-contextobject.html)`, async () => {
    const definition = {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { who: 'ada' }, Next: 'Call' },
        Call: {
          Type: 'Task',
          Resource: lambda,
          Parameters: { 'who.$': '$who', 'count.$': '$$.Execution.RedriveCount' },
          End: true,
        },
      },
    }

    const { second } = await failThenRedrive(definition, {}, (input) => (input as { count: number }).count === 0)

    expect(second.value).toEqual({ who: 'ada', count: 1 })
  })

  it(`refuses an execution that succeeded (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html)`, async () => {
    const definition = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }
    const done = await execute(definition)

    expect(() => planRedrive(definition, done.history as HistoryEvent[])).toThrow(ExecutionNotRedrivable)
  })

  it(`redrives an aborted execution from the state it was in (${page})`, async () => {
    const definition = { StartAt: 'T', States: { T: { Type: 'Task', Resource: lambda, End: true } } }
    const stop = new AbortController()
    const first = await execute(
      definition,
      { a: 1 },
      {
        signal: stop.signal,
        invokeTask: () => {
          stop.abort()
          return new Promise(() => undefined)
        },
      },
    )

    const plan = planRedrive(definition, first.history)

    expect(first.outcome.status).toBe('ABORTED')
    expect({ state: plan.state, input: plan.input, redriveCount: plan.redriveCount }).toEqual({
      state: 'T',
      input: { a: 1 },
      redriveCount: 1,
    })
  })
})
