import type { HistoryEvent } from '../../../../../infra/local/stepfunctions/history'
import { resumePoint } from '../../../../../infra/local/stepfunctions/resume-point'

const definition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Next: 'Validate' },
    Validate: { Type: 'Task', Next: 'Resize', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Record' }] },
    Resize: {
      Type: 'Map',
      ItemProcessor: { StartAt: 'ResizeOne', States: { ResizeOne: { Type: 'Task', End: true } } },
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    Record: { Type: 'Task', Next: 'Failed' },
    Failed: { Type: 'Fail' },
  },
}

/** A history in the local runtime's shape, from compact lines: [type, state name, details]. */
const history = (...lines: Array<[string, string?, Record<string, unknown>?]>): HistoryEvent[] =>
  lines.map(([type, name, extra = {}], index) => {
    const key = type.endsWith('StateEntered')
      ? 'stateEnteredEventDetails'
      : type.endsWith('StateExited')
        ? 'stateExitedEventDetails'
        : type.endsWith('Failed')
          ? 'stateFailedEventDetails'
          : undefined
    const { iteration, ...details } = extra
    return {
      id: index + 1,
      previousEventId: index,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
      type,
      ...(key && name ? { [key]: { name, ...details } } : {}),
      ...(iteration === undefined ? {} : { iteration }),
    }
  })

describe('resumePoint (where RedriveExecution starts again)', () => {
  it('is the top-level state that failed, with the input it entered with, even when the failure was inside its Map', () => {
    const point = resumePoint(
      definition,
      history(
        ['PassStateEntered', 'Prepare', { input: '{"event":1}' }],
        ['PassStateExited', 'Prepare', { output: '{"prepared":1}' }],
        ['MapStateEntered', 'Resize', { input: '{"prepared":1}' }],
        ['TaskStateEntered', 'ResizeOne', { iteration: 0, input: '"spec"' }],
        ['TaskFailed', 'ResizeOne', { iteration: 0 }],
        ['MapStateFailed', 'Resize'],
        ['ExecutionFailed'],
      ),
      '{"event":1}',
    )

    expect(point).toEqual({ state: 'Resize', input: '{"prepared":1}' })
  })

  it('is the Fail state a Catch led to, as Step Functions resumes at the state that failed', () => {
    const point = resumePoint(
      definition,
      history(
        ['TaskStateEntered', 'Validate', { input: '{}' }],
        ['TaskFailed', 'Validate'],
        ['TaskStateExited', 'Validate', { output: '{"error":1}' }],
        ['TaskStateEntered', 'Record', { input: '{"error":1}' }],
        ['TaskStateExited', 'Record', { output: '{"recorded":1}' }],
        ['FailStateEntered', 'Failed', { input: '{"recorded":1}' }],
        ['ExecutionFailed'],
      ),
      '{}',
    )

    expect(point).toEqual({ state: 'Failed', input: '{"recorded":1}' })
  })

  it('is the latest failure after an earlier redrive', () => {
    const point = resumePoint(
      definition,
      history(
        ['PassStateEntered', 'Prepare', { input: '{}' }],
        ['PassStateExited', 'Prepare', { output: '{"p":1}' }],
        ['TaskStateEntered', 'Validate', { input: '{"p":1}' }],
        ['ExecutionFailed'],
        ['ExecutionRedriven'],
        ['TaskStateEntered', 'Validate', { input: '{"p":1}' }],
        ['TaskStateExited', 'Validate', { output: '{"v":1}' }],
        ['MapStateEntered', 'Resize', { input: '{"v":1}' }],
        ['ExecutionFailed'],
      ),
      '{}',
    )

    expect(point).toEqual({ state: 'Resize', input: '{"v":1}' })
  })

  it('is the next state when the run stopped between two, and the start when it stopped before any', () => {
    expect(
      resumePoint(
        definition,
        history(
          ['PassStateEntered', 'Prepare'],
          ['PassStateExited', 'Prepare', { output: '{"p":2}' }],
          ['ExecutionAborted'],
        ),
        '{}',
      ),
    ).toEqual({ state: 'Validate', input: '{"p":2}' })
    expect(resumePoint(definition, history(['ExecutionStarted'], ['ExecutionAborted']), '{"input":true}')).toEqual({
      state: 'Prepare',
      input: '{"input":true}',
    })
  })
})
