import { Guide, execute, runCase, single, type Case } from './support'

const page = `${Guide}/intrinsic-functions.html`

/** A Pass state whose Parameters call one intrinsic on the execution input: the result is `$.result`. */
const call = (expression: string) => single({ Type: 'Pass', Parameters: { 'result.$': expression } })

describe('intrinsic functions', () => {
  it.each([
    {
      name: 'States.Format fills {} in order',
      expression: "States.Format('Hello, my name is {}.', $.name)",
      input: { name: 'Arnav' },
      result: 'Hello, my name is Arnav.',
      doc: `${page}#asl-intrsc-func-generic`,
    },
    {
      name: 'States.Format writes numbers and booleans as JSON',
      expression: "States.Format('{} {} {}', $.n, $.b, $.z)",
      input: { n: 1.5, b: true, z: null },
      result: '1.5 true null',
      doc: `${page}#asl-intrsc-func-generic`,
    },
    {
      name: 'States.Format prints an object as AWS does ({k=v, ...}; observed on AWS, undocumented)',
      expression: "States.Format('x={}', $.o)",
      input: { o: { Arg1: 1, Arg2: [] } },
      result: 'x={Arg1=1, Arg2=[]}',
      doc: `${page}#asl-intrsc-func-generic`,
    },
    {
      // The same text as in a definition's JSON: the literal escapes its quote, States.Format its braces.
      name: 'States.Format with escaped braces and quote',
      expression: "States.Format('\\{\\} it\\'s {}', $.v)",
      input: { v: 'x' },
      result: "{} it's x",
      doc: `${page}#amazon-states-language-intrinsic-functions-escapes`,
    },
    {
      name: 'States.StringToJson parses JSON text',
      expression: 'States.StringToJson($.s)',
      input: { s: '{"number": 20}' },
      result: { number: 20 },
      doc: `${page}#asl-intrsc-func-json-manipulate`,
    },
    {
      name: 'States.StringToJson of a blank string is null (observed on AWS, undocumented)',
      expression: 'States.StringToJson($.s)',
      input: { s: ' ' },
      result: null,
      doc: `${page}#asl-intrsc-func-json-manipulate`,
    },
    {
      name: 'States.JsonToString writes compact JSON',
      expression: 'States.JsonToString($.o)',
      input: { o: { name: 'Foo', zebra: 'stripe' } },
      result: '{"name":"Foo","zebra":"stripe"}',
      doc: `${page}#asl-intrsc-func-json-manipulate`,
    },
    {
      name: 'States.Array mixes literals and paths',
      expression: "States.Array('Foo', 2020, $.o, null)",
      input: { o: { a: 1 } },
      result: ['Foo', 2020, { a: 1 }, null],
      doc: `${page}#asl-intrsc-func-arrays`,
    },
    {
      name: 'States.ArrayPartition leaves a short last chunk',
      expression: 'States.ArrayPartition($.a, 4)',
      input: { a: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
      result: [[1, 2, 3, 4], [5, 6, 7, 8], [9]],
      doc: `${page}#asl-intrsc-func-arrays`,
    },
    {
      name: 'States.ArrayContains compares values',
      expression: 'States.ArrayContains($.a, $.v)',
      input: { a: [1, { b: 2 }], v: { b: 2 } },
      result: true,
      doc: `${page}#asl-intrsc-func-arrays`,
    },
    {
      name: 'States.ArrayRange counts by its step, end included',
      expression: 'States.ArrayRange(1, 9, 2)',
      input: {},
      result: [1, 3, 5, 7, 9],
      doc: `${page}#asl-intrsc-func-arrays`,
    },
    {
      name: 'States.ArrayGetItem is 0-based',
      expression: 'States.ArrayGetItem($.a, 5)',
      input: { a: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
      result: 6,
      doc: `${page}#asl-intrsc-func-arrays`,
    },
    {
      name: 'States.ArrayLength',
      expression: 'States.ArrayLength($.a)',
      input: { a: [1, 2, 3] },
      result: 3,
      doc: `${page}#asl-intrsc-func-arrays`,
    },
    {
      name: 'States.ArrayUnique keeps first occurrences',
      expression: 'States.ArrayUnique($.a)',
      input: { a: [1, 2, 3, 3, 3, 4, 1] },
      result: [1, 2, 3, 4],
      doc: `${page}#asl-intrsc-func-arrays`,
    },
    {
      name: 'States.Base64Encode',
      expression: "States.Base64Encode('Data to encode')",
      input: {},
      result: 'RGF0YSB0byBlbmNvZGU=',
      doc: `${page}#asl-intrsc-func-data-encode-decode`,
    },
    {
      name: 'States.Base64Decode',
      expression: "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')",
      input: {},
      result: 'Data to encode',
      doc: `${page}#asl-intrsc-func-data-encode-decode`,
    },
    {
      name: 'States.Hash SHA-1 in hex',
      expression: "States.Hash('input data', 'SHA-1')",
      input: {},
      result: 'aaff4a450a104cd177d28d18d74485e8cae074b7',
      doc: `${page}#asl-intrsc-func-uuid-generate`,
    },
    {
      name: 'States.JsonMerge is shallow: the second object wins whole keys',
      expression: 'States.JsonMerge($.a, $.b, false)',
      input: { a: { x: { x1: 1 }, y: 2 }, b: { x: { x3: 3 }, z: 3 } },
      result: { x: { x3: 3 }, y: 2, z: 3 },
      doc: `${page}#asl-intrsc-func-json-manipulate`,
    },
    {
      name: 'States.MathAdd',
      expression: 'States.MathAdd($.v, -1)',
      input: { v: 111 },
      result: 110,
      doc: `${page}#asl-intrsc-func-math-operation`,
    },
    {
      name: 'States.MathAdd rounds fractions like Java Math.round (observed on AWS)',
      expression: 'States.MathAdd($.a, $.b)',
      input: { a: 1.49, b: 1.5 },
      result: 3,
      doc: `${page}#asl-intrsc-func-math-operation`,
    },
    {
      name: 'States.StringSplit splits on each delimiter character',
      expression: "States.StringSplit($.s, '.+,=')",
      input: { s: 'This.is+a,test=string' },
      result: ['This', 'is', 'a', 'test', 'string'],
      doc: `${page}#asl-intrsc-func-string-operation`,
    },
    {
      name: 'intrinsics nest',
      expression: "States.ArrayLength(States.StringSplit(States.Format('{},{}', $.a, $.b), ','))",
      input: { a: 'x', b: 'y' },
      result: 2,
      doc: page,
    },
    {
      name: 'a variable is an argument',
      expression: "States.Format('{}!', $greeting)",
      input: {},
      result: 'hi!',
      doc: `${Guide}/workflow-variables.html`,
      assign: { greeting: 'hi' },
    },
  ])('$name', async ({ expression, input, result, assign }) => {
    const definition = assign
      ? {
          StartAt: 'Set',
          States: { Set: { Type: 'Pass', Assign: assign, Next: 'S' }, S: { ...call(expression).States.S } },
        }
      : call(expression)

    const executed = await execute(definition, input)

    expect(executed.outcome.status).toBe('SUCCEEDED')
    expect(executed.value).toEqual({ result })
  })

  it.each(
    [
      {
        name: 'States.UUID is a version 4 UUID',
        expression: 'States.UUID()',
        matches: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      },
      { name: 'States.MathRandom stays in [start, end)', expression: 'States.MathRandom(1, 3)', matches: /^[12]$/ },
    ].map((row) => ({ ...row, doc: page })),
  )('$name', async ({ expression, matches }) => {
    const executed = await execute(call(expression))

    expect(String((executed.value as { result: unknown }).result)).toMatch(matches)
  })

  it.each(
    [
      {
        name: 'an index past the end',
        expression: 'States.ArrayGetItem($.a, 3)',
        input: { a: [1, 2, 3] },
        cause: 'The States.ArrayGetItem intrinsic function was given the index 3, outside an array of 3 items.',
      },
      {
        name: 'text that is not JSON',
        expression: 'States.StringToJson($.s)',
        input: { s: '{oops' },
        cause: 'The States.StringToJson intrinsic function could not parse its argument as JSON: {oops',
      },
      {
        name: 'a deep JsonMerge',
        expression: 'States.JsonMerge($.a, $.a, true)',
        input: { a: {} },
        cause:
          'The States.JsonMerge intrinsic function supports only a shallow merge: its third argument must be false.',
      },
      {
        name: 'more arguments than placeholders',
        expression: "States.Format('{}', 1, 2)",
        input: {},
        cause: 'The States.Format intrinsic function has fewer {} placeholders than arguments.',
      },
    ].map((row) => ({
      ...row,
      doc: page,
      note: "AWS documents no error name for an intrinsic failing on its arguments: States.Runtime, with the engine's cause",
    })),
  )('fails the state with States.Runtime for $name', async ({ expression, input, cause }) => {
    const executed = await execute(call(expression), input)

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: `An error occurred while executing the state 'S' (entered at the event id #2). ${cause}`,
    })
  })

  it.each<Case>([
    {
      name: 'fails with the path error when an argument path does not resolve',
      doc: '',
      note: 'observed on AWS',
      act: () => {
        return execute(call("States.Format('{}', $.missing)"), { a: 1 })
      },
      assess: (executed) => {
        expect(executed.outcome).toEqual({
          status: 'FAILED',
          error: 'States.Runtime',
          cause:
            "An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.missing' specified for the field 'result.$' could not be found in the input '{\"a\":1}'",
        })
      },
    },
  ])('$name', runCase)
})
