import { Guide, execute, runCase, running, skeleton, type Case } from './support'

const mapPage = `${Guide}/state-map-inline.html`
const parallelPage = `${Guide}/state-parallel.html`

const processor = (states: Record<string, unknown>, startAt = Object.keys(states)[0]) => ({
  ProcessorConfig: { Mode: 'INLINE' },
  StartAt: startAt,
  States: states,
})

describe('Map and Parallel', () => {
  it.each([
    {
      name: 'runs the processor once per item and keeps the order of the items',
      map: {
        ItemsPath: '$.items',
        ItemProcessor: processor({
          Double: { Type: 'Pass', Parameters: { 'v.$': 'States.MathAdd($, $)' }, End: true },
        }),
      },
      input: { items: [1, 2, 3] },
      output: [{ v: 2 }, { v: 4 }, { v: 6 }],
      doc: mapPage,
    },
    {
      name: 'builds each item with ItemSelector and $$.Map.Item',
      map: {
        ItemsPath: '$.items',
        ItemSelector: { 'index.$': '$$.Map.Item.Index', 'value.$': '$$.Map.Item.Value', 'shared.$': '$.shared' },
        ItemProcessor: processor({ P: { Type: 'Pass', End: true } }),
      },
      input: { items: ['a', 'b'], shared: 's' },
      output: [
        { index: 0, value: 'a', shared: 's' },
        { index: 1, value: 'b', shared: 's' },
      ],
      doc: `${Guide}/input-output-itemselector.html`,
    },
    {
      name: 'accepts the older Iterator and Parameters fields',
      map: {
        Iterator: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        Parameters: { 'v.$': '$$.Map.Item.Value' },
      },
      input: [1, 2],
      output: [{ v: 1 }, { v: 2 }],
      doc: `${Guide}/state-map-inline.html#map-state-inline-additional-fields`,
    },
    {
      name: 'gives [] for an empty array',
      map: { ItemProcessor: processor({ P: { Type: 'Pass', End: true } }) },
      input: [],
      output: [],
      doc: mapPage,
    },
    {
      name: 'reads MaxConcurrencyPath, a whole number even as text (observed on AWS)',
      map: {
        MaxConcurrencyPath: '$.limit',
        ItemsPath: '$.items',
        ItemProcessor: processor({ P: { Type: 'Pass', End: true } }),
      },
      input: { limit: '1', items: [1, 2] },
      output: [1, 2],
      doc: mapPage,
    },
  ])('Map $name', async ({ map, input, output }) => {
    const executed = await execute({ StartAt: 'M', States: { M: { Type: 'Map', End: true, ...map } } }, input)

    expect(executed.outcome.status).toBe('SUCCEEDED')
    expect(executed.value).toEqual(output)
  })

  it.each(
    [
      { name: 'ItemsPath', path: '$.v', shown: '$.v' },
      {
        name: 'a context ItemsPath, named from its own root',
        path: '$$.Execution.Input.v',
        shown: '$.Execution.Input.v',
      },
    ].map((row) => ({ ...row, doc: mapPage, note: 'cause observed on AWS' })),
  )('Map fails with States.Runtime when $name is not an array', async ({ path, shown }) => {
    const definition = {
      StartAt: 'M',
      States: {
        M: { Type: 'Map', ItemsPath: path, ItemProcessor: processor({ P: { Type: 'Pass', End: true } }), End: true },
      },
    }

    const executed = await execute(definition, { v: { foo: 'bar' } })

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: `An error occurred while executing the state 'M' (entered at the event id #2). Reference path "${shown}" must point to array.`,
    })
  })

  describe('Distributed Map', () => {
    const distributed = `${Guide}/state-map-distributed.html`
    const thresholds = `${Guide}/maprun-fail-threshold.html`

    /** A Distributed Map over the input, each child failing on the item 'bad'. */
    const machine = (extra: Record<string, unknown> = {}) => ({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Check',
            States: {
              Check: {
                Type: 'Choice',
                Choices: [{ Variable: '$', StringEquals: 'bad', Next: 'Bad' }],
                Default: 'Good',
              },
              Bad: { Type: 'Fail', Error: 'BadItem', Cause: 'bad item' },
              Good: { Type: 'Pass', End: true },
            },
          },
          End: true,
          ...extra,
        },
      },
    })

    it.each(
      [
        { name: 'no threshold: one failure fails the Map Run', extra: {}, status: 'FAILED' },
        {
          name: 'ToleratedFailureCount 1 tolerates one failure',
          extra: { ToleratedFailureCount: 1 },
          status: 'SUCCEEDED',
        },
        {
          name: 'ToleratedFailurePercentage 50 tolerates one of two',
          extra: { ToleratedFailurePercentage: 50 },
          status: 'SUCCEEDED',
        },
        { name: 'ToleratedFailurePercentage 49 does not', extra: { ToleratedFailurePercentage: 49 }, status: 'FAILED' },
      ].map((row) => ({ ...row, doc: thresholds })),
    )('$name', async ({ extra, status }) => {
      const executed = await execute(machine(extra), ['a', 'bad'])

      expect(executed.outcome.status).toBe(status)
      if (status === 'FAILED') {
        expect(executed.outcome).toMatchObject({
          error: 'States.ExceedToleratedFailureThreshold',
          cause: 'The specified tolerated failure threshold was exceeded',
        })
        expect(executed.history.map((event) => event.type)).toEqual(
          expect.arrayContaining(['MapRunFailed', 'MapStateFailed']),
        )
      }
    })

    it.each(
      [
        {
          name: 'a percentage over 100',
          extra: { ToleratedFailurePercentagePath: '$.p' },
          input: { p: 100.1 },
          cause: 'ToleratedFailurePercentage must be between 0 and 100.',
        },
        {
          name: 'a percentage that is not a number',
          extra: { ToleratedFailurePercentagePath: '$.p' },
          input: { p: 'NoNumber' },
          cause: 'The ToleratedFailurePercentagePath field refers to value "NoNumber" which is not a valid float: $.p',
        },
        {
          name: 'a negative count',
          extra: { ToleratedFailureCountPath: '$.c' },
          input: { c: -1 },
          cause: 'ToleratedFailureCount cannot be negative.',
        },
        {
          name: 'a count that is not an integer',
          extra: { ToleratedFailureCountPath: '$.c' },
          input: { c: {} },
          cause: 'The ToleratedFailureCountPath field refers to value "{}" which is not a valid integer: $.c',
        },
      ].map((row) => ({ ...row, doc: thresholds, note: 'causes observed on AWS' })),
    )('fails with States.Runtime after MapStateStarted for $name', async ({ extra, input, cause }) => {
      const executed = await execute(machine({ ItemsPath: '$.items', ...extra }), { items: ['a'], ...input })

      expect(executed.outcome).toEqual({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: `An error occurred while executing the state 'M' (entered at the event id #2). ${cause}`,
      })
      expect(skeleton(executed.history).map(([, , type]) => type)).toEqual([
        'ExecutionStarted',
        'MapStateEntered',
        'MapStateStarted',
        'ExecutionFailed',
      ])
    })

    it.each<Case>([
      {
        name: "records a Map Run, not the child executions' states",
        doc: distributed,
        note: 'observed on AWS',
        act: running(machine({ Label: 'Jobs' }), ['a', 'b']),
        assess: (executed) => {
          expect(executed.value).toEqual(['a', 'b'])
          expect(skeleton(executed.history)).toEqual([
            [1, 0, 'ExecutionStarted'],
            [2, 0, 'MapStateEntered'],
            [3, 2, 'MapStateStarted'],
            [4, 3, 'MapRunStarted'],
            [5, 4, 'MapRunSucceeded'],
            [6, 5, 'MapStateSucceeded'],
            [7, 5, 'MapStateExited'],
            [8, 7, 'ExecutionSucceeded'],
          ])
          expect(executed.history[3]).toMatchObject({
            mapRunStartedEventDetails: {
              mapRunArn: expect.stringMatching(
                /^arn:aws:states:us-east-1:123456789012:mapRun:Conformance\/Jobs:[0-9a-f-]{36}$/,
              ),
            },
          })
        },
      },
      {
        name: 'batches items with ItemBatcher (${Guide}/input-output-itembatcher.html)`, async',
        doc: `${Guide}/input-output-itembatcher.html`,
        act: () => {
          const definition = {
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'source.$': '$.source' } },
                ItemsPath: '$.items',
                ItemProcessor: {
                  ProcessorConfig: { Mode: 'DISTRIBUTED' },
                  StartAt: 'P',
                  States: { P: { Type: 'Pass', End: true } },
                },
                End: true,
              },
            },
          }
          return execute(definition, { items: [1, 2, 3], source: 's' })
        },
        assess: (executed) => {
          expect(executed.value).toEqual([
            { BatchInput: { source: 's' }, Items: [1, 2] },
            { BatchInput: { source: 's' }, Items: [3] },
          ])
        },
      },
      {
        name: 'gives each child execution its own context: the item is $$.Execution.Input (${distributed})`, async',
        doc: distributed,
        act: () => {
          const definition = {
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                ItemProcessor: {
                  ProcessorConfig: { Mode: 'DISTRIBUTED' },
                  StartAt: 'P',
                  States: {
                    P: {
                      Type: 'Pass',
                      Parameters: { 'input.$': '$$.Execution.Input', 'machine.$': '$$.StateMachine.Name' },
                      End: true,
                    },
                  },
                },
                End: true,
              },
            },
          }
          return execute(definition, [7])
        },
        assess: (executed) => {
          expect(executed.value).toEqual([{ input: 7, machine: 'Conformance/M' }])
        },
      },
    ])('$name', runCase)
  })

  it.each<Case>([
    {
      name: 'Map fails with the error of a failed iteration, which a Catch on the Map sees',
      doc: `${mapPage}`,
      act: () => {
        const definition = {
          StartAt: 'M',
          States: {
            M: {
              Type: 'Map',
              ItemProcessor: processor({
                Check: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Bad' }], Default: 'Good' },
                Bad: { Type: 'Fail', Error: 'ItemRejected', Cause: 'two' },
                Good: { Type: 'Pass', End: true },
              }),
              Catch: [{ ErrorEquals: ['ItemRejected'], Next: 'Caught' }],
              End: true,
            },
            Caught: { Type: 'Pass', End: true },
          },
        }
        return execute(definition, [1, 2, 3])
      },
      assess: (executed) => {
        expect(executed.value).toEqual({ Error: 'ItemRejected', Cause: 'two' })
      },
    },
    {
      name: 'Map with MaxConcurrency 1 records iterations one after another, as AWS does',
      doc: `${mapPage}`,
      note: 'observed on AWS',
      act: () => {
        const definition = {
          StartAt: 'M',
          States: {
            M: {
              Type: 'Map',
              MaxConcurrency: 1,
              ItemProcessor: processor({ P: { Type: 'Pass', End: true } }),
              End: true,
            },
          },
        }
        return execute(definition, ['Hello', 'World'])
      },
      assess: (executed) => {
        expect(skeleton(executed.history)).toEqual([
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'MapStateEntered'],
          [3, 2, 'MapStateStarted'],
          [4, 3, 'MapIterationStarted'],
          [5, 4, 'PassStateEntered'],
          [6, 5, 'PassStateExited'],
          [7, 6, 'MapIterationSucceeded'],
          [8, 6, 'MapIterationStarted'],
          [9, 8, 'PassStateEntered'],
          [10, 9, 'PassStateExited'],
          [11, 10, 'MapIterationSucceeded'],
          [12, 11, 'MapStateSucceeded'],
          [13, 11, 'MapStateExited'],
          [14, 13, 'ExecutionSucceeded'],
        ])
        expect(executed.outcome.output).toBe('["Hello","World"]')
      },
    },
    {
      name: 'a retried Map starts again with MapStateStarted and reports MapStateFailed once, at the end',
      doc: `${mapPage}`,
      note: 'observed on AWS',
      act: () => {
        const definition = {
          StartAt: 'M',
          States: {
            M: {
              Type: 'Map',
              ItemProcessor: processor({ F: { Type: 'Fail', Error: 'E', Cause: 'c' } }),
              Retry: [{ ErrorEquals: ['E'], MaxAttempts: 1 }],
              End: true,
            },
          },
        }
        return execute(definition, [1])
      },
      assess: (executed) => {
        expect(skeleton(executed.history)).toEqual([
          [1, 0, 'ExecutionStarted'],
          [2, 0, 'MapStateEntered'],
          [3, 2, 'MapStateStarted'],
          [4, 3, 'MapIterationStarted'],
          [5, 4, 'FailStateEntered'],
          [6, 5, 'MapIterationFailed'],
          [7, 5, 'MapStateStarted'],
          [8, 7, 'MapIterationStarted'],
          [9, 8, 'FailStateEntered'],
          [10, 9, 'MapIterationFailed'],
          [11, 9, 'MapStateFailed'],
          [12, 11, 'ExecutionFailed'],
        ])
      },
    },
    {
      name: "Parallel outputs the array of its branches' outputs, in branch order",
      doc: `${parallelPage}`,
      act: () => {
        const definition = {
          StartAt: 'P',
          States: {
            P: {
              Type: 'Parallel',
              Branches: [
                {
                  StartAt: 'Slow',
                  States: {
                    Slow: { Type: 'Wait', Seconds: 5, Next: 'One' },
                    One: { Type: 'Pass', Result: 1, End: true },
                  },
                },
                { StartAt: 'Two', States: { Two: { Type: 'Pass', Result: 2, End: true } } },
              ],
              End: true,
            },
          },
        }
        return execute(definition)
      },
      assess: (executed) => {
        expect(executed.value).toEqual([1, 2])
      },
    },
    {
      name: "Parallel fails with a branch's error and a Catch on it sees it",
      doc: `${parallelPage}`,
      act: () => {
        const definition = {
          StartAt: 'P',
          States: {
            P: {
              Type: 'Parallel',
              Branches: [
                { StartAt: 'Ok', States: { Ok: { Type: 'Pass', End: true } } },
                { StartAt: 'Bad', States: { Bad: { Type: 'Fail', Error: 'FailureType', Cause: 'Cause description' } } },
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
        expect(executed.value).toEqual({ Error: 'FailureType', Cause: 'Cause description' })
        expect(executed.history.map((event) => event.type)).toContain('ParallelStateFailed')
      },
    },
    {
      name: 'nested Parallel keeps the input text of untouched branches',
      doc: `${parallelPage}`,
      note: 'observed on AWS',
      act: () => {
        const inner = {
          StartAt: 'L2',
          States: {
            L2: {
              Type: 'Parallel',
              Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }],
              End: true,
            },
          },
        }
        const definition = { StartAt: 'L1', States: { L1: { Type: 'Parallel', Branches: [inner], End: true } } }
        return execute(definition, '[[1, 2, 3], [4, 5, 6]]')
      },
      assess: (executed) => {
        expect(executed.outcome.output).toBe('[[[[1, 2, 3], [4, 5, 6]]]]')
      },
    },
  ])('$name', runCase)
})
