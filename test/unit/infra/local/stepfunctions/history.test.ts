import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { stateSummaries } from '../../../../../infra/console/state-outcomes'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { runExecution, virtualClock, type HistoryEvent } from '../../../../../infra/local/stepfunctions/engine'
import { HistoryWriter, readHistory, readHistoryPage } from '../../../../../infra/local/stepfunctions/history'

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:ImageWorkflow:run-1'

/** One lambda:invoke Task retried once, a Map whose failing item a Catch takes, and a Fail state. */
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
      MaxConcurrency: 1,
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

describe('HistoryWriter and readHistory', () => {
  let dataDir: string
  let db: DatabaseSync
  let writer: HistoryWriter

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'history-test-'))
    db = openDatabase(dataDir)
    writer = new HistoryWriter(db)
    for (const arn of [executionArn, `${executionArn}-other`])
      db.prepare(
        `INSERT INTO executions (arn, name, state_machine, workflow, status, input, created_at) VALUES (?, ?, 'sm', 'image', 'RUNNING', '{}', ?)`,
      ).run(arn, arn.split(':').at(-1)!, new Date(t0).toISOString())
  })

  afterEach(() => {
    db.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** Runs the definition on the engine, its events stored as the executor stores them; answers what the engine gave. */
  const recordedRun = async (): Promise<HistoryEvent[]> => {
    const clock = virtualClock(t0)
    const given: HistoryEvent[] = []
    let validations = 0
    await runExecution({
      definition,
      input: JSON.stringify({ specs: ['thumbnail', 'broken'] }),
      context: {
        executionArn,
        executionName: 'run-1',
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ImageWorkflow',
        stateMachineName: 'ImageWorkflow',
        roleArn: 'arn:aws:iam::000000000000:role/ImageWorkflowRole',
        startTime: new Date(t0),
      },
      invokeTask: async ({ stateName, input }) => {
        const { Payload } = input as { Payload: unknown }
        if (stateName === 'Validate' && validations++ === 0) throw { error: 'TransientError', cause: 'busy' }
        if (Payload === 'broken') throw { error: 'CorruptImage', cause: '{"errorMessage":"truncated"}' }
        return { Payload, StatusCode: 200 }
      },
      onEvent: (event) => {
        given.push(event)
        writer.record(executionArn, event)
      },
      sleep: clock.sleep,
      now: clock.now,
    })
    writer.flush()
    return given
  }

  it("stores the engine's events as GetExecutionHistory gives them, and reads them back unchanged, in order", async () => {
    const given = await recordedRun()

    expect(readHistory(db, executionArn)).toEqual(given)
    expect(given.map((event) => event.id)).toEqual(given.map((_, index) => index + 1))
    expect(readHistory(db, `${executionArn}-other`)).toEqual([])
  })

  it('reads a page after an event, oldest first, or before it, newest first', async () => {
    const given = await recordedRun()

    expect(readHistoryPage(db, executionArn, { after: undefined, limit: 3, reverse: false })).toEqual(given.slice(0, 3))
    expect(readHistoryPage(db, executionArn, { after: 3, limit: 2, reverse: false })).toEqual(given.slice(3, 5))
    expect(readHistoryPage(db, executionArn, { after: undefined, limit: 2, reverse: true })).toEqual(
      given.slice(-2).reverse(),
    )
    expect(readHistoryPage(db, executionArn, { after: 3, limit: 5, reverse: true })).toEqual(
      given.slice(0, 2).reverse(),
    )
  })

  it('reads back a run that the per-state fold shows state by state: a retry, a Map, a catch and a Fail', async () => {
    await recordedRun()

    const summary = stateSummaries(readHistory(db, executionArn))

    expect(
      summary.map(({ name, type, status, retries, iterations }) => ({ name, type, status, retries, iterations })),
    ).toEqual([
      { name: 'Validate', type: 'Task', status: 'SUCCEEDED', retries: 1, iterations: 1 },
      { name: 'Resize', type: 'Map', status: 'SUCCEEDED', retries: 0, iterations: 1 },
      { name: 'ResizeOne', type: 'Task', status: 'CAUGHT', retries: 0, iterations: 2 },
      { name: 'SkipRendition', type: 'Pass', status: 'SUCCEEDED', retries: 0, iterations: 1 },
      { name: 'Failed', type: 'Fail', status: 'FAILED', retries: 0, iterations: 1 },
    ])
    expect(summary.find((state) => state.name === 'Failed')).toMatchObject({
      error: 'ImageFailed',
      cause: 'for the test',
    })
  })
})
