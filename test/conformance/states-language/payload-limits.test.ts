import { Guide, execute, single } from './support'

const quotas = `${Guide}/service-quotas.html#service-limits-task-executions`
const errors = `${Guide}/concepts-error-handling.html#error-handling-error-representation`

/** A string that makes a JSON document over 256 KiB. */
const big = 'x'.repeat(256 * 1024)

describe('payload limits', () => {
  it(`fails a state whose output passes 256 KiB with States.DataLimitExceeded (${quotas}; cause as observed on AWS)`, async () => {
    const executed = await execute(single({ Type: 'Pass', Parameters: { 'v.$': "States.Format('{}{}', $.a, $.a)" } }), {
      a: 'y'.repeat(140 * 1024),
    })

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause: "The state/task 'S' returned a result with a size exceeding the maximum number of bytes service limit.",
    })
  })

  it(`counts bytes, not characters: 100,000 three-byte characters are over the limit (${quotas})`, async () => {
    const executed = await execute(single({ Type: 'Pass', Parameters: { 'v.$': "States.Format('{}{}', $.a, $.a)" } }), {
      a: '€'.repeat(50_000),
    })

    expect(executed.outcome.error).toBe('States.DataLimitExceeded')
  })

  it(`fails a Task whose result passes the limit, naming the resource as AWS does (observed on AWS; ${quotas})`, async () => {
    const definition = single({ Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' })

    const executed = await execute(definition, {}, { invokeTask: async () => big })

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'arn:aws:lambda:us-east-1:123456789012:function:f' returned a result with a size exceeding the maximum number of bytes service limit.",
    })
    expect(executed.history.map((event) => event.type)).toContain('LambdaFunctionFailed')
  })

  it.each([
    { name: 'States.ALL does not catch it', errorEquals: ['States.ALL'], caught: false },
    {
      name: 'naming it catches it (AWS documents only that States.ALL cannot)',
      errorEquals: ['States.DataLimitExceeded'],
      caught: true,
    },
  ])(`$name (${errors})`, async ({ errorEquals, caught }) => {
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

  it(`refuses an execution input over the limit (${quotas}; StartExecution refuses it on AWS, here the execution fails)`, async () => {
    const executed = await execute(single({ Type: 'Pass' }), { big })

    expect(executed.outcome.error).toBe('States.DataLimitExceeded')
  })

  it(`accepts a payload just under the limit (${quotas})`, async () => {
    const executed = await execute(single({ Type: 'Pass' }), { a: 'x'.repeat(256 * 1024 - 20) })

    expect(executed.outcome.status).toBe('SUCCEEDED')
  })
})
