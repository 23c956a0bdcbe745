import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import {
  HistoryWriter,
  historyRecorder,
  taskResources,
  readHistory,
  summarizeStates,
  type HistoryEvent,
} from '../../../../../infra/local/stepfunctions/history'

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const iso = (ms: number) => new Date(t0 + ms).toISOString()

/** A history built by hand: each event at `ms` after t0, numbered in order. */
const history = (...events: Array<[number, string, Record<string, unknown>?]>): HistoryEvent[] =>
  events.map(([ms, type, details = {}], index) => ({
    id: index + 1,
    previousEventId: index,
    timestamp: iso(ms),
    type,
    ...details,
  }))

const entered = (name: string, extra: Record<string, unknown> = {}) => ({
  stateEnteredEventDetails: { name, input: '{}' },
  ...extra,
})
const exited = (name: string, extra: Record<string, unknown> = {}) => ({
  stateExitedEventDetails: { name, output: '{}' },
  ...extra,
})
const scheduled = (name: string, retryAttempt?: number) => ({
  taskScheduledEventDetails: {
    resourceType: 'lambda',
    resource: 'invoke',
    name,
    ...(retryAttempt === undefined ? {} : { retryAttempt }),
  },
})
const taskFailed = (name: string, error: string, cause = '') => ({
  taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', name, error, cause },
})

