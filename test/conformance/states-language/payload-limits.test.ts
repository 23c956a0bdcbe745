import { Guide, execute, runCase, single, type Case } from './support'

const quotas = `${Guide}/service-quotas.html#service-limits-task-executions`
const errors = `${Guide}/concepts-error-handling.html#error-handling-error-representation`

/** A string that makes a JSON document over 256 KiB. */
const big = 'x'.repeat(256 * 1024)

describe('payload limits', () => {
  it.each(
    [
      { name: 'States.ALL does not catch it', errorEquals: ['States.ALL'], caught: false },
      {
        name: 'naming it catches it (AWS documents only that States.ALL cannot)',
        errorEquals: ['States.DataLimitExceeded'],
        caught: true,
      },
    ].map((row) => ({ ...row, doc: errors })),
  )('$name', async ({ errorEquals, caught }) => {
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Catch: [{ ErrorEquals: errorEquals, Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    }

    const executed = await execute(definition, {}, { invokeTask: async () => big })

    expect(executed.outcome.status).toBe(caught ? 'SUCCEEDED' : 'FAILED')
  })

  it.each<Case>([
    {
      name: 'fails a state whose output passes 256 KiB with States.DataLimitExceeded',
      doc: `${quotas}`,
      note: 'cause as observed on AWS',
      act: () => {
        return execute(single({ Type: 'Pass', Parameters: { 'v.$': "States.Format('{}{}', $.a, $.a)" } }), {
          a: 'y'.repeat(140 * 1024),
        })
      },
      assess: (executed) => {
        expect(executed.outcome).toEqual({
          status: 'FAILED',
          error: 'States.DataLimitExceeded',
          cause:
            "The state/task 'S' returned a result with a size exceeding the maximum number of bytes service limit.",
        })
      },
    },
    {
      name: 'counts bytes, not characters: 100,000 three-byte characters are over the limit',
      doc: `${quotas}`,
      act: () => {
        return execute(single({ Type: 'Pass', Parameters: { 'v.$': "States.Format('{}{}', $.a, $.a)" } }), {
          a: '€'.repeat(50_000),
        })
      },
      assess: (executed) => {
        expect(executed.outcome.error).toBe('States.DataLimitExceeded')
      },
    },
    {
      name: 'fails a Task whose result passes the limit, naming the resource as AWS does',
      doc: `${quotas}`,
      note: 'observed on AWS',
      act: () => {
        const definition = single({ Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' })
        return execute(definition, {}, { invokeTask: async () => big })
      },
      assess: (executed) => {
        expect(executed.outcome).toEqual({
          status: 'FAILED',
          error: 'States.DataLimitExceeded',
          cause:
            "The state/task 'arn:aws:lambda:us-east-1:123456789012:function:f' returned a result with a size exceeding the maximum number of bytes service limit.",
        })
        expect(executed.history.map((event) => event.type)).toContain('LambdaFunctionFailed')
      },
    },
    {
      name: 'refuses an execution input over the limit',
      doc: `${quotas}`,
      note: 'StartExecution refuses it on AWS, here the execution fails',
      act: () => {
        return execute(single({ Type: 'Pass' }), { big })
      },
      assess: (executed) => {
        expect(executed.outcome.error).toBe('States.DataLimitExceeded')
      },
    },
    {
      name: 'accepts a payload just under the limit',
      doc: `${quotas}`,
      act: () => {
        return execute(single({ Type: 'Pass' }), { a: 'x'.repeat(256 * 1024 - 20) })
      },
      assess: (executed) => {
        expect(executed.outcome.status).toBe('SUCCEEDED')
      },
    },
  ])('$name', runCase)
})
