import { Option } from 'effect'
import {
  executionEndFacts,
  readDeadLetter,
  streamBatchFacts,
  type ExecutionStatusChange,
  type StreamBatchDeadLetter,
} from '../../../contracts/dead-letters'
import { awsEvent } from '../../support/fixtures'

const objectCreated = awsEvent<Record<string, unknown>>('s3/object-created.json')
const timedOut = () => awsEvent<ExecutionStatusChange>('states/execution-timed-out.json')
const streamBatch = () => awsEvent<StreamBatchDeadLetter>('pipes/dynamodb-batch-dead-letter.json')

describe('readDeadLetter', () => {
  it.each([
    [
      "a workflow's catch-all",
      { workflow: 'image', execution: 'arn:x', error: 'E', cause: 'c', event: objectCreated },
      'workflow',
    ],
    [
      "an EventBridge rule target's",
      { rule: 'StartImageWorkflow', targetArn: 'arn:aws:states:::x', event: objectCreated },
      'target',
    ],
    // https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
    ["a pipe's stream batch", streamBatch(), 'stream-batch'],
    // https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
    ["Step Functions' status change of an execution that ended without its catch", timedOut(), 'execution'],
  ])('reads %s, as its body or its JSON text', (_name, body, kind) => {
    expect(readDeadLetter(body)?.kind).toBe(kind)
    expect(readDeadLetter(JSON.stringify(body))?.kind).toBe(kind)
  })

  it.each([
    ['a failure record of no known producer', { error: 'E', cause: 'c' }],
    ['text', 'not json'],
    ['another EventBridge event', objectCreated],
  ])('reads none of the kinds in %s', (_name, body) => {
    expect(readDeadLetter(body)).toBeUndefined()
  })
})

describe('what a dead letter tells', () => {
  it("names a stream batch's shard and sequence range to re-read, since it holds no record", () => {
    expect(streamBatchFacts(streamBatch()).instead).toBe(
      'not redrivable: re-read shard shardId-00000001573689847184-864758bb from sequence number 800000000003126276362 to 800000000003126276370 while the stream keeps them (24 hours from each write: until about 2026-06-02T09:00:04.000Z for the first)',
    )
  })

  it("gives an ended execution's state machine and input, to start it again", () => {
    const facts = executionEndFacts(timedOut())

    expect(facts).toMatchObject({
      reason: 'execution TIMED_OUT: States.Timeout: The execution timed out after 900 seconds',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ImageWorkflowStateMachine',
    })
    expect(Option.getOrUndefined(facts.input)).toMatchObject({ detail: { object: { key: 'uploads/cat.jpg' } } })
  })

  it('has no input to start again with when Step Functions left it out for its size', () => {
    const letter = timedOut()
    const withoutInput = { ...letter, detail: { ...letter.detail, input: null, inputDetails: { included: false } } }

    const facts = executionEndFacts(withoutInput)

    expect(facts.input).toEqual(Option.none())
    expect(facts.reason).toContain('its input was too large to be included')
  })
})