describe('summarizeStates', () => {
  it('counts retries of a task that then succeeds, with its timings', () => {
    const summary = summarizeStates(
      history(
        [0, 'ExecutionStarted', { executionStartedEventDetails: { input: '{}' } }],
        [0, 'TaskStateEntered', entered('ValidateImage')],
        [0, 'TaskScheduled', scheduled('ValidateImage')],
        [10, 'TaskFailed', taskFailed('ValidateImage', 'TransientError', 'throttled')],
        [20, 'TaskScheduled', scheduled('ValidateImage', 1)],
        [30, 'TaskFailed', taskFailed('ValidateImage', 'TransientError', 'throttled again')],
        [40, 'TaskScheduled', scheduled('ValidateImage', 2)],
        [250, 'TaskStateExited', exited('ValidateImage')],
      ),
    )

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

  it.each([
    ['caught and exited', true],
    ['caught, not yet exited', false],
  ])('shows a state whose failure was %s as CAUGHT with the error', (_name, exits) => {
    const summary = summarizeStates(
      history(
        [0, 'TaskStateEntered', entered('ValidateImage')],
        [0, 'TaskScheduled', scheduled('ValidateImage')],
        [5, 'TaskFailed', taskFailed('ValidateImage', 'UnsupportedImage', '{"errorType":"UnsupportedImage"}')],
        [5, 'StateCaught', { stateCaughtEventDetails: { name: 'ValidateImage' } }],
        ...(exits
          ? [[6, 'TaskStateExited', exited('ValidateImage')] as [number, string, Record<string, unknown>]]
          : []),
        [7, 'TaskStateEntered', entered('RecordFailure')],
      ),
    )

    expect(summary[0]).toMatchObject({
      name: 'ValidateImage',
      status: 'CAUGHT',
      retries: 0,
      error: 'UnsupportedImage',
      cause: '{"errorType":"UnsupportedImage"}',
    })
    expect(summary[1]).toMatchObject({ name: 'RecordFailure', status: 'RUNNING', iterations: 1 })
    expect(summary[1].exitedAt).toBeUndefined()
  })

  it('folds the iterations of a Map into one line per state, retries of every iteration included', () => {
    const summary = summarizeStates(
      history(
        [0, 'MapStateEntered', entered('ResizeRenditions')],
        [1, 'MapIterationStarted', { mapIterationStartedEventDetails: { name: 'ResizeRenditions', index: 0 } }],
        [1, 'MapIterationStarted', { mapIterationStartedEventDetails: { name: 'ResizeRenditions', index: 1 } }],
        [1, 'TaskStateEntered', entered('ResizeRendition', { iteration: 0 })],
        [1, 'TaskScheduled', { ...scheduled('ResizeRendition'), iteration: 0 }],
        [2, 'TaskStateEntered', entered('ResizeRendition', { iteration: 1 })],
        [2, 'TaskScheduled', { ...scheduled('ResizeRendition'), iteration: 1 }],
        [3, 'TaskFailed', { ...taskFailed('ResizeRendition', 'TransientError'), iteration: 1 }],
        [4, 'TaskScheduled', { ...scheduled('ResizeRendition', 1), iteration: 1 }],
        [50, 'TaskStateExited', exited('ResizeRendition', { iteration: 0 })],
        [60, 'TaskStateExited', exited('ResizeRendition', { iteration: 1 })],
        [60, 'MapIterationSucceeded', { mapIterationSucceededEventDetails: { name: 'ResizeRenditions', index: 0 } }],
        [60, 'MapIterationSucceeded', { mapIterationSucceededEventDetails: { name: 'ResizeRenditions', index: 1 } }],
        [61, 'MapStateExited', exited('ResizeRenditions')],
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
      }),
    ])
  })

  it('shows a Map state FAILED when one iteration failed for good, even if another retried and succeeded', () => {
    const summary = summarizeStates(
      history(
        [0, 'TaskStateEntered', entered('ResizeRendition', { iteration: 0 })],
        [1, 'TaskStateEntered', entered('ResizeRendition', { iteration: 1 })],
        [2, 'TaskFailed', { ...taskFailed('ResizeRendition', 'CorruptImage'), iteration: 0 }],
        [3, 'TaskFailed', { ...taskFailed('ResizeRendition', 'TransientError'), iteration: 1 }],
        [4, 'TaskScheduled', { ...scheduled('ResizeRendition', 1), iteration: 1 }],
        [9, 'TaskStateExited', exited('ResizeRendition', { iteration: 1 })],
      ),
    )

    expect(summary).toEqual([expect.objectContaining({ name: 'ResizeRendition', status: 'FAILED', retries: 1 })])
  })

  it("keeps a Map iteration's state FAILED when a later iteration of it is entered", () => {
    const summary = summarizeStates(
      history(
        [0, 'TaskStateEntered', entered('ResizeRendition', { iteration: 0 })],
        [1, 'TaskFailed', { ...taskFailed('ResizeRendition', 'CorruptImage'), iteration: 0 }],
        [2, 'TaskStateEntered', entered('ResizeRendition', { iteration: 1 })],
        [3, 'TaskStateExited', exited('ResizeRendition', { iteration: 1 })],
      ),
    )

    expect(summary).toEqual([
      expect.objectContaining({ name: 'ResizeRendition', status: 'FAILED', iterations: 2, error: 'CorruptImage' }),
    ])
  })

  it('shows a Fail state FAILED, though it never exits', () => {
    const summary = summarizeStates(
      history(
        [0, 'FailStateEntered', entered('ImageFailed')],
        [0, 'ExecutionFailed', { executionFailedEventDetails: { error: 'UnsupportedImage', cause: '' } }],
      ),
    )

    expect(summary).toEqual([
      { name: 'ImageFailed', type: 'Fail', status: 'FAILED', enteredAt: iso(0), retries: 0, iterations: 1 },
    ])
  })

  it.each([
    ['Pass', 'PassStateEntered', 'PassStateExited', 'SUCCEEDED'],
    ['Choice', 'ChoiceStateEntered', 'ChoiceStateExited', 'SUCCEEDED'],
    ['Succeed', 'SucceedStateEntered', 'SucceedStateExited', 'SUCCEEDED'],
  ])('shows a %s state that exited SUCCEEDED', (type, enteredType, exitedType, status) => {
    const summary = summarizeStates(history([0, enteredType, entered('S')], [1, exitedType, exited('S')]))

    expect(summary).toEqual([expect.objectContaining({ name: 'S', type, status, durationMs: 1 })])
  })

  it('shows a task that failed for good FAILED with its error, in the order states were entered', () => {
    const summary = summarizeStates(
      history(
        [0, 'PassStateEntered', entered('AttachRenditionSettings')],
        [0, 'PassStateExited', exited('AttachRenditionSettings')],
        [1, 'TaskStateEntered', entered('ValidateImage')],
        [2, 'TaskFailed', taskFailed('ValidateImage', 'States.Timeout', 'took too long')],
      ),
    )

    expect(summary.map((state) => [state.name, state.status])).toEqual([
      ['AttachRenditionSettings', 'SUCCEEDED'],
      ['ValidateImage', 'FAILED'],
    ])
    expect(summary[1]).toMatchObject({ error: 'States.Timeout', cause: 'took too long' })
  })

  it('ignores events that name no state, and events of a state never entered', () => {
    const summary = summarizeStates(
      history(
        [0, 'ExecutionStarted', { executionStartedEventDetails: { input: '{}' } }],
        [1, 'TaskStateExited', exited('Ghost')],
        [2, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } }],
      ),
    )

    expect(summary).toEqual([])
  })
})

