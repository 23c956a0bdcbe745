import { expressEventFilter } from '../../../../../infra/local/stepfunctions/express-log'

// What an Express execution leaves is what its log level sends to CloudWatch Logs
// (https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html).

const history = [
  'ExecutionStarted',
  'TaskStateEntered',
  'TaskScheduled',
  'TaskStarted',
  'TaskFailed',
  'TaskTimedOut',
  'MapIterationAborted',
  'FailStateEntered',
  'TaskStateExited',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
  'ExecutionSucceeded',
]

describe('the history an Express execution keeps', () => {
  it.each([
    ['ALL', history],
    [
      'ERROR',
      [
        'TaskFailed',
        'TaskTimedOut',
        'MapIterationAborted',
        'FailStateEntered',
        'ExecutionFailed',
        'ExecutionTimedOut',
        'ExecutionAborted',
      ],
    ],
    ['FATAL', ['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']],
    ['OFF', []],
  ])('at level %s keeps %j', (level, kept) => {
    const filter = expressEventFilter({ type: 'EXPRESS', logging: { level, includeExecutionData: true } })!

    expect(history.filter((type) => filter.keep(type))).toEqual(kept)
    expect(filter.withData).toBe(true)
  })

  it('keeps no execution data unless the logging configuration asks for it', () => {
    expect(
      expressEventFilter({ type: 'EXPRESS', logging: { level: 'ALL', includeExecutionData: false } })!.withData,
    ).toBe(false)
  })

  it('keeps nothing for an Express machine that logs nothing, and everything for a Standard one', () => {
    expect(history.filter((type) => expressEventFilter({ type: 'EXPRESS' })!.keep(type))).toEqual([])
    expect(
      expressEventFilter({ type: 'STANDARD', logging: { level: 'OFF', includeExecutionData: false } }),
    ).toBeUndefined()
  })
})
