import { awsEvent } from '../../../../support/fixtures'
import { startPipeline, type RunningPipeline } from '../../../../support/pipeline'

let pipeline: RunningPipeline

beforeAll(async () => {
  pipeline = await startPipeline()
}, 60_000)

afterAll(() => pipeline.close())

describe("a pipe's dead letter for a stream batch", () => {
  // https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html and
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html: the DLQ gets the
  // batch's place in the stream (shard, sequence numbers), never its records, which the stream keeps 24 hours.
  it('is listed with why it is there and what to do instead of a redrive', () => {
    // Prepare
    const { deadLetters, queues } = pipeline.runtime
    queues.send('PipeDeadLetters', JSON.stringify(awsEvent('pipes/dynamodb-batch-dead-letter.json')))

    // Act
    const listed = deadLetters.list().find((queue) => queue.name === 'PipeDeadLetters')?.messages[0]

    // Assess
    expect(listed?.reason).toMatch(/^RetryAttemptsExhausted after 4 attempt\(s\) on 3 stream record\(s\)/)
    expect(listed?.origin).toBe(
      'not redrivable: re-read shard shardId-00000001573689847184-864758bb from sequence number 800000000003126276362 to 800000000003126276370 while the stream keeps them (24 hours from each write: until about 2026-06-02T09:00:04.000Z for the first)',
    )
  })

  it('refuses a redrive, saying what can be done, and stays in the queue', () => {
    const { deadLetters } = pipeline.runtime
    const [letter] = deadLetters.list().find((queue) => queue.name === 'PipeDeadLetters')!.messages

    const outcome = deadLetters.redrive('PipeDeadLetters', [letter!.id])

    expect(outcome).toEqual({
      queue: 'PipeDeadLetters',
      redriven: 0,
      failed: [{ id: letter!.id, reason: expect.stringMatching(/^not redrivable: re-read shard /) as string }],
    })
    expect(deadLetters.list().find((queue) => queue.name === 'PipeDeadLetters')?.depth).toBe(1)
  })
})
