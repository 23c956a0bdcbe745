import { Guide, execute, runCase, running, type Case } from './support'

const page = `${Guide}/state-choice.html`

/** A Choice with one rule: Matched or Unmatched ends the execution with that name as output. */
const choice = (rule: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  StartAt: 'C',
  States: {
    C: { Type: 'Choice', Choices: [{ ...rule, Next: 'Matched' }], Default: 'Unmatched', ...extra },
    Matched: { Type: 'Pass', Result: 'Matched', End: true },
    Unmatched: { Type: 'Pass', Result: 'Unmatched', End: true },
  },
})

describe('Choice rules', () => {
  it.each(
    [
      { name: 'StringEquals', rule: { Variable: '$.v', StringEquals: 'a' }, input: { v: 'a' }, matched: true },
      {
        name: 'StringEquals against a number is false, not an error',
        rule: { Variable: '$.v', StringEquals: '1' },
        input: { v: 1 },
        matched: false,
      },
      {
        name: 'StringLessThan compares code points',
        rule: { Variable: '$.v', StringLessThan: 'b' },
        input: { v: 'B' },
        matched: true,
      },
      {
        name: 'StringGreaterThanEquals',
        rule: { Variable: '$.v', StringGreaterThanEquals: 'b' },
        input: { v: 'b' },
        matched: true,
      },
      {
        name: 'StringMatches with *',
        rule: { Variable: '$.v', StringMatches: 'log-*.txt' },
        input: { v: 'log-2024.txt' },
        matched: true,
      },
      {
        name: 'StringMatches with an escaped \\*',
        rule: { Variable: '$.v', StringMatches: 'a\\*' },
        input: { v: 'ab' },
        matched: false,
      },
      {
        name: 'NumericEquals treats 1 and 1.0 alike',
        rule: { Variable: '$.v', NumericEquals: 1 },
        input: { v: 1.0 },
        matched: true,
      },
      { name: 'NumericLessThan', rule: { Variable: '$.v', NumericLessThan: 10 }, input: { v: 9.5 }, matched: true },
      {
        name: 'NumericGreaterThan on a string is false',
        rule: { Variable: '$.v', NumericGreaterThan: 1 },
        input: { v: '5' },
        matched: false,
      },
      { name: 'BooleanEquals', rule: { Variable: '$.v', BooleanEquals: false }, input: { v: false }, matched: true },
      {
        name: 'TimestampEquals across offsets',
        rule: { Variable: '$.v', TimestampEquals: '2016-03-14T01:59:00Z' },
        input: { v: '2016-03-14T02:59:00+01:00' },
        matched: true,
      },
      {
        name: 'TimestampLessThan',
        rule: { Variable: '$.v', TimestampLessThan: '2016-03-14T01:59:00Z' },
        input: { v: '2016-03-14T01:58:59.999Z' },
        matched: true,
      },
      {
        name: 'a timestamp without an offset is not a timestamp',
        rule: { Variable: '$.v', TimestampEquals: '2016-03-14T01:59:00Z' },
        input: { v: '2016-03-14T01:59:00' },
        matched: false,
      },
      {
        name: 'StringEqualsPath',
        rule: { Variable: '$.a', StringEqualsPath: '$.b' },
        input: { a: 'x', b: 'x' },
        matched: true,
      },
      {
        name: 'NumericLessThanPath',
        rule: { Variable: '$.a', NumericLessThanPath: '$.b' },
        input: { a: 1, b: 2 },
        matched: true,
      },
      { name: 'IsNull', rule: { Variable: '$.v', IsNull: true }, input: { v: null }, matched: true },
      { name: 'IsNull false on a value', rule: { Variable: '$.v', IsNull: false }, input: { v: 0 }, matched: true },
      {
        name: 'IsNull false on a missing field (AWS is silent; the type test is false)',
        rule: { Variable: '$.v', IsNull: false },
        input: {},
        matched: true,
      },
      {
        name: 'IsString true on a missing field does not match',
        rule: { Variable: '$.v', IsString: true },
        input: {},
        matched: false,
      },
      {
        name: 'IsPresent false on a missing field',
        rule: { Variable: '$.v', IsPresent: false },
        input: {},
        matched: true,
      },
      { name: 'IsPresent true on null', rule: { Variable: '$.v', IsPresent: true }, input: { v: null }, matched: true },
      {
        name: 'IsNumeric false on a numeric string',
        rule: { Variable: '$.v', IsNumeric: false },
        input: { v: '1' },
        matched: true,
      },
      { name: 'IsString', rule: { Variable: '$.v', IsString: true }, input: { v: '' }, matched: true },
      { name: 'IsBoolean', rule: { Variable: '$.v', IsBoolean: true }, input: { v: true }, matched: true },
      {
        name: 'IsTimestamp',
        rule: { Variable: '$.v', IsTimestamp: true },
        input: { v: '2012-10-09T19:00:55+01:00' },
        matched: true,
      },
      {
        name: 'IsTimestamp false on a date alone',
        rule: { Variable: '$.v', IsTimestamp: true },
        input: { v: '2023-02-24' },
        matched: false,
      },
      {
        name: 'And',
        rule: {
          And: [
            { Variable: '$.a', NumericGreaterThan: 1 },
            { Variable: '$.a', NumericLessThan: 3 },
          ],
        },
        input: { a: 2 },
        matched: true,
      },
      {
        name: 'Or',
        rule: {
          Or: [
            { Variable: '$.a', StringEquals: 'x' },
            { Variable: '$.a', StringEquals: 'y' },
          ],
        },
        input: { a: 'y' },
        matched: true,
      },
      { name: 'Not', rule: { Not: { Variable: '$.a', StringEquals: 'x' } }, input: { a: 'y' }, matched: true },
      {
        name: 'a variable as the Variable',
        rule: { Variable: '$$.Execution.Name', StringEquals: 'run-1' },
        input: {},
        matched: true,
      },
    ].map((row) => ({ ...row, doc: page })),
  )('$name', async ({ rule, input, matched }) => {
    const executed = await execute(choice(rule), input)

    expect(executed.value).toBe(matched ? 'Matched' : 'Unmatched')
  })

  it.each(
    [
      { name: 'a true Condition', condition: '{% $states.input.n > 1 %}', input: { n: 2 }, matched: true },
      { name: 'a false Condition', condition: '{% $states.input.n > 1 %}', input: { n: 0 }, matched: false },
      { name: 'a literal true', condition: true, input: {}, matched: true },
    ].map((row) => ({ ...row, doc: `${Guide}/transforming-data.html` })),
  )('JSONata: $name', async ({ condition, input, matched }) => {
    const executed = await execute(choice({ Condition: condition }, { QueryLanguage: 'JSONata' }), input)

    expect(executed.value).toBe(matched ? 'Matched' : 'Unmatched')
  })

  it.each<Case>([
    {
      name: 'fails with States.Runtime when the Variable path does not resolve',
      doc: page,
      note: 'cause as AWS words it',
      act: running(choice({ Variable: '$.foo', StringEquals: 'x' }), {}),
      assess: ({ outcome }) =>
        expect(outcome).toEqual({
          status: 'FAILED',
          error: 'States.Runtime',
          cause:
            "An error occurred while executing the state 'C' (entered at the event id #2). Invalid path '$.foo' : The choice state's condition path references an invalid value.",
        }),
    },
    {
      name: 'fails with States.NoChoiceMatched when no rule matches and there is no Default',
      doc: `${Guide}/concepts-error-handling.html`,
      note: "the cause is the engine's wording",
      act: running(
        {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$.v', IsPresent: true, Next: 'Done' }] },
            Done: { Type: 'Succeed' },
          },
        },
        {},
      ),
      assess: ({ outcome }) => expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' }),
    },
    {
      name: 'applies InputPath before the rules and OutputPath after',
      doc: page,
      act: running(
        {
          StartAt: 'C',
          States: {
            C: {
              Type: 'Choice',
              InputPath: '$.inner',
              OutputPath: '$.v',
              Choices: [{ Variable: '$.v', NumericEquals: 1, Next: 'Done' }],
            },
            Done: { Type: 'Succeed' },
          },
        },
        { inner: { v: 1 } },
      ),
      assess: ({ value }) => expect(value).toBe(1),
    },
    {
      name: 'JSONata: a Condition that is not a boolean fails with States.QueryEvaluationError',
      doc: `${Guide}/transforming-data.html`,
      note: 'worded as AWS words a wrong type for Items (observed)',
      act: running(choice({ Condition: '{% $states.input.n %}' }, { QueryLanguage: 'JSONata' }), { n: 1 }),
      assess: ({ outcome }) =>
        expect(outcome).toEqual({
          status: 'FAILED',
          error: 'States.QueryEvaluationError',
          cause:
            "An error occurred while executing the state 'C' (entered at the event id #2). The JSONata expression '$states.input.n' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 1",
        }),
    },
  ])('$name', runCase)
})
