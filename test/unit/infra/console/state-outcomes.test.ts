import { definitionStates, stateDetails, type HistoryLike } from '../../../../infra/console/state-outcomes'

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const iso = (ms: number) => new Date(t0 + ms).toISOString()

/** `[id, previousEventId, ms after t0, type, details]`, as GetExecutionHistory answers. */
type Row = [number, number, number, string, Record<string, unknown>?]
const history = (...rows: Row[]): HistoryLike[] =>
  rows.map(([id, previousEventId, ms, type, details = {}]) => ({
    id,
    previousEventId,
    timestamp: iso(ms),
    type,
    ...details,
  }))

const entered = (name: string, input = '{}') => ({ stateEnteredEventDetails: { name, input } })
const exited = (name: string, output = '{}') => ({ stateExitedEventDetails: { name, output } })
const scheduled = { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke' } }
const succeeded = { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } }
const failed = (error: string, cause = '') => ({
  taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error, cause },
})
const iteration = (type: string, index: number) => ({
  [`${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`]: { name: 'Resize', index },
})

const task = (next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  ...(next ? { Next: next } : { End: true }),
})
const definition = {
  StartAt: 'Validate',
  States: {
    Validate: { ...task('Resize'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Record' }] },
    Resize: { Type: 'Map', ItemProcessor: { StartAt: 'ResizeOne', States: { ResizeOne: task() } }, Next: 'Done' },
    Record: task('Failed'),
    Failed: { Type: 'Fail' },
    Done: { Type: 'Succeed' },
  },
}
const outcomes = (details: ReturnType<typeof stateDetails>) =>
  Object.fromEntries(details.map((state) => [state.name, state.outcome]))

describe('stateDetails (a Step Functions history and its definition)', () => {
  it('lists every state of the definition, nested ones included, in the order written', () => {
    expect(definitionStates(definition)).toEqual([
      { name: 'Validate', type: 'Task' },
      { name: 'Resize', type: 'Map' },
      { name: 'ResizeOne', type: 'Task' },
      { name: 'Record', type: 'Task' },
      { name: 'Failed', type: 'Fail' },
      { name: 'Done', type: 'Succeed' },
    ])
  })

  it('shows a task that failed, then succeeded on retry, as retried with each attempt', () => {
    const details = stateDetails(
      history(
        [1, 0, 0, 'TaskStateEntered', entered('Validate', '{"key":"uploads/cat.jpg"}')],
        [2, 1, 0, 'TaskScheduled', scheduled],
        [3, 2, 10, 'TaskFailed', failed('TransientError', 'throttled')],
        [4, 3, 20, 'TaskScheduled', scheduled],
        [5, 4, 30, 'TaskSucceeded', succeeded],
        [6, 5, 31, 'TaskStateExited', exited('Validate', '{"ok":true}')],
      ),
      definition,
    )

    expect(details[0]).toEqual({
      name: 'Validate',
      type: 'Task',
      outcome: 'retried',
      enteredAt: iso(0),
      exitedAt: iso(31),
      durationMs: 31,
      input: { key: 'uploads/cat.jpg' },
      output: { ok: true },
      error: 'TransientError',
      cause: 'throttled',
      runs: 1,
      retries: 1,
      attempts: [
        { startedAt: iso(0), endedAt: iso(10), error: 'TransientError', cause: 'throttled' },
        { startedAt: iso(20), endedAt: iso(30) },
      ],
    })
    expect(outcomes(details)).toEqual({
      Validate: 'retried',
      Resize: 'not-reached',
      ResizeOne: 'not-reached',
      Record: 'not-reached',
      Failed: 'not-reached',
      Done: 'not-reached',
    })
  })

  it("shows a failure a Catch took as caught, the handler's states as run, and the Fail state as failed", () => {
    const details = stateDetails(
      history(
        [1, 0, 0, 'TaskStateEntered', entered('Validate')],
        [2, 1, 0, 'TaskScheduled', scheduled],
        [3, 2, 5, 'TaskFailed', failed('UnsupportedImage', 'gif')],
        [4, 3, 6, 'TaskStateExited', exited('Validate')],
        [5, 4, 6, 'TaskStateEntered', entered('Record')],
        [6, 5, 6, 'TaskScheduled', scheduled],
        [7, 6, 8, 'TaskSucceeded', succeeded],
        [8, 7, 9, 'TaskStateExited', exited('Record')],
        [9, 8, 9, 'FailStateEntered', entered('Failed')],
        [10, 9, 9, 'ExecutionFailed', { executionFailedEventDetails: { error: 'ImageFailed', cause: 'gif' } }],
      ),
      definition,
    )

    expect(outcomes(details)).toEqual({
      Validate: 'caught',
      Resize: 'not-reached',
      ResizeOne: 'not-reached',
      Record: 'succeeded',
      Failed: 'failed',
      Done: 'not-reached',
    })
    expect(details.find((state) => state.name === 'Failed')).toMatchObject({
      error: 'ImageFailed',
      cause: 'gif',
      runs: 1,
    })
  })

  it("counts a Map's inner state once per iteration and shows the worst iteration", () => {
    const details = stateDetails(
      history(
        [1, 0, 0, 'MapStateEntered', entered('Resize')],
        [2, 1, 0, 'MapStateStarted', { mapStateStartedEventDetails: { length: 2 } }],
        [3, 2, 1, 'MapIterationStarted', iteration('MapIterationStarted', 0)],
        [4, 2, 1, 'MapIterationStarted', iteration('MapIterationStarted', 1)],
        [5, 3, 1, 'TaskStateEntered', entered('ResizeOne')],
        [6, 4, 1, 'TaskStateEntered', entered('ResizeOne')],
        [7, 5, 2, 'TaskScheduled', scheduled],
        [8, 6, 2, 'TaskScheduled', scheduled],
        [9, 7, 5, 'TaskSucceeded', succeeded],
        [10, 8, 6, 'TaskFailed', failed('ResizeFailed', 'corrupt')],
        [11, 9, 5, 'TaskStateExited', exited('ResizeOne')],
        [12, 11, 5, 'MapIterationSucceeded', iteration('MapIterationSucceeded', 0)],
        [13, 10, 6, 'MapIterationFailed', iteration('MapIterationFailed', 1)],
        [14, 13, 7, 'MapStateFailed', {}],
        [15, 14, 7, 'ExecutionFailed', { executionFailedEventDetails: { error: 'ResizeFailed', cause: 'corrupt' } }],
      ),
      definition,
    )

    expect(details.find((state) => state.name === 'ResizeOne')).toMatchObject({
      outcome: 'failed',
      runs: 2,
      error: 'ResizeFailed',
    })
    expect(details.find((state) => state.name === 'Resize')).toMatchObject({
      outcome: 'failed',
      error: 'ResizeFailed',
      cause: 'corrupt',
    })
  })

  it('shows a state still running, with no exit time', () => {
    const details = stateDetails(
      history([1, 0, 0, 'TaskStateEntered', entered('Validate')], [2, 1, 0, 'TaskScheduled', scheduled]),
      definition,
    )

    expect(details[0]).toMatchObject({ outcome: 'running', enteredAt: iso(0), attempts: [{ startedAt: iso(0) }] })
    expect(details[0]?.exitedAt).toBeUndefined()
  })

  it("lets a redriven state's rerun replace its failure", () => {
    const details = stateDetails(
      history(
        [1, 0, 0, 'TaskStateEntered', entered('Validate')],
        [2, 1, 0, 'TaskScheduled', scheduled],
        [3, 2, 1, 'TaskFailed', failed('States.Timeout')],
        [4, 3, 1, 'ExecutionFailed', { executionFailedEventDetails: { error: 'States.Timeout' } }],
        [5, 4, 100, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: 1 } }],
        [6, 5, 100, 'TaskStateEntered', entered('Validate')],
        [7, 6, 100, 'TaskScheduled', scheduled],
        [8, 7, 101, 'TaskSucceeded', succeeded],
        [9, 8, 102, 'TaskStateExited', exited('Validate')],
      ),
      definition,
    )

    expect(details[0]).toMatchObject({ outcome: 'succeeded', runs: 2, enteredAt: iso(0), exitedAt: iso(102) })
  })
})
