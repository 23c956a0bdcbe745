import { ExecutionStatusChangeType, StatesSource } from '../../contracts/dead-letters'
import type { ExecutionRow } from '../../infra/local/stepfunctions/executor'
import { executionStatusChange } from '../../infra/local/stepfunctions/status-events'
import * as images from '../support/images'
import { pipelineModel, settle, startPipeline, upload, type RunningPipeline } from '../support/pipeline'

/*
 * An execution that times out or is stopped never reaches its workflow's Catch, so its event would be in no DLQ
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). Standard workflows announce how
 * each execution ended on the default bus (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html); a
 * rule per Standard workflow sends the TIMED_OUT and ABORTED ones to the workflow's DLQ. Express workflows send none.
 */
let pipeline: RunningPipeline

beforeAll(async () => {
  pipeline = await startPipeline()
}, 60_000)

afterAll(() => pipeline.close())

const statusChanges = () =>
  pipeline.events.filter(
    ({ bus, event }) =>
      bus === 'default' && event.source === StatesSource && event['detail-type'] === ExecutionStatusChangeType,
  )

const executionsOf = (workflow: string) =>
  pipeline.runtime.db
    .prepare('SELECT * FROM executions WHERE workflow = ? ORDER BY created_at')
    .all(workflow) as unknown as ExecutionRow[]

const deadLetters = (queue: string) =>
  pipeline.runtime.deadLetters.list().find((candidate) => candidate.name === queue)?.messages ?? []

describe('executions that end without reaching their catch-all', () => {
  it('a Standard execution announces how it ended on the default bus, with its input; an Express one does not', async () => {
    // Act: an image (Standard) and an order, whose workflow is Express
    expect((await upload(pipeline.url, 'uploads/ended.jpg', await images.jpeg())).status).toBe(200)
    pipeline.runtime.queues.send(
      'OrdersQueue',
      JSON.stringify({ orderId: 'ended-1', customerId: 'usr_nobody', totalAmount: 5, currency: 'USD' }),
    )
    await settle(pipeline)
    expect(executionsOf('order')).toHaveLength(1)

    // Assess
    const [image] = executionsOf('image')
    expect(statusChanges().map(({ event }) => event.detail)).toEqual([
      expect.objectContaining({
        executionArn: image!.arn,
        stateMachineArn: image!.state_machine,
        status: 'SUCCEEDED',
        input: image!.input,
        inputDetails: { included: true },
      }),
    ])
    const expressMachines = pipeline.runtime.model.stateMachines
      .filter((machine) => machine.type === 'EXPRESS')
      .map((machine) => machine.arn)
    expect(
      statusChanges().some(({ event }) =>
        expressMachines.includes(String((event.detail as { stateMachineArn: string }).stateMachineArn)),
      ),
    ).toBe(false)
  })

  it('sends a timed-out image execution to the image DLQ, whose redrive starts the workflow again on the same event', async () => {
    // Prepare: the image execution above, as it would look had it timed out
    const [image] = executionsOf('image')
    const timedOut: ExecutionRow = {
      ...image!,
      status: 'TIMED_OUT',
      output: null,
      error: 'States.Timeout',
      cause: 'The execution timed out after 900 seconds',
    }

    // Act: the status change the engine announces when it times an execution out
    pipeline.runtime.bus.publishServiceEvent('default', executionStatusChange(timedOut))
    await settle(pipeline)

    // Assess: in the DLQ with why, and where a redrive sends it
    const [letter] = deadLetters('ImageDeadLetters')
    expect(letter).toEqual(
      expect.objectContaining({
        reason: 'execution TIMED_OUT: States.Timeout: The execution timed out after 900 seconds',
        origin: image!.state_machine.slice(image!.state_machine.lastIndexOf(':') + 1),
      }),
    )

    // Act: redrive
    const outcome = pipeline.runtime.deadLetters.redrive('ImageDeadLetters', [letter!.id])
    await settle(pipeline)

    // Assess: a new execution on the original event, which succeeds; the DLQ is empty
    expect(outcome).toEqual({ queue: 'ImageDeadLetters', redriven: 1, failed: [] })
    const runs = executionsOf('image')
    expect(runs).toHaveLength(2)
    expect(runs[1]).toEqual(expect.objectContaining({ status: 'SUCCEEDED', input: image!.input }))
    expect(deadLetters('ImageDeadLetters')).toEqual([])
  })

  it('does not dead-letter a failed execution a second time: its catch-all did', async () => {
    // Prepare: an upload the workflow rejects, which its catch-all sends to the DLQ itself
    expect((await upload(pipeline.url, 'uploads/not-an-image.jpg', new TextEncoder().encode('no image'))).status).toBe(
      200,
    )
    await settle(pipeline)

    // Assess: one dead letter, the catch-all's, though the FAILED status change went on the default bus too
    expect(statusChanges().map(({ event }) => (event.detail as { status: string }).status)).toContain('FAILED')
    expect(deadLetters('ImageDeadLetters').map((letter) => letter.reason)).toEqual([
      expect.stringMatching(/^UnsupportedImage/),
    ])
  })
})

