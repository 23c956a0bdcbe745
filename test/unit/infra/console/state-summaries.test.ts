import { stateSummaries } from '../../../../infra/console/state-outcomes'
import type { HistoryEvent } from '../../../../contracts/executions'

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const iso = (ms: number) => new Date(t0 + ms).toISOString()

/**
 * A history as Step Functions writes it: `[id, previousEventId, ms after t0, type, details]`. Only the `*StateEntered`
 * and `*StateExited` events name their state; the others chain to the event before them.
 */
type Row = [number, number, number, string, Record<string, unknown>?]
const history = (...rows: Row[]): HistoryEvent[] =>
  rows.map(([id, previousEventId, ms, type, details = {}]) => ({
    id,
    previousEventId,
    timestamp: iso(ms),
    type,
    ...details,
  }))

const entered = (name: string) => ({
  stateEnteredEventDetails: { name, input: '{}', inputDetails: { truncated: false } },
})
const exited = (name: string) => ({
  stateExitedEventDetails: { name, output: '{}', outputDetails: { truncated: false } },
})
const scheduled = {
  taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'eu-west-1', parameters: '{}' },
}
const started = { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } }
const succeeded = { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } }
const taskFailed = (error: string, cause = '') => ({
  taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error, cause },
})
const iteration = (type: string, name: string, index: number) => ({
  [`${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`]: { name, index },
})