describe('historyRecorder and readHistory', () => {
  let dataDir: string
  let db: DatabaseSync
  let writer: HistoryWriter
  const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:ImageWorkflow:run-1'
  /** What a reader sees once the writer flushed, as it does before an execution's final status. */
  const flushedHistory = (arn: string) => {
    writer.flush()
    return readHistory(db, arn)
  }

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'history-test-'))
    db = openDatabase(dataDir)
    writer = new HistoryWriter(db)
    db.prepare(
      `INSERT INTO executions (arn, name, state_machine, workflow, status, input, created_at) VALUES (?, 'run-1', 'sm', 'image', 'RUNNING', '{}', ?)`,
    ).run(executionArn, iso(0))
  })

  afterEach(() => {
    db.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const definition = {
    StartAt: 'Validate',
    States: {
      Validate: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f', 'Payload.$': '$' },
        Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 2 }],
        ResultPath: '$.validated',
        Next: 'Resize',
      },
      Resize: {
        Type: 'Map',
        ItemsPath: '$.specs',
        ItemProcessor: {
          StartAt: 'ResizeOne',
          States: {
            ResizeOne: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'r', 'Payload.$': '$' },
              Catch: [{ ErrorEquals: ['CorruptImage'], Next: 'SkipRendition' }],
              End: true,
            },
            SkipRendition: { Type: 'Pass', End: true },
          },
        },
        ResultPath: '$.renditions',
        Next: 'Failed',
      },
      Failed: { Type: 'Fail', Error: 'ImageFailed', Cause: 'for the test' },
    },
  }

  it("stores the run's logs as Step Functions history events and reads them back in order", () => {
    // Prepare
    const recorder = historyRecorder(writer, executionArn, taskResources(definition))

    // Act
    recorder.record({ type: 'ExecutionStarted', timestamp: t0, input: { key: 'uploads/cat.jpg' } })
    recorder.record({
      type: 'StateEntered',
      timestamp: t0 + 1,
      state: { name: 'Validate', type: 'Task', input: { key: 'uploads/cat.jpg' } },
    })
    recorder.record({
      type: 'StateFailed',
      timestamp: t0 + 2,
      state: { name: 'Validate', type: 'Task' },
      Error: 'TransientError',
      Cause: '{"errorType":"TransientError"}',
    })
    recorder.record({
      type: 'StateRetried',
      timestamp: t0 + 3,
      state: { name: 'Validate', type: 'Task' },
      retry: { attempt: 1 },
    })
    recorder.record({
      type: 'StateExited',
      timestamp: t0 + 4,
      state: { name: 'Validate', type: 'Task', output: { ok: true } },
    })
    recorder.record({ type: 'MapIterationStarted', timestamp: t0 + 5, index: 0, parentState: { name: 'Resize' } })
    recorder.record({
      type: 'StateEntered',
      timestamp: t0 + 5,
      index: 0,
      state: { name: 'ResizeOne', type: 'Task', input: 'spec' },
    })
    recorder.record({ type: 'StateCaught', timestamp: t0 + 6, index: 0, state: { name: 'ResizeOne', type: 'Task' } })
    recorder.record({
      type: 'MapIterationFailed',
      timestamp: t0 + 6,
      index: 0,
      parentState: { name: 'Resize' },
      Error: 'CorruptImage',
      Cause: { why: 'truncated' },
    })
    recorder.record({
      type: 'StateFailed',
      timestamp: t0 + 7,
      state: { name: 'Failed', type: 'Fail' },
      Error: 'ImageFailed',
      Cause: 'for the test',
    })
    recorder.record({ type: 'ExecutionFailed', timestamp: t0 + 8, Error: 'ImageFailed', Cause: 'for the test' })

    // Assess
    const events = flushedHistory(executionArn)
    expect(events.map(({ id, previousEventId }) => [id, previousEventId])).toEqual(
      events.map((_, index) => [index + 1, index]),
    )
    expect(events.map(({ id: _id, previousEventId: _previous, ...rest }) => rest)).toEqual([
      {
        timestamp: iso(0),
        type: 'ExecutionStarted',
        executionStartedEventDetails: { input: '{"key":"uploads/cat.jpg"}' },
      },
      {
        timestamp: iso(1),
        type: 'TaskStateEntered',
        stateEnteredEventDetails: { name: 'Validate', input: '{"key":"uploads/cat.jpg"}' },
      },
      {
        timestamp: iso(1),
        type: 'TaskScheduled',
        taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', name: 'Validate' },
      },
      {
        timestamp: iso(2),
        type: 'TaskFailed',
        taskFailedEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke',
          name: 'Validate',
          error: 'TransientError',
          cause: '{"errorType":"TransientError"}',
        },
      },
      {
        timestamp: iso(3),
        type: 'TaskScheduled',
        taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', name: 'Validate', retryAttempt: 1 },
      },
      {
        timestamp: iso(4),
        type: 'TaskStateExited',
        stateExitedEventDetails: { name: 'Validate', output: '{"ok":true}' },
      },
      { timestamp: iso(5), type: 'MapIterationStarted', mapIterationStartedEventDetails: { name: 'Resize', index: 0 } },
      {
        timestamp: iso(5),
        type: 'TaskStateEntered',
        stateEnteredEventDetails: { name: 'ResizeOne', input: 'spec' },
        iteration: 0,
      },
      {
        timestamp: iso(5),
        type: 'TaskScheduled',
        taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', name: 'ResizeOne' },
        iteration: 0,
      },
      { timestamp: iso(6), type: 'StateCaught', stateCaughtEventDetails: { name: 'ResizeOne' }, iteration: 0 },
      {
        timestamp: iso(6),
        type: 'MapIterationFailed',
        mapIterationFailedEventDetails: {
          name: 'Resize',
          index: 0,
          error: 'CorruptImage',
          cause: '{"why":"truncated"}',
        },
      },
      {
        timestamp: iso(7),
        type: 'FailStateFailed',
        stateFailedEventDetails: { name: 'Failed', error: 'ImageFailed', cause: 'for the test' },
      },
      {
        timestamp: iso(8),
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: 'ImageFailed', cause: 'for the test' },
      },
    ])
    expect(recorder.failure).toEqual({ error: 'ImageFailed', cause: 'for the test' })
  })

  it('reads no events for another execution', () => {
    historyRecorder(writer, executionArn, taskResources(definition)).record({
      type: 'ExecutionStarted',
      timestamp: t0,
      input: {},
    })

    expect(flushedHistory(`${executionArn}-other`)).toEqual([])
  })

  it('records a real run of aws-local-stepfunctions that summarizeStates reads back: a retry, a Map, a catch and a Fail', async () => {
    // Prepare
    let validations = 0
    const machine = new StateMachine(definition as unknown as StateMachineDefinition)
    const recorder = historyRecorder(writer, executionArn, taskResources(definition))
    const failure = (name: string) => Object.assign(new Error(JSON.stringify({ errorType: name })), { name })

    // Act
    const execution = machine.run(
      { specs: ['thumbnail', 'broken'] },
      {
        overrides: {
          taskResourceLocalHandlers: {
            Validate: async () => {
              if (validations++ === 0) throw failure('TransientError')
              return { Payload: 'ok' }
            },
            ResizeOne: async (input) => {
              const { Payload: spec } = input as { Payload: string }
              if (spec === 'broken') throw failure('CorruptImage')
              return { Payload: spec }
            },
          },
          retryIntervalOverrides: { Validate: 0 },
        },
      },
    )
    for await (const log of execution.eventLogs) recorder.record(log)
    await execution.result.catch(() => undefined)

    // Assess
    const summary = summarizeStates(flushedHistory(executionArn))
    expect(
      summary.map(({ name, type, status, retries, iterations }) => ({ name, type, status, retries, iterations })),
    ).toEqual([
      { name: 'Validate', type: 'Task', status: 'SUCCEEDED', retries: 1, iterations: 1 },
      { name: 'Resize', type: 'Map', status: 'SUCCEEDED', retries: 0, iterations: 1 },
      { name: 'ResizeOne', type: 'Task', status: 'CAUGHT', retries: 0, iterations: 2 },
      { name: 'SkipRendition', type: 'Pass', status: 'SUCCEEDED', retries: 0, iterations: 1 },
      { name: 'Failed', type: 'Fail', status: 'FAILED', retries: 0, iterations: 1 },
    ])
    expect(recorder.failure).toEqual({ error: 'ImageFailed', cause: 'for the test' })
  })
})