/*
 * The same, ended by the engine itself: the image workflow held by a Wait longer than its TimeoutSeconds times out
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), and a StopExecution aborts it;
 * the executor's onExecutionEnded hook announces either end, and the rule sends it to the image DLQ.
 */
describe('executions the engine times out or stops', () => {
  let held: RunningPipeline
  const image = () => held.runtime.model.stateMachines.find((machine) => machine.workflow === 'image')!

  beforeAll(async () => {
    const model = pipelineModel()
    held = await startPipeline({
      model: {
        ...model,
        stateMachines: model.stateMachines.map((machine) => {
          if (machine.workflow !== 'image') return machine
          const definition = machine.definition as { StartAt: string; States: Record<string, unknown> }
          return {
            ...machine,
            definition: {
              ...definition,
              TimeoutSeconds: 1,
              StartAt: 'Hold',
              States: { Hold: { Type: 'Wait', Seconds: 30, Next: definition.StartAt }, ...definition.States },
            },
          }
        }),
      },
    })
  }, 60_000)

  afterAll(() => held.close())

  const endsOnDefault = (status: string) =>
    held.events.filter(
      ({ bus, event }) =>
        bus === 'default' && event.source === StatesSource && (event.detail as { status?: string }).status === status,
    )
  const imageDeadLetters = () =>
    held.runtime.deadLetters.list().find((candidate) => candidate.name === 'ImageDeadLetters')?.messages ?? []

  it('announces a TIMED_OUT end of its own timeout and dead-letters it with the execution input', async () => {
    // Act
    expect((await upload(held.url, 'uploads/held.jpg', await images.jpeg())).status).toBe(200)
    await settle(held)

    // Assess
    const [execution] = held.runtime.db
      .prepare("SELECT * FROM executions WHERE workflow = 'image'")
      .all() as unknown as ExecutionRow[]
    expect(execution).toEqual(expect.objectContaining({ status: 'TIMED_OUT', state_machine: image().arn }))
    expect(endsOnDefault('TIMED_OUT').map(({ event }) => event.detail)).toEqual([
      // As AWS describes a timed-out execution: no error or cause of its own.
      expect.objectContaining({ executionArn: execution!.arn, input: execution!.input, status: 'TIMED_OUT' }),
    ])
    expect(imageDeadLetters()).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^execution TIMED_OUT/) }),
    ])
  })

  it('announces an ABORTED end of a StopExecution and dead-letters it', async () => {
    // Prepare: an execution held in its Wait
    const arn = held.runtime.executor.enqueue(image().arn, { version: '0', id: 'stopped-1', detail: {} })

    // Act
    await held.runtime.executor.stopExecution(arn, { error: 'Operator', cause: 'stopped by hand' })
    await settle(held)

    // Assess
    expect(endsOnDefault('ABORTED').map(({ event }) => event.detail)).toEqual([
      expect.objectContaining({ executionArn: arn, status: 'ABORTED' }),
    ])
    expect(imageDeadLetters().map((letter) => letter.reason)).toContainEqual(
      expect.stringMatching(/^execution ABORTED/),
    )
  })
})
