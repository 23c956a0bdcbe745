import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { openDatabase, transaction } from '../../../../../infra/local/kernel/db'
import { LocalAccount, LocalRegion, type LocalStateMachine } from '../../../../../infra/local/model/template'
import { virtualClock, type Clock } from '../../../../../infra/local/stepfunctions/engine'
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  InvalidExecutionInput,
  InvalidName,
  InvalidStateMachine,
  InvalidToken,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  ValidationException,
} from '../../../../../infra/local/stepfunctions/errors'
import {
  Executor,
  parseRetryScale,
  type ExecutionRow,
  type ExecutorOptions,
} from '../../../../../infra/local/stepfunctions/executor'
import type { Integrations } from '../../../../../infra/local/stepfunctions/integrations'

const Api = 'https://docs.aws.amazon.com/step-functions/latest/apireference'
const lambda = 'arn:aws:states:::lambda:invoke'

const machine = (
  name: string,
  definition: Record<string, unknown>,
  type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
): LocalStateMachine => ({
  arn: `arn:aws:states:${LocalRegion}:${LocalAccount}:stateMachine:${name}`,
  name,
  workflow: name.toLowerCase(),
  type,
  definition,
})

/** A lambda:invoke Task calling `fn` with the state's input as Payload. */
const call = (fn: string, rest: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: lambda,
  Parameters: { FunctionName: fn, 'Payload.$': '$' },
  ...rest,
})

/** Validate, then a Map over `items` whose Resize fails for the item `"bad"`: the pipeline's shape in small. */
const Pipeline = machine('Pipeline', {
  StartAt: 'Validate',
  States: {
    Validate: call('validate', {
      Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 2 }],
      ResultSelector: { 'ok.$': '$.Payload' },
      ResultPath: '$.validated',
      Next: 'Resize',
    }),
    Resize: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: { StartAt: 'ResizeOne', States: { ResizeOne: call('resize', { End: true }) } },
      ResultPath: '$.resized',
      End: true,
    },
  },
})
const Caught = machine('Caught', {
  StartAt: 'Validate',
  States: {
    Validate: call('validate', { Catch: [{ ErrorEquals: ['UnsupportedImage'], Next: 'Rejected' }], End: true }),
    Rejected: { Type: 'Fail', Error: 'ImageRejected', Cause: 'not an image' },
  },
})
const Slow = machine('Slow', { StartAt: 'Wait', TimeoutSeconds: 5, States: { Wait: call('hang', { End: true }) } })
const Quick = machine('Quick', { StartAt: 'Echo', States: { Echo: call('echo', { End: true }) } }, 'EXPRESS')

/** A Lambda function error as runtime.ts reports a step's: an Error named after the error, Lambda's Cause JSON as message. */
const stepFailure = (errorType: string, errorMessage: string) =>
  Object.assign(new Error(JSON.stringify({ errorType, errorMessage, trace: [] })), { name: errorType })

/** A promise the test settles, for a task that runs until told. */
const deferred = () => {
  let resolve: (value: unknown) => void = () => undefined
  const promise = new Promise<unknown>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

let dataDir: string
let db: DatabaseSync
let executors: Executor[]
/** What each function does, by name; every call is logged. */
let functions: Record<string, (payload: unknown) => Promise<unknown>>
let calls: Array<{ fn: string; payload: unknown }>

const integrations: Integrations = {
  invokeFunction: async (fn, payload) => {
    calls.push({ fn, payload })
    const run = functions[fn]
    if (!run) throw Object.assign(new Error(`Function not found: ${fn}`), { name: 'Lambda.ResourceNotFoundException' })
    return run(payload)
  },
  sendMessage: () => ({ MessageId: 'm-1' }),
  putEvents: () => ({ FailedEntryCount: 0, Entries: [] }),
}

const start = (options: Partial<ExecutorOptions> = {}, machines = [Pipeline, Caught, Slow, Quick]) => {
  const executor = new Executor(db, machines, integrations, { concurrency: 2, ...options })
  executors.push(executor)
  return executor
}

const row = (arn: string) => db.prepare('SELECT * FROM executions WHERE arn = ?').get(arn) as unknown as ExecutionRow
const types = (executor: Executor, arn: string) => executor.history(arn).map((event) => event.type)

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'executor-test-'))
  db = openDatabase(dataDir)
  executors = []
  calls = []
  functions = {
    validate: async (payload) => payload,
    resize: async (payload) => {
      if (payload === 'bad') throw stepFailure('CorruptImage', 'truncated')
      return `${String(payload)}.jpg`
    },
    echo: async (payload) => payload,
    hang: () => new Promise(() => undefined),
  }
})

