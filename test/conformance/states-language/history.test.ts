import { Guide, execute, runCase, skeleton, type Case } from './support'

const api = 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html'
const events = 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html'

describe('execution history', () => {
  it.each(
    [
      {
        name: 'Pass, Wait, Succeed: the first state event points at 0, then each at the one before (observed on AWS)',
        definition: {
          StartAt: 'P',
          States: {
            P: { Type: 'Pass', Next: 'W' },
            W: { Type: 'Wait', Seconds: 1, Next: 'S' },
            S: { Type: 'Succeed' },
          },
        },
        events: [
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'PassStateEntered'],
          [3, 2, 'PassStateExited'],
          [4, 3, 'WaitStateEntered'],
          [5, 4, 'WaitStateExited'],
          [6, 5, 'SucceedStateEntered'],
          [7, 6, 'SucceedStateExited'],
          [8, 7, 'ExecutionSucceeded'],
        ],
      },
      {
        name: 'Choice then Fail: no FailStateExited',
        definition: {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: false, Next: 'F' }], Default: 'F' },
            F: { Type: 'Fail', Error: 'E' },
          },
        },
        events: [
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'ChoiceStateEntered'],
          [3, 2, 'ChoiceStateExited'],
          [4, 3, 'FailStateEntered'],
          [5, 4, 'ExecutionFailed'],
        ],
      },
      {
        name: 'a Lambda function ARN: LambdaFunction events (observed on AWS)',
        definition: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', End: true } },
        },
        events: [
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'TaskStateEntered'],
          [3, 2, 'LambdaFunctionScheduled'],
          [4, 3, 'LambdaFunctionStarted'],
          [5, 4, 'LambdaFunctionSucceeded'],
          [6, 5, 'TaskStateExited'],
          [7, 6, 'ExecutionSucceeded'],
        ],
      },
      {
        name: 'a runtime error after the task: ExecutionFailed follows the task events, no TaskStateExited (observed on AWS)',
        definition: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', OutputPath: '$.nope', End: true } },
        },
        events: [
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'TaskStateEntered'],
          [3, 2, 'TaskScheduled'],
          [4, 3, 'TaskStarted'],
          [5, 4, 'TaskSucceeded'],
          [6, 5, 'ExecutionFailed'],
        ],
      },
    ].map((row) => ({ ...row, doc: api })),
  )('$name', async ({ definition, events: expected }) => {
    const executed = await execute(definition)

    expect(skeleton(executed.history)).toEqual(expected)
  })

  it.each<Case>([
    {
      name: "a retried then caught Task: TaskScheduled again per attempt, TaskStateExited carries the catcher's output",
      doc: `${Guide}/concepts-error-handling.html`,
      note: 'observed on AWS',
      act: () => {
        const definition = {
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Retry: [{ ErrorEquals: ['E'], MaxAttempts: 1 }],
              Catch: [{ ErrorEquals: ['E'], Next: 'Caught' }],
              End: true,
            },
            Caught: { Type: 'Pass', End: true },
          },
        }
        return execute(
          definition,
          {},
          {
            invokeTask: async () => {
              throw { error: 'E', cause: 'c' }
            },
          },
        )
      },
      assess: (executed) => {
        expect(skeleton(executed.history)).toEqual([
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'TaskStateEntered'],
          [3, 2, 'TaskScheduled'],
          [4, 3, 'TaskStarted'],
          [5, 4, 'TaskFailed'],
          [6, 5, 'TaskScheduled'],
          [7, 6, 'TaskStarted'],
          [8, 7, 'TaskFailed'],
          [9, 8, 'TaskStateExited'],
          [10, 9, 'PassStateEntered'],
          [11, 10, 'PassStateExited'],
          [12, 11, 'ExecutionSucceeded'],
        ])
      },
    },
    {
      name: "a Parallel that fails: ParallelStateFailed after the branch, then the catch's ParallelStateExited",
      doc: `${Guide}/state-parallel.html`,
      note: 'observed on AWS',
      act: () => {
        const definition = {
          StartAt: 'P',
          States: {
            P: {
              Type: 'Parallel',
              Branches: [
                { StartAt: 'B', States: { B: { Type: 'Fail', Error: 'FailureType', Cause: 'Cause description' } } },
              ],
              Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
              End: true,
            },
            Caught: { Type: 'Pass', End: true },
          },
        }
        return execute(definition)
      },
      assess: (executed) => {
        expect(skeleton(executed.history)).toEqual([
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'ParallelStateEntered'],
          [3, 2, 'ParallelStateStarted'],
          [4, 3, 'FailStateEntered'],
          [5, 4, 'ParallelStateFailed'],
          [6, 5, 'ParallelStateExited'],
          [7, 6, 'PassStateEntered'],
          [8, 7, 'PassStateExited'],
          [9, 8, 'ExecutionSucceeded'],
        ])
      },
    },
    {
      name: 'shapes the details as the API does',
      doc: `${events}`,
      act: () => {
        const definition = {
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'f' },
              TimeoutSeconds: 30,
              Next: 'F',
            },
            F: { Type: 'Fail', Error: 'Oops', Cause: 'it broke' },
          },
        }
        return execute(definition, '{"a": 1}', { invokeTask: async () => ({ Payload: 1 }) })
      },
      assess: (executed) => {
        const [started, entered, scheduled, taskStarted, succeeded, exited] = executed.history
        expect(started).toMatchObject({
          executionStartedEventDetails: {
            input: '{"a": 1}',
            inputDetails: { truncated: false },
            roleArn: 'arn:aws:iam::123456789012:role/Conformance',
          },
        })
        expect(entered?.stateEnteredEventDetails).toEqual({
          name: 'T',
          input: '{"a": 1}',
          inputDetails: { truncated: false },
        })
        expect(scheduled?.taskScheduledEventDetails).toEqual({
          resourceType: 'lambda',
          resource: 'invoke',
          region: 'us-east-1',
          parameters: '{"FunctionName":"f"}',
          timeoutInSeconds: 30,
        })
        expect(taskStarted?.taskStartedEventDetails).toEqual({ resourceType: 'lambda', resource: 'invoke' })
        expect(succeeded?.taskSucceededEventDetails).toEqual({
          resourceType: 'lambda',
          resource: 'invoke',
          output: '{"Payload":1}',
          outputDetails: { truncated: false },
        })
        expect(exited?.stateExitedEventDetails).toEqual({
          name: 'T',
          output: '{"Payload":1}',
          outputDetails: { truncated: false },
        })
        expect(executed.history.at(-1)).toMatchObject({
          type: 'ExecutionFailed',
          executionFailedEventDetails: { error: 'Oops', cause: 'it broke' },
        })
        expect(executed.history.every((event) => !Number.isNaN(Date.parse(event.timestamp)))).toBe(true)
      },
    },
    {
      name: 'fails an execution past 25,000 history events',
      doc: `${Guide}/service-quotas.html`,
      note: "the cause's wording is this engine's",
      act: () => {
        const definition = {
          StartAt: 'Wait',
          States: {
            Wait: { Type: 'Wait', Seconds: 60, Next: 'Again' },
            Again: {
              Type: 'Choice',
              Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
              Default: 'Wait',
            },
            Done: { Type: 'Succeed' },
          },
        }
        return execute(definition)
      },
      assess: (executed) => {
        expect(executed.outcome.status).toBe('FAILED')
        expect(executed.outcome.error).toBe('States.Runtime')
        expect(executed.history.length).toBeLessThanOrEqual(25_002)
      },
    },
    {
      name: 'a Wait until a timestamp reads it to the second, dropping milliseconds',
      doc: `${Guide}/state-wait.html`,
      act: () => {
        const definition = {
          StartAt: 'W',
          States: { W: { Type: 'Wait', Timestamp: '2026-01-01T00:00:10.900Z', End: true } },
        }
        return execute(definition)
      },
      assess: (executed) => {
        const exited = executed.history.find((event) => event.type === 'WaitStateExited')
        expect(exited?.timestamp).toBe('2026-01-01T00:00:10.000Z')
      },
    },
  ])('$name', runCase)
})
