import { ExecutionNotRedrivable, planRedrive, type ResumePlan } from '../../../infra/local/stepfunctions/engine'
import { Guide, execute, runCase, skeleton, type Case, type Executed } from './support'

const page = `${Guide}/redrive-executions.html`
const lambda = 'arn:aws:states:::lambda:invoke'

interface Redriven {
  readonly first: Executed
  readonly second: Executed
  readonly plan: ResumePlan
  readonly firstCalls: unknown[]
  readonly secondCalls: unknown[]
}

/** Runs a definition whose tasks fail where `failing` says, then redrives it with tasks that now succeed. */
const failThenRedrive =
  (definition: Record<string, unknown>, input: unknown, failing: (input: unknown) => boolean) =>
  async (): Promise<Redriven> => {
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

const singleTask = { StartAt: 'T', States: { T: { Type: 'Task', Resource: lambda, End: true } } }

describe('redrive', () => {
  it.each<Case<Redriven>>([
    {
      name: 'resumes at the failed state with the input it received; states that succeeded do not run again',
      doc: page,
      act: failThenRedrive(
        {
          StartAt: 'Prepare',
          States: {
            Prepare: {
              Type: 'Task',
              Resource: lambda,
              Parameters: { step: 'prepare', 'n.$': '$.n' },
              ResultPath: '$.prepared',
              Next: 'Ship',
            },
            Ship: {
              Type: 'Task',
              Resource: lambda,
              Parameters: { step: 'ship', 'prepared.$': '$.prepared' },
              End: true,
            },
          },
        },
        { n: 1 },
        (input) => (input as { step: string }).step === 'ship',
      ),
      assess: ({ first, second, firstCalls, secondCalls }) => {
        expect(first.outcome.status).toBe('FAILED')
        expect(firstCalls).toHaveLength(2)
        expect(secondCalls).toEqual([{ step: 'ship', prepared: { step: 'prepare', n: 1 } }])
        expect(second.value).toEqual({ step: 'ship', prepared: { step: 'prepare', n: 1 } })
      },
    },
    {
      name: 'continues the history after an ExecutionRedriven event, with the ids that follow',
      doc: page,
      act: failThenRedrive(singleTask, {}, () => true),
      assess: ({ first, second }) => {
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
      },
    },
    {
      name: 'reruns only the iterations of an inline Map that did not succeed',
      doc: page,
      note: 'a failed iteration reruns from its first state (AWS does not say where inside it resumes)',
      act: failThenRedrive(
        {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              MaxConcurrency: 1,
              ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambda, End: true } } },
              End: true,
            },
          },
        },
        [1, 2, 3],
        (input) => input === 2,
      ),
      assess: ({ second, secondCalls, plan }) => {
        expect([...(plan.mapIterations ?? new Map()).keys()]).toEqual([0])
        expect(secondCalls).toEqual([2, 3])
        expect(second.value).toEqual([1, 2, 3])
      },
    },
    {
      name: 'reruns only the branches of a Parallel that failed',
      doc: page,
      act: failThenRedrive(
        {
          StartAt: 'Both',
          States: {
            Both: {
              Type: 'Parallel',
              Branches: [
                {
                  StartAt: 'A',
                  States: { A: { Type: 'Task', Resource: lambda, Parameters: { branch: 'a' }, End: true } },
                },
                {
                  StartAt: 'B',
                  States: { B: { Type: 'Task', Resource: lambda, Parameters: { branch: 'b' }, End: true } },
                },
              ],
              End: true,
            },
          },
        },
        {},
        (input) => (input as { branch: string }).branch === 'b',
      ),
      assess: ({ second, secondCalls }) => {
        expect(secondCalls).toEqual([{ branch: 'b' }])
        expect(second.value).toEqual([{ branch: 'a' }, { branch: 'b' }])
      },
    },
    {
      name: 'restores the variables and counts $$.Execution.RedriveCount',
      doc: `${page}; ${Guide}/input-output-contextobject.html`,
      act: failThenRedrive(
        {
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
        },
        {},
        (input) => (input as { count: number }).count === 0,
      ),
      assess: ({ second }) => expect(second.value).toEqual({ who: 'ada', count: 1 }),
    },
    {
      name: 'resumes at the Fail state a Catch led to, which fails again; the states before it do not run again',
      doc: page,
      note: 'the failed state is the Fail state, whose input is the output of the state before it',
      act: failThenRedrive(
        {
          StartAt: 'Validate',
          States: {
            Validate: {
              Type: 'Task',
              Resource: lambda,
              Parameters: { step: 'validate' },
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record' }],
              Next: 'Done',
            },
            Record: { Type: 'Task', Resource: lambda, Parameters: { step: 'record' }, Next: 'Failed' },
            Done: { Type: 'Succeed' },
            Failed: { Type: 'Fail', Error: 'Rejected' },
          },
        },
        {},
        (input) => (input as { step: string }).step === 'validate',
      ),
      assess: ({ first, second, plan, secondCalls }) => {
        expect(first.outcome).toMatchObject({ status: 'FAILED', error: 'Rejected' })
        expect(plan).toMatchObject({ state: 'Failed', input: { step: 'record' } })
        expect(secondCalls).toEqual([])
        expect(second.outcome).toMatchObject({ status: 'FAILED', error: 'Rejected' })
      },
    },
  ])('$name', runCase)

  it.each<Case<() => ResumePlan>>([
    {
      name: 'resumes a second redrive at the state the first redrive failed in, from the history of both',
      doc: page,
      act: async () => {
        // Prepare succeeds and Validate fails (events 1-11); the first redrive passes Validate and fails in Ship (12-22).
        const definition = {
          StartAt: 'Prepare',
          States: {
            Prepare: { Type: 'Task', Resource: lambda, Parameters: { step: 'prepare' }, Next: 'Validate' },
            Validate: { Type: 'Task', Resource: lambda, Parameters: { step: 'validate' }, Next: 'Ship' },
            Ship: { Type: 'Task', Resource: lambda, Parameters: { step: 'ship' }, End: true },
          },
        }
        const failIn =
          (step: string) =>
          async ({ input }: { input: unknown }) => {
            if ((input as { step: string }).step === step) throw { error: 'Flaky', cause: step }
            return input
          }
        const first = await execute(definition, {}, { invokeTask: failIn('validate') })
        const second = await execute(
          definition,
          {},
          { redrive: planRedrive(definition, first.history), invokeTask: failIn('ship') },
        )
        expect(second.outcome).toMatchObject({ status: 'FAILED', cause: 'ship' })
        return () => planRedrive(definition, [...first.history, ...second.history])
      },
      assess: (plan) =>
        expect(plan()).toMatchObject({ state: 'Ship', input: { step: 'validate' }, redriveCount: 2, lastEventId: 22 }),
    },
    {
      name: 'refuses an execution that succeeded',
      doc: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html',
      act: async () => {
        const definition = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }
        const done = await execute(definition)
        return () => planRedrive(definition, done.history)
      },
      assess: (plan) => expect(plan).toThrow(ExecutionNotRedrivable),
    },
    {
      name: 'redrives an aborted execution from the state it was in',
      doc: page,
      act: async () => {
        const stop = new AbortController()
        const first = await execute(
          singleTask,
          { a: 1 },
          {
            signal: stop.signal,
            invokeTask: () => {
              stop.abort()
              return new Promise(() => undefined)
            },
          },
        )
        expect(first.outcome.status).toBe('ABORTED')
        return () => planRedrive(singleTask, first.history)
      },
      assess: (plan) => expect(plan()).toMatchObject({ state: 'T', input: { a: 1 }, redriveCount: 1 }),
    },
    {
      name: 'redrives an execution stopped between two states at the next one, with the output of the one before',
      doc: page,
      note: 'a stop that lands between two states; AWS does not say where such a redrive resumes',
      act: async () => {
        const definition = {
          StartAt: 'Prepare',
          States: { Prepare: { Type: 'Pass', Next: 'Ship' }, Ship: { Type: 'Pass', End: true } },
        }
        const history = [
          {
            id: 1,
            previousEventId: 0,
            timestamp: '2026-01-01T00:00:00.000Z',
            type: 'ExecutionStarted',
            executionStartedEventDetails: { input: '{"p":1}' },
          },
          {
            id: 2,
            previousEventId: 0,
            timestamp: '2026-01-01T00:00:00.000Z',
            type: 'PassStateEntered',
            stateEnteredEventDetails: { name: 'Prepare', input: '{"p":1}' },
          },
          {
            id: 3,
            previousEventId: 2,
            timestamp: '2026-01-01T00:00:00.000Z',
            type: 'PassStateExited',
            stateExitedEventDetails: { name: 'Prepare', output: '{"p":2}' },
          },
          {
            id: 4,
            previousEventId: 0,
            timestamp: '2026-01-01T00:00:01.000Z',
            type: 'ExecutionAborted',
            executionAbortedEventDetails: {},
          },
        ]
        return () => planRedrive(definition, history)
      },
      assess: (plan) => expect(plan()).toMatchObject({ state: 'Ship', input: { p: 2 }, lastEventId: 4 }),
    },
    {
      name: 'redrives an execution stopped before its first state from the start, with the execution input',
      doc: page,
      note: 'AWS does not say where such a redrive resumes',
      act: async () => {
        const history = [
          {
            id: 1,
            previousEventId: 0,
            timestamp: '2026-01-01T00:00:00.000Z',
            type: 'ExecutionStarted',
            executionStartedEventDetails: { input: '{"input":true}' },
          },
          {
            id: 2,
            previousEventId: 0,
            timestamp: '2026-01-01T00:00:01.000Z',
            type: 'ExecutionAborted',
            executionAbortedEventDetails: {},
          },
        ]
        return () => planRedrive(singleTask, history)
      },
      assess: (plan) => expect(plan()).toMatchObject({ state: 'T', input: { input: true }, redriveCount: 1 }),
    },
  ])('$name', runCase)
})