afterEach(async () => {
  for (const executor of executors) await executor.stop(0)
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('Executor: running the synthesized state machines on the ASL engine', () => {
  it("calls a lambda:invoke task's function with its Payload and hands back Lambda's response, storing the engine's history", async () => {
    // Prepare
    const ended: ExecutionRow[] = []
    const executor = start({ onExecutionEnded: (final) => ended.push(final) })

    // Act
    const arn = transaction(db, () => executor.enqueue(Pipeline.arn, { items: ['a', 'b'] }))
    await executor.idle()

    // Assess
    expect(calls).toEqual([
      { fn: 'validate', payload: { items: ['a', 'b'] } },
      { fn: 'resize', payload: 'a' },
      { fn: 'resize', payload: 'b' },
    ])
    expect(row(arn)).toMatchObject({ status: 'SUCCEEDED', error: null })
    expect(JSON.parse(row(arn).output!)).toEqual({
      items: ['a', 'b'],
      validated: { ok: { items: ['a', 'b'] } },
      resized: [
        { ExecutedVersion: '$LATEST', Payload: 'a.jpg', StatusCode: 200 },
        { ExecutedVersion: '$LATEST', Payload: 'b.jpg', StatusCode: 200 },
      ],
    })
    const history = executor.history(arn)
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1))
    expect(history[0]).toMatchObject({ type: 'ExecutionStarted', previousEventId: 0 })
    expect(history.at(-1)).toMatchObject({ type: 'ExecutionSucceeded' })
    expect(types(executor, arn)).toContain('MapIterationSucceeded')
    expect(ended).toEqual([expect.objectContaining({ arn, status: 'SUCCEEDED' })])
  })

  it("fails a task with the step's error name and Lambda's Cause JSON, which a Catch matches by that name", async () => {
    // Prepare
    functions.validate = async () => {
      throw stepFailure('UnsupportedImage', 'svg is not supported')
    }
    const executor = start()

    // Act
    const arn = transaction(db, () => executor.enqueue(Caught.arn, {}))
    await executor.idle()

    // Assess
    const failed = executor.history(arn).find((event) => event.type === 'TaskFailed')
    expect(failed?.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'UnsupportedImage',
    })
    expect(JSON.parse((failed?.taskFailedEventDetails as { cause: string }).cause)).toMatchObject({
      errorType: 'UnsupportedImage',
      errorMessage: 'svg is not supported',
    })
    expect(row(arn)).toMatchObject({ status: 'FAILED', error: 'ImageRejected', cause: 'not an image' })
  })

  it('scales every Retry wait by PIPELINE_RETRY_SCALE, keeping the backoff between attempts', async () => {
    // Prepare: Validate fails twice with TransientError (IntervalSeconds 10, BackoffRate 2), then answers.
    const waits: number[] = []
    const clock: Clock = {
      now: () => Date.now(),
      sleep: async (ms) => {
        waits.push(ms)
      },
    }
    let attempts = 0
    functions.validate = async (payload) => {
      if (attempts++ < 2) throw stepFailure('TransientError', 'busy')
      return payload
    }
    const executor = start({ retryScale: 0.01, clock })

    // Act
    const arn = transaction(db, () => executor.enqueue(Pipeline.arn, { items: [] }))
    await executor.idle()

    // Assess: 10 s then 20 s, as AWS's backoff gives them (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), times 0.01.
    expect(row(arn).status).toBe('SUCCEEDED')
    expect(waits).toEqual([100, 200])
  })

  it.each([
    ['a factor above 1', '2'],
    ['zero', '0'],
    ['a word', 'fast'],
  ])('refuses a PIPELINE_RETRY_SCALE of %s, and reads 1 or nothing as real time', (_name, text) => {
    expect(() => parseRetryScale(text)).toThrow('PIPELINE_RETRY_SCALE must be a number above 0 and at most 1')
    expect(parseRetryScale('1')).toBeUndefined()
    expect(parseRetryScale(undefined)).toBeUndefined()
    expect(parseRetryScale('0.01')).toBe(0.01)
  })

  it("ends an execution that outlives the definition's TimeoutSeconds TIMED_OUT", async () => {
    // Prepare: the task never answers; a simulated clock lets the 5 s pass at once.
    const executor = start({ clock: virtualClock() })

    // Act
    const arn = transaction(db, () => executor.enqueue(Slow.arn, {}))
    await executor.idle()

    // Assess (https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html: TimeoutSeconds)
    expect(row(arn)).toMatchObject({ status: 'TIMED_OUT', error: null, cause: null })
    expect(types(executor, arn).at(-1)).toBe('ExecutionTimedOut')
  })

  it('refuses at construction a definition AWS would refuse, naming the state machine, the state and the reason', () => {
    const broken = machine('Broken', {
      StartAt: 'First',
      States: { First: { Type: 'Pass', Next: 'Nowhere' } },
    })

    expect(() => start({}, [Pipeline, broken])).toThrow(InvalidStateMachine)
    expect(() => start({}, [Pipeline, broken])).toThrow(/^State machine Broken, state First: .*Nowhere/)
  })

  it('refuses at construction a Task integration the local runtime does not provide, naming the state', () => {
    const unsupported = machine('Unsupported', {
      StartAt: 'Copy',
      States: { Copy: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:copyObject', End: true } },
    })

    expect(() => start({}, [unsupported])).toThrow(
      'State machine Unsupported, state Copy: uses arn:aws:states:::aws-sdk:s3:copyObject, an integration the local runtime does not provide',
    )
  })
})

