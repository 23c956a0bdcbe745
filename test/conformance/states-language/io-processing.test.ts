import { Guide, execute, runCase, single, type Case } from './support'

const filtering = `${Guide}/concepts-input-output-filtering.html`
const params = `${Guide}/input-output-inputpath-params.html`
const resultPath = `${Guide}/input-output-resultpath.html`
const outputPath = `${Guide}/input-output-example.html`

const input = { comment: 'hi', data: { val1: 23, val2: 17 }, extra: 'x' }

describe('input and output processing', () => {
  it.each([
    {
      name: 'InputPath selects the effective input',
      state: { Type: 'Pass', InputPath: '$.data' },
      output: { val1: 23, val2: 17 },
      doc: params,
    },
    { name: 'InputPath null gives {}', state: { Type: 'Pass', InputPath: null }, output: {}, doc: params },
    {
      name: 'Parameters builds a new object with static and .$ fields',
      state: { Type: 'Pass', Parameters: { fixed: 1, 'v.$': '$.data.val1', nested: { 'c.$': '$.comment' } } },
      output: { fixed: 1, v: 23, nested: { c: 'hi' } },
      doc: params,
    },
    {
      name: 'Parameters reads the context object with $$',
      state: { Type: 'Pass', Parameters: { 'name.$': '$$.Execution.Name' } },
      output: { name: 'run-1' },
      doc: params,
    },
    {
      name: 'Parameters applies after InputPath',
      state: { Type: 'Pass', InputPath: '$.data', Parameters: { 'sum.$': 'States.MathAdd($.val1, $.val2)' } },
      output: { sum: 40 },
      doc: params,
    },
    {
      name: 'Result replaces the input by default',
      state: { Type: 'Pass', Result: { r: 1 } },
      output: { r: 1 },
      doc: `${Guide}/state-pass.html`,
    },
    {
      name: 'ResultPath $.x adds the result to the raw input',
      state: { Type: 'Pass', Result: 'r', ResultPath: '$.x' },
      output: { ...input, x: 'r' },
      doc: resultPath,
    },
    {
      name: 'ResultPath creates missing objects on the way',
      state: { Type: 'Pass', Result: 1, ResultPath: '$.a.b.c' },
      output: { ...input, a: { b: { c: 1 } } },
      doc: resultPath,
    },
    {
      name: 'ResultPath overwrites an existing field',
      state: { Type: 'Pass', Result: 'new', ResultPath: '$.comment' },
      output: { ...input, comment: 'new' },
      doc: resultPath,
    },
    {
      name: 'ResultPath null discards the result',
      state: { Type: 'Pass', Result: 'r', ResultPath: null },
      output: input,
      doc: resultPath,
    },
    {
      name: 'ResultPath merges into the raw input, not the InputPath selection',
      state: { Type: 'Pass', InputPath: '$.data', ResultPath: '$.copy' },
      output: { ...input, copy: { val1: 23, val2: 17 } },
      doc: resultPath,
    },
    {
      name: 'OutputPath selects from the merged output',
      state: { Type: 'Pass', Result: 5, ResultPath: '$.r', OutputPath: '$.r' },
      output: 5,
      doc: outputPath,
    },
    { name: 'OutputPath null gives {}', state: { Type: 'Pass', OutputPath: null }, output: {}, doc: outputPath },
  ])('$name', async ({ state, output }) => {
    const executed = await execute(single(state), input)

    expect(executed.outcome.status).toBe('SUCCEEDED')
    expect(executed.value).toEqual(output)
  })

  it.each<Case>([
    {
      name: "runs a Task's result through ResultSelector, ResultPath and OutputPath in that order",
      doc: `${filtering}`,
      act: () => {
        const definition = single({
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          InputPath: '$.data',
          Parameters: { FunctionName: 'f', 'Payload.$': '$' },
          ResultSelector: { 'body.$': '$.Payload', 'code.$': '$.StatusCode' },
          ResultPath: '$.taskResult',
          OutputPath: '$.taskResult',
        })
        return execute(definition, input, {
          invokeTask: async () => {
            return { StatusCode: 200, Payload: { ok: true }, ExecutedVersion: '$LATEST' }
          },
        })
      },
      assess: (executed) => {
        // The task got the resolved parameters, as TaskScheduled records them.
        const scheduled = executed.history.find((event) => event.type === 'TaskScheduled')
        expect(JSON.parse((scheduled?.taskScheduledEventDetails as { parameters: string }).parameters)).toEqual({
          FunctionName: 'f',
          Payload: { val1: 23, val2: 17 },
        })
        expect(executed.value).toEqual({ body: { ok: true }, code: 200 })
      },
    },
    {
      name: 'gives Parallel branches the Parameters result and selects from the array of outputs',
      doc: `${Guide}/state-parallel.html`,
      act: () => {
        const definition = single({
          Type: 'Parallel',
          Parameters: { 'v.$': '$.data.val1' },
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'b', End: true } } },
          ],
          ResultSelector: { 'first.$': '$[0].v', 'second.$': '$[1]' },
          ResultPath: '$.parallel',
        })
        return execute(definition, input)
      },
      assess: (executed) => {
        expect(executed.value).toEqual({ ...input, parallel: { first: 23, second: 'b' } })
      },
    },
    {
      name: "keeps the execution input's own text when a state passes it on untouched",
      doc: `${filtering}`,
      note: 'observed on AWS',
      act: () => {
        const definition = single({ Type: 'Pass' })
        return execute(definition, '{"a": [1, 2],  "b": "x"}')
      },
      assess: (executed) => {
        expect(executed.outcome.output).toBe('{"a": [1, 2],  "b": "x"}')
      },
    },
    {
      name: 'writes a changed value as compact JSON',
      doc: `${filtering}`,
      act: () => {
        return execute(single({ Type: 'Pass', ResultPath: '$.c', Result: 1 }), '{"a": [1, 2]}')
      },
      assess: (executed) => {
        expect(executed.outcome.output).toBe('{"a":[1,2],"c":1}')
      },
    },
    {
      name: 'fails when ResultPath cannot be written into the input',
      doc: `${resultPath}`,
      note: "AWS's wording is undocumented, the cause is this engine's",
      act: () => {
        return execute(single({ Type: 'Pass', Result: 1, ResultPath: '$.comment.deeper' }), input)
      },
      assess: (executed) => {
        expect(executed.outcome.status).toBe('FAILED')
        expect(executed.outcome.error).toBe('States.Runtime')
        expect(executed.outcome.cause).toContain("Invalid path '$.comment.deeper'")
      },
    },
  ])('$name', runCase)
})
