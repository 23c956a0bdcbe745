import { Guide, runCase, running, type Case } from './support'

const page = `${Guide}/workflow-variables.html`

describe('variables', () => {
  it.each<Case>([
    {
      name: 'Assign sets variables that later states read as $name',
      doc: page,
      act: running(
        {
          StartAt: 'Set',
          States: {
            Set: { Type: 'Pass', Assign: { count: 42, 'who.$': '$.name' }, Next: 'Use' },
            Use: { Type: 'Pass', Parameters: { 'count.$': '$count', 'who.$': '$who' }, End: true },
          },
        },
        { name: 'ada' },
      ),
      assess: ({ value }) => expect(value).toEqual({ count: 42, who: 'ada' }),
    },
    {
      name: 'every Assign expression reads the values from before the state',
      doc: page,
      act: running({
        StartAt: 'One',
        States: {
          One: { Type: 'Pass', Assign: { x: 1, y: 2 }, Next: 'Swap' },
          Swap: { Type: 'Pass', Assign: { 'x.$': '$y', 'y.$': '$x' }, Next: 'Show' },
          Show: { Type: 'Pass', Parameters: { 'x.$': '$x', 'y.$': '$y' }, End: true },
        },
      }),
      assess: ({ value }) => expect(value).toEqual({ x: 2, y: 1 }),
    },
    {
      name: "a JSONPath Assign reads $ as the state's result (a Task's after ResultSelector)",
      doc: page,
      act: running(
        {
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
        },
        {},
        { invokeTask: async () => ({ Payload: 'p' }) },
      ),
      assess: ({ value }) => expect(value).toEqual({ saved: 'p' }),
    },
    {
      name: 'an inner Map state reads outer variables and keeps its own assignments inside',
      doc: page,
      act: running(
        {
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
        },
        [1, 2],
      ),
      assess: ({ value }) => expect(value).toEqual({ names: [{ name: 'item-1' }, { name: 'item-2' }], inner: false }),
    },
    {
      name: 'the history shows assigned values as JSON text in assignedVariables',
      doc: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateExitedEventDetails.html',
      act: running({
        StartAt: 'Set',
        States: { Set: { Type: 'Pass', Assign: { s: 'text', o: { a: 1 } }, End: true } },
      }),
      assess: ({ history }) =>
        expect(history.find((event) => event.type === 'PassStateExited')?.stateExitedEventDetails).toEqual({
          name: 'Set',
          output: '{}',
          outputDetails: { truncated: false },
          assignedVariables: { s: '"text"', o: '{"a":1}' },
          assignedVariablesDetails: { truncated: false },
        }),
    },
    ...[
      { ok: true, path: 'rule' },
      { ok: false, path: 'default' },
    ].map(({ ok, path }): Case => ({
      name: `a Choice assigns in the rule that matched, else its own Assign: ${path}`,
      doc: page,
      act: running(
        {
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
        },
        { ok },
      ),
      assess: ({ value }) => expect(value).toEqual({ path }),
    })),
    {
      name: "a Choice's own Assign applies whichever rule matched, the rule's Assign on top of it",
      doc: `${Guide}/state-choice.html`,
      act: running(
        {
          StartAt: 'C',
          States: {
            C: {
              Type: 'Choice',
              Choices: [{ Variable: '$.ok', BooleanEquals: true, Assign: { path: 'rule' }, Next: 'Show' }],
              Default: 'Show',
              Assign: { path: 'default', always: true },
            },
            Show: { Type: 'Pass', Parameters: { 'path.$': '$path', 'always.$': '$always' }, End: true },
          },
        },
        { ok: true },
      ),
      assess: ({ value }) => expect(value).toEqual({ path: 'rule', always: true }),
    },
    {
      name: 'a Catch assigns with $ as the error output',
      doc: page,
      act: running(
        {
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
        },
        {},
        {
          invokeTask: async () => {
            throw { error: 'E', cause: 'the reason' }
          },
        },
      ),
      assess: ({ value }) => expect(value).toEqual({ why: 'the reason' }),
    },
    {
      name: 'JSONata: Assign and Output see the variables from before the state',
      doc: page,
      act: running({
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { n: 1 }, Next: 'B' },
          B: { Type: 'Pass', Assign: { n: '{% $n + 1 %}' }, Output: '{% $n %}', Next: 'C' },
          C: { Type: 'Pass', Output: { before: '{% $states.input %}', now: '{% $n %}' }, End: true },
        },
      }),
      assess: ({ value }) => expect(value).toEqual({ before: 1, now: 2 }),
    },
    {
      name: 'JSONata: an Assign expression that returns nothing fails the state',
      doc: page,
      note: 'cause observed on AWS',
      act: running({
        QueryLanguage: 'JSONata',
        StartAt: 'S',
        States: { S: { Type: 'Pass', Assign: { result: '{% $doesNotExist %}' }, End: true } },
      }),
      assess: ({ outcome }) =>
        expect(outcome).toEqual({
          status: 'FAILED',
          error: 'States.QueryEvaluationError',
          cause:
            "An error occurred while executing the state 'S' (entered at the event id #2). The JSONata expression '$doesNotExist' specified for the field 'Assign/result' returned nothing (undefined).",
        }),
    },
  ])('$name', runCase)
})
