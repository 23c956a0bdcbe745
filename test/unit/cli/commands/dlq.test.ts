import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { awsEvent } from '../../../support/fixtures'
import { formatTime } from '../../../../cli/format'
import { summarizeDeadLetter as summarizeDeadLetter } from '../../../../contracts/dead-letters'
import { givenStack, inputsOf, mocks, queueUrl, stackOutputs } from '../aws/fake-stack'
import { runLocal } from '../local-target'

// The local target: the stack's dead-letter queues (CloudFormation) read with SQS on the runtime's endpoint, as on AWS.

const failureEvent = {
  version: '0',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  detail: { bucket: { name: 'pipeline-uploads' }, object: { key: 'uploads/cat.jpg', etag: 'abc', size: 2048 } },
}
const at = Date.parse('2024-05-01T12:00:05.000Z')
const message = (id: string, sent: number, body: unknown) => ({
  MessageId: id,
  ReceiptHandle: `receipt-${id}`,
  Body: typeof body === 'string' ? body : JSON.stringify(body),
  Attributes: { SentTimestamp: String(sent), ApproximateReceiveCount: '1' },
})
/** The runtime's address: nothing there answers, as nothing the command asks goes to the runtime's own routes. */
const url = 'http://127.0.0.1:9'

beforeEach(() => {
  givenStack({
    ...stackOutputs,
    DeadLetterQueueUrls: JSON.stringify({
      ImageDeadLetters: queueUrl('ImageDeadLetters'),
      NotifyDeadLetters: queueUrl('NotifyDeadLetters'),
    }),
  })
  mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } })
  mocks.sqs
    .on(GetQueueAttributesCommand, { QueueUrl: queueUrl('ImageDeadLetters') })
    .resolves({ Attributes: { ApproximateNumberOfMessages: '2' } })
  mocks.sqs
    .on(ReceiveMessageCommand, { QueueUrl: queueUrl('ImageDeadLetters') })
    .resolvesOnce({
      Messages: [
        message('m-1', at, {
          workflow: 'image',
          execution: 'x',
          event: failureEvent,
          error: 'States.TaskFailed',
          cause: '{"errorType":"TransientError","errorMessage":"throttled"}',
        }),
        message('m-2', at + 55_000, 'not json at all'),
      ],
    })
    .resolves({ Messages: [] })
})

describe('pipeline dlq', () => {
  it('lists each queue with id, time, key and reason, receiving without consuming', async () => {
    // Act
    const { code, stdout } = await runLocal(['dlq'], url)

    // Assess
    expect(code).toBe(0)
    expect(inputsOf(mocks.sqs.commandCalls(ReceiveMessageCommand))[0]).toMatchObject({
      QueueUrl: queueUrl('ImageDeadLetters'),
      VisibilityTimeout: 0,
    })
    expect(stdout).toBe(
      [
        'ImageDeadLetters: 2 messages',
        'ID   TIME                 KEY              REASON',
        `m-1  ${formatTime('2024-05-01T12:00:05.000Z')}  uploads/cat.jpg  States.TaskFailed: throttled`,
        `m-2  ${formatTime('2024-05-01T12:01:00.000Z')}  -                not json at all`,
        '',
        'NotifyDeadLetters: empty',
        '',
      ].join('\n'),
    )
  })

  it('says so when the stack has no dead-letter queues', async () => {
    givenStack()

    const { code, stdout } = await runLocal(['dlq'], url)

    expect(code).toBe(0)
    expect(stdout).toBe('No dead-letter queues.\n')
  })

  it('prints the queues as JSON with --json', async () => {
    const { code, stdout } = await runLocal(['dlq', '--json'], url)

    expect(code).toBe(0)
    const answer = JSON.parse(stdout) as { queues: Array<{ name: string; messages: Array<{ id: string }> }> }
    expect(answer.queues.map((queue) => [queue.name, queue.messages.map((one) => one.id)])).toEqual([
      ['ImageDeadLetters', ['m-1', 'm-2']],
      ['NotifyDeadLetters', []],
    ])
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