describe('Executor: the Step Functions actions on executions', () => {
  it(`StartExecution answers an open execution of the same name and input, and refuses another input or a closed one (${Api}/API_StartExecution.html)`, async () => {
    // Prepare
    functions.validate = () => new Promise(() => undefined)
    const executor = start()
    const first = executor.startExecution(Pipeline.arn, { name: 'order-7', input: '{"items": []}' })

    // Act and assess: open, with the same input, then with another.
    expect(first.executionArn).toBe(`arn:aws:states:${LocalRegion}:${LocalAccount}:execution:Pipeline:order-7`)
    expect(executor.startExecution(Pipeline.arn, { name: 'order-7', input: '{"items": []}' })).toEqual(first)
    expect(() => executor.startExecution(Pipeline.arn, { name: 'order-7', input: '{"items":[1]}' })).toThrow(
      ExecutionAlreadyExists,
    )
    // Closed, with the same input.
    await executor.stopExecution(first.executionArn)
    expect(() => executor.startExecution(Pipeline.arn, { name: 'order-7', input: '{"items": []}' })).toThrow(
      ExecutionAlreadyExists,
    )
    expect(executor.describeExecution(first.executionArn)).toMatchObject({ status: 'ABORTED', input: '{"items": []}' })
  })

  it.each([
    ['a name with a space', { name: 'my run' }, InvalidName],
    ['a name with a slash', { name: 'a/b' }, InvalidName],
    ['a name over 80 characters', { name: 'x'.repeat(81) }, InvalidName],
    ['input that is not JSON', { input: '{items:' }, InvalidExecutionInput],
  ])(`StartExecution refuses %s (${Api}/API_StartExecution.html)`, (_name, request, error) => {
    const executor = start()

    expect(() => executor.startExecution(Pipeline.arn, request)).toThrow(error)
    expect(() => executor.startExecution(`${Pipeline.arn}Gone`, {})).toThrow(StateMachineDoesNotExist)
  })

  it(`StartSyncExecution runs an EXPRESS execution to its end and refuses a STANDARD state machine (${Api}/API_StartSyncExecution.html)`, async () => {
    const executor = start()

    const described = await executor.startSyncExecution(Quick.arn, { input: '{"n": 1}' })

    expect(described).toMatchObject({ status: 'SUCCEEDED', input: '{"n": 1}' })
    expect(JSON.parse(described.output!)).toMatchObject({ Payload: { n: 1 }, StatusCode: 200 })
    await expect(executor.startSyncExecution(Pipeline.arn, {})).rejects.toThrow(StateMachineTypeNotSupported)
  })

  it(`StopExecution ends a running execution ABORTED with its error and cause (${Api}/API_StopExecution.html)`, async () => {
    // Prepare
    const validating = deferred()
    functions.validate = () => validating.promise
    const ended: ExecutionRow[] = []
    const executor = start({ onExecutionEnded: (final) => ended.push(final) })
    const { executionArn } = executor.startExecution(Pipeline.arn, { input: '{"items":[]}' })
    await new Promise((resolve) => setImmediate(resolve))

    // Act
    const stopped = await executor.stopExecution(executionArn, { error: 'Manual', cause: 'stopped by an operator' })

    // Assess
    expect(executor.describeExecution(executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'Manual',
      cause: 'stopped by an operator',
      stopDate: stopped.stopDate,
    })
    expect(executor.history(executionArn).at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Manual', cause: 'stopped by an operator' },
    })
    expect(ended).toEqual([expect.objectContaining({ arn: executionArn, status: 'ABORTED' })])
    // A closed execution is left as it is.
    validating.resolve({})
    expect(await executor.stopExecution(executionArn, { error: 'Again' })).toEqual(stopped)
    expect(executor.describeExecution(executionArn).error).toBe('Manual')
    await expect(executor.stopExecution(`${executionArn}-gone`)).rejects.toThrow(ExecutionDoesNotExist)
  })

  it('StopExecution of an execution not started yet records it started, then aborted', async () => {
    // Prepare: one slot, taken by an execution that runs until the end of the test.
    functions.validate = () => new Promise(() => undefined)
    const executor = start({ concurrency: 1 })
    executor.startExecution(Pipeline.arn, { input: '{"items":[]}' })
    const { executionArn } = executor.startExecution(Caught.arn, { input: '{"waiting":true}' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(row(executionArn).status).toBe('PENDING')
    expect(executor.describeExecution(executionArn).status).toBe('RUNNING')

    // Act
    await executor.stopExecution(executionArn)

    // Assess
    expect(row(executionArn).status).toBe('ABORTED')
    expect(executor.history(executionArn)).toEqual([
      expect.objectContaining({
        id: 1,
        type: 'ExecutionStarted',
        executionStartedEventDetails: expect.objectContaining({ input: '{"waiting":true}' }),
      }),
      expect.objectContaining({ id: 2, previousEventId: 0, type: 'ExecutionAborted' }),
    ])
    expect(calls.map((entry) => entry.fn)).toEqual(['validate'])
  })

  it(`ListExecutions pages one state machine's executions newest first, by status and redrive (${Api}/API_ListExecutions.html)`, async () => {
    // Prepare: five executions that succeed and one that fails.
    const executor = start()
    const succeeded = Array.from(
      { length: 5 },
      (_, n) => executor.startExecution(Pipeline.arn, { name: `ok-${n}`, input: '{"items":[]}' }).executionArn,
    )
    const failed = executor.startExecution(Pipeline.arn, { name: 'bad', input: '{"items":["bad"]}' }).executionArn
    await executor.idle()

    // Act
    const first = executor.listExecutions({ stateMachineArn: Pipeline.arn, maxResults: 4 })
    const second = executor.listExecutions({
      stateMachineArn: Pipeline.arn,
      maxResults: 4,
      nextToken: first.nextToken!,
    })

    // Assess
    expect([...first.executions, ...second.executions].map((item) => item.executionArn)).toEqual(
      [...succeeded, failed].reverse(),
    )
    expect(second.nextToken).toBeUndefined()
    expect(first.executions[0]).toMatchObject({ name: 'bad', status: 'FAILED', redriveCount: 0 })
    expect(
      executor
        .listExecutions({ stateMachineArn: Pipeline.arn, statusFilter: 'FAILED' })
        .executions.map((item) => item.name),
    ).toEqual(['bad'])
    executor.redriveExecution(failed)
    await executor.idle()
    expect(
      executor
        .listExecutions({ stateMachineArn: Pipeline.arn, redriveFilter: 'REDRIVEN' })
        .executions.map((item) => item.name),
    ).toEqual(['bad'])
    expect(
      executor.listExecutions({ stateMachineArn: Pipeline.arn, redriveFilter: 'NOT_REDRIVEN' }).executions,
    ).toHaveLength(5)
    expect(() => executor.listExecutions({ stateMachineArn: Pipeline.arn, maxResults: 1001 })).toThrow(
      ValidationException,
    )
    expect(() => executor.listExecutions({ stateMachineArn: Pipeline.arn, nextToken: 'not-a-token' })).toThrow(
      InvalidToken,
    )
    expect(() => executor.listExecutions({ stateMachineArn: Quick.arn })).toThrow(StateMachineTypeNotSupported)
  })

  it(`GetExecutionHistory pages the events either way, with or without their inputs and outputs (${Api}/API_GetExecutionHistory.html)`, async () => {
    // Prepare
    const executor = start()
    const { executionArn } = executor.startExecution(Pipeline.arn, { input: '{"items":["a"]}' })
    await executor.idle()
    const all = executor.history(executionArn)

    // Act
    const pages: Array<ReadonlyArray<{ id: number }>> = []
    let token: string | undefined
    do {
      const page = executor.getExecutionHistory(executionArn, { maxResults: 5, ...(token ? { nextToken: token } : {}) })
      pages.push(page.events)
      token = page.nextToken
    } while (token)
    const newest = executor.getExecutionHistory(executionArn, { maxResults: 3, reverseOrder: true })
    const withoutData = executor.getExecutionHistory(executionArn, { includeExecutionData: false })

    // Assess
    expect(pages.flat()).toEqual(all)
    expect(pages.slice(0, -1).every((page) => page.length === 5)).toBe(true)
    expect(newest.events.map((event) => event.id)).toEqual([all.length, all.length - 1, all.length - 2])
    expect(withoutData.events[0]).toEqual({
      ...all[0],
      executionStartedEventDetails: { roleArn: `arn:aws:iam::${LocalAccount}:role/PipelineRole` },
    })
    expect(JSON.stringify(withoutData.events)).not.toMatch(/"(input|output)":/)
    expect(() => executor.getExecutionHistory(`${executionArn}-gone`)).toThrow(ExecutionDoesNotExist)
  })

  it(`RedriveExecution reruns only the failed Map iteration, continuing the history after ExecutionRedriven (${Api}/API_RedriveExecution.html)`, async () => {
    // Prepare: the item "bad" fails its iteration, so the Map and the execution fail.
    const executor = start()
    const { executionArn } = executor.startExecution(Pipeline.arn, { input: '{"items":["a","bad"]}' })
    await executor.idle()
    const failedHistory = executor.history(executionArn)
    expect(row(executionArn).status).toBe('FAILED')
    functions.resize = async (payload) => `${String(payload)}.jpg`
    calls = []

    // Act
    const { redriveDate } = executor.redriveExecution(executionArn)
    await executor.idle()

    // Assess (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)
    expect(calls).toEqual([{ fn: 'resize', payload: 'bad' }])
    expect(executor.describeExecution(executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      redriveDate,
    })
    const history = executor.history(executionArn)
    expect(history.slice(0, failedHistory.length)).toEqual(failedHistory)
    expect(history[failedHistory.length]).toMatchObject({
      id: failedHistory.length + 1,
      previousEventId: failedHistory.length,
      type: 'ExecutionRedriven',
      executionRedrivenEventDetails: { redriveCount: 1 },
    })
    expect(JSON.parse(row(executionArn).output!).resized.map((result: { Payload: string }) => result.Payload)).toEqual([
      'a.jpg',
      'bad.jpg',
    ])
    expect(() => executor.redriveExecution(executionArn)).toThrow(ExecutionNotRedrivable)
  })

  it('leaves an execution the shutdown aborts RUNNING, and the next boot runs its redrive again with one history', async () => {
    // Prepare: a failed execution, redriven into a task that never answers; the runtime stops mid-run.
    const first = start()
    const { executionArn } = first.startExecution(Pipeline.arn, { input: '{"items":["bad"]}' })
    await first.idle()
    functions.resize = () => new Promise(() => undefined)
    first.redriveExecution(executionArn)
    await new Promise((resolve) => setImmediate(resolve))
    await first.stop(0)
    expect(row(executionArn).status).toBe('RUNNING')
    expect(types(first, executionArn)).not.toContain('ExecutionAborted')

    // Act: the next boot, with the step healed.
    functions.resize = async (payload) => `${String(payload)}.jpg`
    const second = start()
    const recovered = second.recover()
    await second.idle()

    // Assess
    expect(recovered).toBe(1)
    expect(row(executionArn)).toMatchObject({ status: 'SUCCEEDED', redrive_count: 1 })
    const history = second.history(executionArn)
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1))
    expect(history.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1)
    expect(history.filter((event) => event.type === 'ExecutionRedriven')).toHaveLength(1)
    expect(history.at(-1)?.type).toBe('ExecutionSucceeded')
  })

  it('runs an execution a crash cut short again from its start, its partial history replaced', async () => {
    // Prepare: what a crash leaves behind, a RUNNING row with the first events of its run.
    const first = start()
    functions.validate = () => new Promise(() => undefined)
    const { executionArn } = first.startExecution(Pipeline.arn, { input: '{"items":["a"]}' })
    await new Promise((resolve) => setImmediate(resolve))
    await first.stop(0)
    const partial = first.history(executionArn).length
    expect(partial).toBeGreaterThan(0)

    // Act
    functions.validate = async (payload) => payload
    const second = start()
    second.recover()
    await second.idle()

    // Assess
    const history = second.history(executionArn)
    expect(row(executionArn).status).toBe('SUCCEEDED')
    expect(history.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1)
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1))
  })
})
