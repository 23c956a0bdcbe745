import { awsEvent } from '../../../support/fixtures'
import { main } from '../../../../cli/main'
import { formatTime } from '../../../../cli/format'
import { captureIo, startFakeRuntime, type FakeRuntime } from '../fake-runtime'
import { summarizeDeadLetter as summarizeDeadLetter } from '../../../../contracts/dead-letters'

const failureEvent = {
  version: '0',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  detail: { bucket: { name: 'pipeline-uploads' }, object: { key: 'uploads/cat.jpg', etag: 'abc', size: 2048 } },
}

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

describe('pipeline dlq', () => {
  it('lists each queue with id, time, key and reason', async () => {
    // Prepare
    runtime = await startFakeRuntime({
      queues: [
        {
          name: 'image-workflow-dlq',
          messages: [
            {
              id: 'm-1',
              sentAt: '2024-05-01T12:00:05.000Z',
              body: {
                event: failureEvent,
                error: 'States.TaskFailed',
                cause: '{"errorType":"TransientError","errorMessage":"throttled"}',
              },
            },
            { id: 'm-2', sentAt: '2024-05-01T12:01:00.000Z', body: 'not json at all' },
          ],
        },
        { name: 'notify-dlq', messages: [] },
      ],
    })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['dlq'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe(
      [
        'image-workflow-dlq: 2 messages',
        'ID   TIME                 KEY              REASON',
        `m-1  ${formatTime('2024-05-01T12:00:05.000Z')}  uploads/cat.jpg  States.TaskFailed: throttled`,
        `m-2  ${formatTime('2024-05-01T12:01:00.000Z')}  -                not json at all`,
        '',
        'notify-dlq: empty',
        '',
      ].join('\n'),
    )
  })

  it('says so when there are no queues', async () => {
    runtime = await startFakeRuntime({ queues: [] })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['dlq'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No dead-letter queues.\n')
  })

  it("prints the server's JSON with --json", async () => {
    const queues = [{ name: 'q', messages: [{ id: 'm-1', sentAt: '2024-05-01T12:00:05.000Z', body: { error: 'E' } }] }]
    runtime = await startFakeRuntime({ queues })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    await main(['dlq', '--json'], io)

    expect(JSON.parse(stdout())).toEqual({ queues })
  })
})

describe('summarizeDeadLetter', () => {
  it.each([
    {
      name: 'a failure record',
      body: { key: 'uploads/a.jpg', error: 'UnsupportedImage', cause: 'not an image' },
      expected: { key: 'uploads/a.jpg', reason: 'UnsupportedImage: not an image' },
    },
    {
      name: "Step Functions' Error and Cause",
      body: { Error: 'States.Timeout', Cause: 'took too long', input: failureEvent },
      expected: { key: 'uploads/cat.jpg', reason: 'States.Timeout: took too long' },
    },
    {
      name: "a catch's nested error",
      body: { event: failureEvent, error: { Error: 'CorruptImage', Cause: '{"errorMessage":"truncated"}' } },
      expected: { key: 'uploads/cat.jpg', reason: 'CorruptImage: truncated' },
    },
    {
      name: "Lambda's error JSON",
      body: { errorType: 'TypeError', errorMessage: 'x is undefined' },
      expected: { reason: 'TypeError: x is undefined' },
    },
    {
      name: 'a body that is a JSON string',
      body: JSON.stringify({ detail: { object: { key: 'uploads/b.png' } }, error: 'E' }),
      expected: { key: 'uploads/b.png', reason: 'E' },
    },
    { name: 'an EventBridge event with no error', body: failureEvent, expected: { key: 'uploads/cat.jpg' } },
    {
      // https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html: a Standard execution's timeout reaches no Catch
      name: "Step Functions' status change of a timed-out execution",
      body: awsEvent('states/execution-timed-out.json'),
      expected: {
        key: 'uploads/cat.jpg',
        reason: 'execution TIMED_OUT: States.Timeout: The execution timed out after 900 seconds',
      },
    },
    {
      // https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html: a stream batch's place, not its records
      name: "a pipe's stream batch metadata",
      body: awsEvent('pipes/dynamodb-batch-dead-letter.json'),
      expected: {
        reason:
          'RetryAttemptsExhausted after 4 attempt(s) on 3 stream record(s) of arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-06-01T00:04:06.388; the message says where they are in the stream, not what they hold; not redrivable: re-read shard shardId-00000001573689847184-864758bb from sequence number 800000000003126276362 to 800000000003126276370 while the stream keeps them (24 hours from each write: until about 2026-06-02T09:00:04.000Z for the first)',
      },
    },
  ])('reads $name', ({ body, expected }) => {
    expect(summarizeDeadLetter({ body })).toEqual(expected)
  })
})
