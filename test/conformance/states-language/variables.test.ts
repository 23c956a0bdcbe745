import { Guide, execute } from './support'

const page = `${Guide}/workflow-variables.html`

describe('variables', () => {
  it(`assigns with Assign and reads with $name in later states (${page})`, async () => {
    const definition = {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { count: 42, 'who.$': '$.name' }, Next: 'Use' },
        Use: { Type: 'Pass', Parameters: { 'count.$': '$count', 'who.$': '$who' }, End: true },
      },
    }

    const executed = await execute(definition, { name: 'ada' })

    expect(executed.value).toEqual({ count: 42, who: 'ada' })
  })

  it(`evaluates every Assign expression with the values from before the state (${page})`, async () => {
    const definition = {
      StartAt: 'One',
      States: {
        One: { Type: 'Pass', Assign: { x: 1, y: 2 }, Next: 'Swap' },
        Swap: { Type: 'Pass', Assign: { 'x.$': '$y', 'y.$': '$x' }, Next: 'Show' },
        Show: { Type: 'Pass', Parameters: { 'x.$': '$x', 'y.$': '$y' }, End: true },
      },
    }

    const executed = await execute(definition)

    expect(executed.value).toEqual({ x: 2, y: 1 })
  })

  it(`reads a JSONPath Assign's $ as the state's result (Task: after ResultSelector) (${page})`, async () => {
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          ResultSelector: { 'v.$': '$.Payload' },
          Assign: { 'saved.$': '$.v' },
          ResultPath: null,
          Next: 'Show',
        },
        Show: { Type: 'Pass', Parameters: { 'saved.$': '$saved' }, End: true },
      },
    }

    const executed = await execute(definition, {}, { invokeTask: async () => ({ Payload: 'p' }) })

    expect(executed.value).toEqual({ saved: 'p' })
  })

  it(`lets an inner Map state read outer variables, and keeps its own assignments inside (${page})`, async () => {
    const definition = {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { prefix: 'item-' }, Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Name',
            States: {
              Name: {
                Type: 'Pass',
                Assign: { inner: 1 },
                Parameters: { 'name.$': "States.Format('{}{}', $prefix, $)" },
                End: true,
              },
            },
          },
          Next: 'After',
        },
        After: {
          Type: 'Pass',
          QueryLanguage: 'JSONata',
          Output: { names: '{% $states.input %}', inner: '{% $exists($inner) %}' },
          End: true,
        },
      },
    }

    const executed = await execute(definition, [1, 2])

    expect(executed.value).toEqual({ names: [{ name: 'item-1' }, { name: 'item-2' }], inner: false })
  })

  it(`records assigned values as JSON text in stateExitedEventDetails.assignedVariables (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateExitedEventDetails.html)`, async () => {
    const definition = {
      StartAt: 'Set',
      States: { Set: { Type: 'Pass', Assign: { s: 'text', o: { a: 1 } }, End: true } },
    }

    const executed = await execute(definition)

    const exited = executed.history.find((event) => event.type === 'PassStateExited')
    expect(exited?.stateExitedEventDetails).toEqual({
      name: 'Set',
      output: '{}',
      outputDetails: { truncated: false },
      assignedVariables: { s: '"text"', o: '{"a":1}' },
      assignedVariablesDetails: { truncated: false },
    })
  })

  it(`assigns in the rule that matched a Choice, else the state's own Assign (${page})`, async () => {
    const definition = {
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Variable: '$.ok', BooleanEquals: true, Assign: { path: 'rule' }, Next: 'Show' }],
          Default: 'Show',
          Assign: { path: 'default' },
        },
        Show: { Type: 'Pass', Parameters: { 'path.$': '$path' }, End: true },
      },
    }

    const matched = await execute(definition, { ok: true })
    const unmatched = await execute(definition, { ok: false })

    expect([matched.value, unmatched.value]).toEqual([{ path: 'rule' }, { path: 'default' }])
  })

  it(`assigns from a Catch with $ as the error output (${page})`, async () => {
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f',
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { 'why.$': '$.Cause' }, ResultPath: null, Next: 'Show' }],
          End: true,
        },
        Show: { Type: 'Pass', Parameters: { 'why.$': '$why' }, End: true },
      },
    }

    const executed = await execute(
      definition,
      {},
      {
        invokeTask: async () => {
          throw { error: 'E', cause: 'the reason' }
        },
      },
    )

    expect(executed.value).toEqual({ why: 'the reason' })
  })

  it(`JSONata: Assign and Output see the variables from before the state (${page})`, async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { n: 1 }, Next: 'B' },
        B: { Type: 'Pass', Assign: { n: '{% $n + 1 %}' }, Output: '{% $n %}', Next: 'C' },
        C: { Type: 'Pass', Output: { before: '{% $states.input %}', now: '{% $n %}' }, End: true },
      },
    }

    const executed = await execute(definition)

    expect(executed.value).toEqual({ before: 1, now: 2 })
  })

  it(`JSONata: an Assign expression that returns nothing fails the state (observed on AWS; ${page})`, async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'S',
      States: { S: { Type: 'Pass', Assign: { result: '{% $doesNotExist %}' }, End: true } },
    }

    const executed = await execute(definition)

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The JSONata expression '$doesNotExist' specified for the field 'Assign/result' returned nothing (undefined).",
    })
  })
})