describe('stateSummaries (a Step Functions history, one line per state)', () => {
  it('counts the attempts after the first as retries of a task that then succeeds, with its timings and last error', () => {
    // Prepare: each retry is another TaskScheduled chained to the TaskFailed before it.
    const events = history(
      [1, 0, 0, 'ExecutionStarted', { executionStartedEventDetails: { input: '{}' } }],
      [2, 0, 0, 'TaskStateEntered', entered('ValidateImage')],
      [3, 2, 0, 'TaskScheduled', scheduled],
      [4, 3, 1, 'TaskStarted', started],
      [5, 4, 10, 'TaskFailed', taskFailed('TransientError', 'throttled')],
      [6, 5, 20, 'TaskScheduled', scheduled],
      [7, 6, 21, 'TaskStarted', started],
      [8, 7, 30, 'TaskFailed', taskFailed('TransientError', 'throttled again')],
      [9, 8, 40, 'TaskScheduled', scheduled],
      [10, 9, 41, 'TaskStarted', started],
      [11, 10, 249, 'TaskSucceeded', succeeded],
      [12, 11, 250, 'TaskStateExited', exited('ValidateImage')],
    )

    // Act
    const summary = stateSummaries(events)

    // Assess
    expect(summary).toEqual([
      {
        name: 'ValidateImage',
        type: 'Task',
        status: 'SUCCEEDED',
        enteredAt: iso(0),
        exitedAt: iso(250),
        durationMs: 250,
        retries: 2,
        iterations: 1,
        error: 'TransientError',
        cause: 'throttled again',
      },
    ])
  })

  it("shows a failure a Catch handled as CAUGHT: Step Functions writes the state's exit after its TaskFailed", () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'TaskStateEntered', entered('ValidateImage')],
        [2, 1, 0, 'TaskScheduled', scheduled],
        [3, 2, 1, 'TaskStarted', started],
        [4, 3, 5, 'TaskFailed', taskFailed('UnsupportedImage', '{"errorType":"UnsupportedImage"}')],
        [5, 4, 6, 'TaskStateExited', exited('ValidateImage')],
        [6, 5, 7, 'TaskStateEntered', entered('RecordFailure')],
        [7, 6, 7, 'TaskScheduled', scheduled],
      ),
    )

    expect(summary[0]).toMatchObject({
      name: 'ValidateImage',
      status: 'CAUGHT',
      retries: 0,
      error: 'UnsupportedImage',
      cause: '{"errorType":"UnsupportedImage"}',
      durationMs: 6,
    })
    expect(summary[1]).toMatchObject({ name: 'RecordFailure', status: 'RUNNING', iterations: 1, retries: 0 })
    expect(summary[1]?.exitedAt).toBeUndefined()
  })

  it('shows a task that failed for good FAILED with its error, in the order states were entered', () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'PassStateEntered', entered('AttachRenditionSettings')],
        [2, 1, 0, 'PassStateExited', exited('AttachRenditionSettings')],
        [3, 2, 1, 'TaskStateEntered', entered('ValidateImage')],
        [4, 3, 1, 'TaskScheduled', scheduled],
        [5, 4, 2, 'TaskFailed', taskFailed('States.Timeout', 'took too long')],
        [
          6,
          5,
          2,
          'ExecutionFailed',
          { executionFailedEventDetails: { error: 'States.Timeout', cause: 'took too long' } },
        ],
      ),
    )

    expect(summary.map(({ name, status }) => [name, status])).toEqual([
      ['AttachRenditionSettings', 'SUCCEEDED'],
      ['ValidateImage', 'FAILED'],
    ])
    expect(summary[1]).toMatchObject({ error: 'States.Timeout', cause: 'took too long' })
    expect(summary[1]?.durationMs).toBeUndefined()
  })

  it("reads the legacy Lambda resource's events (LambdaFunctionScheduled, LambdaFunctionFailed) like a task's", () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'TaskStateEntered', entered('Notify')],
        [
          2,
          1,
          0,
          'LambdaFunctionScheduled',
          {
            lambdaFunctionScheduledEventDetails: { resource: 'arn:aws:lambda:eu-west-1:123456789012:function:notify' },
          },
        ],
        [
          3,
          2,
          1,
          'LambdaFunctionFailed',
          { lambdaFunctionFailedEventDetails: { error: 'TransientError', cause: 'busy' } },
        ],
        [
          4,
          3,
          2,
          'LambdaFunctionScheduled',
          {
            lambdaFunctionScheduledEventDetails: { resource: 'arn:aws:lambda:eu-west-1:123456789012:function:notify' },
          },
        ],
        [
          5,
          4,
          3,
          'LambdaFunctionTimedOut',
          { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout', cause: 'no answer' } },
        ],
      ),
    )

    expect(summary).toEqual([
      expect.objectContaining({
        name: 'Notify',
        status: 'FAILED',
        retries: 1,
        error: 'States.Timeout',
        cause: 'no answer',
      }),
    ])
  })

  it('folds concurrent Map iterations into one line per state, owning each event by its chain, retries of every iteration included', () => {
    // Two iterations run at once: their events interleave, each chained to its own iteration's previous event.
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'MapStateEntered', entered('ResizeRenditions')],
        [2, 1, 0, 'MapStateStarted', { mapStateStartedEventDetails: { length: 2 } }],
        [3, 2, 1, 'MapIterationStarted', iteration('MapIterationStarted', 'ResizeRenditions', 0)],
        [4, 2, 1, 'MapIterationStarted', iteration('MapIterationStarted', 'ResizeRenditions', 1)],
        [5, 3, 1, 'TaskStateEntered', entered('ResizeRendition')],
        [6, 4, 2, 'TaskStateEntered', entered('ResizeRendition')],
        [7, 5, 2, 'TaskScheduled', scheduled],
        [8, 6, 2, 'TaskScheduled', scheduled],
        [9, 8, 3, 'TaskFailed', taskFailed('TransientError', 'throttled')],
        [10, 9, 4, 'TaskScheduled', scheduled],
        [11, 7, 49, 'TaskSucceeded', succeeded],
        [12, 11, 50, 'TaskStateExited', exited('ResizeRendition')],
        [13, 10, 59, 'TaskSucceeded', succeeded],
        [14, 13, 60, 'TaskStateExited', exited('ResizeRendition')],
        [15, 12, 60, 'MapIterationSucceeded', iteration('MapIterationSucceeded', 'ResizeRenditions', 0)],
        [16, 14, 60, 'MapIterationSucceeded', iteration('MapIterationSucceeded', 'ResizeRenditions', 1)],
        [17, 16, 61, 'MapStateSucceeded'],
        [18, 16, 61, 'MapStateExited', exited('ResizeRenditions')],
      ),
    )

    expect(summary).toEqual([
      expect.objectContaining({
        name: 'ResizeRenditions',
        type: 'Map',
        status: 'SUCCEEDED',
        iterations: 1,
        retries: 0,
        durationMs: 61,
      }),
      expect.objectContaining({
        name: 'ResizeRendition',
        type: 'Task',
        status: 'SUCCEEDED',
        iterations: 2,
        retries: 1,
        enteredAt: iso(1),
        exitedAt: iso(60),
      }),
    ])
  })

  it('shows the state of a Map iteration that failed for good FAILED, and the Map CAUGHT with that error when its Catch took it', () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'MapStateEntered', entered('ResizeRenditions')],
        [2, 1, 0, 'MapStateStarted', { mapStateStartedEventDetails: { length: 2 } }],
        [3, 2, 1, 'MapIterationStarted', iteration('MapIterationStarted', 'ResizeRenditions', 0)],
        [4, 3, 1, 'TaskStateEntered', entered('ResizeRendition')],
        [5, 4, 1, 'TaskScheduled', scheduled],
        [6, 5, 2, 'TaskFailed', taskFailed('CorruptImage', '{"errorMessage":"truncated"}')],
        [7, 6, 2, 'MapIterationFailed', iteration('MapIterationFailed', 'ResizeRenditions', 0)],
        [8, 6, 3, 'MapStateFailed'],
        [9, 8, 3, 'MapStateExited', exited('ResizeRenditions')],
        [10, 9, 4, 'TaskStateEntered', entered('RecordFailure')],
      ),
    )

    expect(summary).toEqual([
      expect.objectContaining({
        name: 'ResizeRenditions',
        type: 'Map',
        status: 'CAUGHT',
        error: 'CorruptImage',
        cause: '{"errorMessage":"truncated"}',
        durationMs: 3,
      }),
      expect.objectContaining({
        name: 'ResizeRendition',
        type: 'Task',
        status: 'FAILED',
        error: 'CorruptImage',
        iterations: 1,
      }),
      expect.objectContaining({ name: 'RecordFailure', status: 'RUNNING' }),
    ])
  })

  it("keeps a Map iteration's state FAILED when another iteration of it succeeds", () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'MapStateEntered', entered('ResizeRenditions')],
        [2, 1, 0, 'MapStateStarted'],
        [3, 2, 0, 'MapIterationStarted', iteration('MapIterationStarted', 'ResizeRenditions', 0)],
        [4, 3, 0, 'TaskStateEntered', entered('ResizeRendition')],
        [5, 4, 1, 'TaskFailed', taskFailed('CorruptImage')],
        [6, 5, 1, 'MapIterationFailed', iteration('MapIterationFailed', 'ResizeRenditions', 0)],
        [7, 5, 2, 'MapIterationStarted', iteration('MapIterationStarted', 'ResizeRenditions', 1)],
        [8, 7, 2, 'TaskStateEntered', entered('ResizeRendition')],
        [9, 8, 3, 'TaskStateExited', exited('ResizeRendition')],
      ),
    )

    expect(summary[1]).toEqual(
      expect.objectContaining({ name: 'ResizeRendition', status: 'FAILED', iterations: 2, error: 'CorruptImage' }),
    )
  })

  it('counts the retries of every Map iteration, though the line shows the iteration that failed for good', () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'MapStateEntered', entered('ResizeRenditions')],
        [2, 1, 0, 'MapStateStarted'],
        [3, 2, 0, 'MapIterationStarted', iteration('MapIterationStarted', 'ResizeRenditions', 0)],
        [4, 2, 0, 'MapIterationStarted', iteration('MapIterationStarted', 'ResizeRenditions', 1)],
        [5, 3, 0, 'TaskStateEntered', entered('ResizeRendition')],
        [6, 4, 0, 'TaskStateEntered', entered('ResizeRendition')],
        [7, 5, 1, 'TaskScheduled', scheduled],
        [8, 6, 1, 'TaskScheduled', scheduled],
        [9, 7, 2, 'TaskFailed', taskFailed('CorruptImage')],
        [10, 8, 2, 'TaskFailed', taskFailed('TransientError')],
        [11, 10, 3, 'TaskScheduled', scheduled],
        [12, 11, 4, 'TaskSucceeded', succeeded],
        [13, 12, 4, 'TaskStateExited', exited('ResizeRendition')],
      ),
    )

    expect(summary[1]).toEqual(
      expect.objectContaining({
        name: 'ResizeRendition',
        status: 'FAILED',
        iterations: 2,
        retries: 1,
        error: 'CorruptImage',
      }),
    )
  })

  it('reads a recorded AWS history of a caught Map failure, whose MapStateFailed chains to the Fail state inside the iteration', () => {
    // The event ids and links of a history AWS recorded (LocalStack's snapshot test_map_state_catch).
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'ExecutionStarted'],
        [2, 0, 0, 'PassStateEntered', entered('StartState')],
        [3, 2, 1, 'PassStateExited', exited('StartState')],
        [4, 3, 1, 'MapStateEntered', entered('MapState')],
        [5, 4, 1, 'MapStateStarted', { mapStateStartedEventDetails: { length: 1 } }],
        [6, 5, 2, 'MapIterationStarted', iteration('MapIterationStarted', 'MapState', 0)],
        [7, 6, 2, 'FailStateEntered', entered('HandleItemFail')],
        [8, 7, 3, 'MapIterationFailed', iteration('MapIterationFailed', 'MapState', 0)],
        [9, 7, 3, 'MapStateFailed'],
        [10, 9, 3, 'MapStateExited', exited('MapState')],
        [11, 10, 4, 'PassStateEntered', entered('FinalCaught')],
        [12, 11, 4, 'PassStateExited', exited('FinalCaught')],
        [13, 12, 4, 'ExecutionSucceeded'],
      ),
    )

    expect(summary.map(({ name, type, status }) => [name, type, status])).toEqual([
      ['StartState', 'Pass', 'SUCCEEDED'],
      ['MapState', 'Map', 'CAUGHT'],
      ['HandleItemFail', 'Fail', 'FAILED'],
      ['FinalCaught', 'Pass', 'SUCCEEDED'],
    ])
  })

  it("reads a recorded AWS history of a sequential Map, whose each MapIterationStarted chains to the previous iteration's last event", () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'MapStateEntered', entered('MapState')],
        [2, 1, 0, 'MapStateStarted'],
        [3, 2, 1, 'MapIterationStarted', iteration('MapIterationStarted', 'MapState', 0)],
        [4, 3, 1, 'PassStateEntered', entered('HandleItem')],
        [5, 4, 2, 'PassStateExited', exited('HandleItem')],
        [6, 5, 2, 'MapIterationSucceeded', iteration('MapIterationSucceeded', 'MapState', 0)],
        [7, 5, 2, 'MapIterationStarted', iteration('MapIterationStarted', 'MapState', 1)],
        [8, 7, 3, 'PassStateEntered', entered('HandleItem')],
        [9, 8, 4, 'PassStateExited', exited('HandleItem')],
        [10, 9, 4, 'MapIterationSucceeded', iteration('MapIterationSucceeded', 'MapState', 1)],
        [11, 10, 5, 'MapStateSucceeded'],
        [12, 10, 5, 'MapStateExited', exited('MapState')],
        [13, 12, 6, 'PassStateEntered', entered('Final')],
        [14, 13, 7, 'PassStateExited', exited('Final')],
      ),
    )

    expect(summary).toEqual([
      expect.objectContaining({ name: 'MapState', status: 'SUCCEEDED', iterations: 1, durationMs: 5 }),
      expect.objectContaining({ name: 'HandleItem', status: 'SUCCEEDED', iterations: 2, durationMs: 3 }),
      expect.objectContaining({ name: 'Final', status: 'SUCCEEDED', iterations: 1 }),
    ])
  })

  it("owns a Parallel state's failure by the Parallel state, with its branch's error", () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'ParallelStateEntered', entered('Chores')],
        [2, 1, 0, 'ParallelStateStarted'],
        [3, 2, 1, 'TaskStateEntered', entered('ExpireIdempotency')],
        [4, 2, 1, 'TaskStateEntered', entered('ReconcileSearch')],
        [5, 3, 1, 'TaskScheduled', scheduled],
        [6, 4, 1, 'TaskScheduled', scheduled],
        [7, 5, 2, 'TaskSucceeded', succeeded],
        [8, 7, 2, 'TaskStateExited', exited('ExpireIdempotency')],
        [9, 6, 3, 'TaskFailed', taskFailed('States.TaskFailed', 'table missing')],
        [10, 9, 3, 'ParallelStateFailed'],
        [11, 10, 3, 'ExecutionFailed', { executionFailedEventDetails: { error: 'States.TaskFailed' } }],
      ),
    )

    expect(summary.map(({ name, status, error }) => [name, status, error])).toEqual([
      ['Chores', 'FAILED', 'States.TaskFailed'],
      ['ExpireIdempotency', 'SUCCEEDED', undefined],
      ['ReconcileSearch', 'FAILED', 'States.TaskFailed'],
    ])
  })

  it('lets a later entry of a state outside any Map replace an earlier one (a loop), its error included', () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'TaskStateEntered', entered('Poll')],
        [2, 1, 0, 'TaskScheduled', scheduled],
        [3, 2, 1, 'TaskFailed', taskFailed('NotReady')],
        [4, 3, 1, 'TaskStateExited', exited('Poll')],
        [5, 4, 2, 'WaitStateEntered', entered('Later')],
        [6, 5, 3, 'WaitStateExited', exited('Later')],
        [7, 6, 3, 'TaskStateEntered', entered('Poll')],
        [8, 7, 3, 'TaskScheduled', scheduled],
        [9, 8, 4, 'TaskSucceeded', succeeded],
        [10, 9, 5, 'TaskStateExited', exited('Poll')],
      ),
    )

    expect(summary[0]).toEqual(
      expect.objectContaining({
        name: 'Poll',
        status: 'SUCCEEDED',
        iterations: 2,
        retries: 0,
        durationMs: 5,
      }),
    )
    expect(summary[0]?.error).toBeUndefined()
  })

  it('shows a Fail state FAILED with the error it ended the execution with, though it never exits', () => {
    const summary = stateSummaries(
      history(
        [1, 0, 0, 'FailStateEntered', entered('ImageFailed')],
        [2, 1, 0, 'ExecutionFailed', { executionFailedEventDetails: { error: 'UnsupportedImage', cause: 'svg' } }],
      ),
    )

    expect(summary).toEqual([
      {
        name: 'ImageFailed',
        type: 'Fail',
        status: 'FAILED',
        enteredAt: iso(0),
        retries: 0,
        iterations: 1,
        error: 'UnsupportedImage',
        cause: 'svg',
      },
    ])
  })

  it.each([
    ['Pass', 'PassStateEntered', 'PassStateExited'],
    ['Choice', 'ChoiceStateEntered', 'ChoiceStateExited'],
    ['Succeed', 'SucceedStateEntered', 'SucceedStateExited'],
    ['Wait', 'WaitStateEntered', 'WaitStateExited'],
  ])('shows a %s state that exited SUCCEEDED', (type, enteredType, exitedType) => {
    const summary = stateSummaries(history([1, 0, 0, enteredType, entered('S')], [2, 1, 1, exitedType, exited('S')]))

    expect(summary).toEqual([expect.objectContaining({ name: 'S', type, status: 'SUCCEEDED', durationMs: 1 })])
  })

  it('reads events given out of order, and ignores execution events and the exit of a state never entered', () => {
    const summary = stateSummaries(
      history(
        [3, 2, 2, 'PassStateExited', exited('A')],
        [1, 0, 0, 'ExecutionStarted'],
        [2, 1, 1, 'PassStateEntered', entered('A')],
        [4, 3, 2, 'TaskStateExited', exited('Ghost')],
        [5, 4, 2, 'ExecutionSucceeded'],
      ),
    )

    expect(summary).toEqual([
      {
        name: 'A',
        type: 'Pass',
        status: 'SUCCEEDED',
        enteredAt: iso(1),
        exitedAt: iso(2),
        durationMs: 1,
        retries: 0,
        iterations: 1,
      },
    ])
  })
})
