import { Guide, execute, runCase, skeleton, type Case } from './support'

const page = `${Guide}/transforming-data.html`

/** A JSONata machine of one state S. */
const jsonata = (state: Record<string, unknown>) => ({
  QueryLanguage: 'JSONata',
  StartAt: 'S',
  States: { S: { ...state } },
})

describe('JSONata', () => {
  it.each(
    [
      {
        name: 'Output from $states.input',
        state: { Type: 'Pass', Output: '{% $states.input.a + 1 %}', End: true },
        input: { a: 1 },
        output: 2,
      },
      {
        name: 'Output as an object with nested expressions',
        state: {
          Type: 'Pass',
          Output: { sum: '{% $sum($states.input.xs) %}', fixed: 'x', list: ['{% $count($states.input.xs) %}'] },
          End: true,
        },
        input: { xs: [1, 2, 3] },
        output: { sum: 6, fixed: 'x', list: [3] },
      },
      {
        name: 'a Pass without Output passes its input on',
        state: { Type: 'Pass', End: true },
        input: { a: 1 },
        output: { a: 1 },
      },
      {
        name: 'a string around {% %} is a plain string',
        state: { Type: 'Pass', Output: { s: ' {% 1 %} ' }, End: true },
        input: {},
        output: { s: ' {% 1 %} ' },
      },
      {
        name: '$states.context',
        state: {
          Type: 'Pass',
          Output: '{% $states.context.Execution.Name & "/" & $states.context.State.Name %}',
          End: true,
        },
        input: {},
        output: 'run-1/S',
      },
      {
        name: '$partition',
        state: { Type: 'Pass', Output: '{% $partition([1,2,3,4,5], 2) %}', End: true },
        input: {},
        output: [[1, 2], [3, 4], [5]],
      },
      {
        name: '$range',
        state: { Type: 'Pass', Output: '{% $range(0, 10, 5) %}', End: true },
        input: {},
        output: [0, 5, 10],
      },
      {
        name: '$range with one value gives the value (a JSONata sequence; observed on AWS)',
        state: { Type: 'Pass', Output: '{% $range(1, 9, 9) %}', End: true },
        input: {},
        output: 1,
      },
      {
        name: '$hash',
        state: { Type: 'Pass', Output: "{% $hash('input data', 'SHA-1') %}", End: true },
        input: {},
        output: 'aaff4a450a104cd177d28d18d74485e8cae074b7',
      },
      {
        name: '$parse',
        state: { Type: 'Pass', Output: '{% $parse(\'{"a": [1]}\') %}', End: true },
        input: {},
        output: { a: [1] },
      },
      {
        name: 'Wait Seconds from an expression',
        state: { Type: 'Wait', Seconds: '{% $states.input.s %}', End: true },
        input: { s: 60 },
        output: { s: 60 },
      },
      {
        name: 'Map Items and ItemSelector',
        state: {
          Type: 'Map',
          Items: '{% $states.input.xs %}',
          ItemSelector: { v: '{% $states.context.Map.Item.Value * 10 %}', i: '{% $states.context.Map.Item.Index %}' },
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
        input: { xs: [1, 2] },
        output: [
          { v: 10, i: 0 },
          { v: 20, i: 1 },
        ],
      },
      {
        name: 'Map Output from $states.result',
        state: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'P',
            States: { P: { Type: 'Pass', Output: '{% $states.input * 2 %}', End: true } },
          },
          Output: '{% $sum($states.result) %}',
          End: true,
        },
        input: [1, 2, 3],
        output: 12,
      },
      {
        name: 'Parallel Arguments and Output',
        state: {
          Type: 'Parallel',
          Arguments: { n: '{% $states.input.n %}' },
          Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $states.input.n + 1 %}', End: true } } }],
          Output: '{% $states.result[0] %}',
          End: true,
        },
        input: { n: 1 },
        output: 2,
      },
    ].map((row) => ({ ...row, doc: page })),
  )('$name', async ({ state, input, output }) => {
    const executed = await execute(jsonata(state), input)

    expect(executed.outcome.status).toBe('SUCCEEDED')
    expect(executed.value).toEqual(output)
  })

  it.each(
    [
      {
        name: 'an expression that returns nothing',
        state: { Type: 'Pass', Output: { result: '{% $doesNotExist %}' }, End: true },
        cause:
          "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).",
        location: 'Output/result',
      },
      {
        name: 'an expression that throws, with its JSONata code',
        state: { Type: 'Pass', Output: '{% $nope() %}', End: true },
        cause:
          "The JSONata expression '$nope()' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function",
        location: 'Output',
      },
      {
        name: 'Items that are not an array',
        state: {
          Type: 'Map',
          Items: '{% 1 %}',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
        cause:
          "The JSONata expression '1' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'number' for value: 1",
        location: 'Items',
      },
    ].map((row) => ({ ...row, doc: page, note: 'causes observed on AWS' })),
  )('fails with States.QueryEvaluationError for $name, as AWS words it', async ({ state, cause, location }) => {
    const executed = await execute(jsonata(state), {})

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause: `An error occurred while executing the state 'S' (entered at the event id #2). ${cause}`,
    })
    // AWS records the failure in an EvaluationFailed event that points at the event before the state was entered.
    const failed = executed.history.find((event) => event.type === 'EvaluationFailed')
    expect(failed).toMatchObject({
      previousEventId: 0,
      evaluationFailedEventDetails: { error: 'States.QueryEvaluationError', location, state: 'S' },
    })
  })

  it.each<Case>([
    {
      name: 'gives a Task its Arguments and exposes its result as $states.result',
      doc: `${page}`,
      act: () => {
        const definition = jsonata({
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: 'f', Payload: { id: '{% $states.input.id %}' } },
          Output: { got: '{% $states.result.Payload %}', id: '{% $states.input.id %}' },
          End: true,
        })
        return execute(
          definition,
          { id: 7 },
          {
            invokeTask: async () => {
              return { Payload: 'done' }
            },
          },
        )
      },
      assess: (executed) => {
        // The task got the resolved parameters, as TaskScheduled records them.
        const scheduled = executed.history.find((event) => event.type === 'TaskScheduled')
        expect(JSON.parse((scheduled?.taskScheduledEventDetails as { parameters: string }).parameters)).toEqual({
          FunctionName: 'f',
          Payload: { id: 7 },
        })
        expect(executed.value).toEqual({ got: 'done', id: 7 })
      },
    },
    {
      name: 'gives a Catch $states.errorOutput, its Output defaulting to it',
      doc: `${Guide}/concepts-error-handling.html`,
      act: () => {
        const definition = {
          QueryLanguage: 'JSONata',
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Catch: [
                {
                  ErrorEquals: ['States.ALL'],
                  Output: '{% $states.errorOutput.Error & ":" & $states.input.k %}',
                  Next: 'Done',
                },
              ],
              End: true,
            },
            Done: { Type: 'Succeed' },
          },
        }
        return execute(
          definition,
          { k: 'v' },
          {
            invokeTask: async () => {
              throw { error: 'Broken', cause: 'because' }
            },
          },
        )
      },
      assess: (executed) => {
        expect(executed.value).toBe('Broken:v')
      },
    },
    {
      name: 'records EvaluationFailed, then MapStateFailed, then ExecutionFailed for a Map whose Items fail',
      doc: `${page}`,
      note: 'observed on AWS',
      act: () => {
        const state = {
          Type: 'Map',
          Items: '{% null %}',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        }
        return execute(jsonata(state), {})
      },
      assess: (executed) => {
        expect(skeleton(executed.history)).toEqual([
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'MapStateEntered'],
          [3, 0, 'EvaluationFailed'],
          [4, 3, 'MapStateFailed'],
          [5, 4, 'ExecutionFailed'],
        ])
      },
    },
    {
      name: 'uses JSONata in one state of a JSONPath machine',
      doc: `${Guide}/statemachine-structure.html`,
      act: () => {
        const definition = {
          StartAt: 'Path',
          States: {
            Path: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, Next: 'Ata' },
            Ata: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input.n * 3 %}', End: true },
          },
        }
        return execute(definition, { n: 2 })
      },
      assess: (executed) => {
        expect(executed.value).toBe(6)
      },
    },
  ])('$name', runCase)
})
