import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation'
import { PutEventsCommand } from '@aws-sdk/client-eventbridge'
import { StartExecutionCommand } from '@aws-sdk/client-sfn'
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs'
import { queueName } from '../../../../infra/aws/client/stack'
import { formatTime } from '../../../../cli/format'
import { main } from '../../../../cli/main'
import { captureIo } from '../fake-runtime'
import {
  BucketName,
  BusName,
  ImageArn,
  OrderArn,
  givenStack,
  inputsOf,
  mocks,
  queueArn,
  queueUrl,
  resource,
  runAws,
  stackOutputs,
} from './fake-stack'

const s3Event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '123456789012',
  time: '2024-05-01T12:00:00Z',
  region: 'eu-west-1',
  resources: [`arn:aws:s3:::${BucketName}`],
  detail: { bucket: { name: BucketName }, object: { key: 'uploads/cat.jpg', etag: 'abc', size: 2048 } },
}
const orderPlaced = {
  version: '0',
  id: 'e-2',
  'detail-type': 'OrderPlaced',
  source: 'pipeline.orders',
  time: '2024-05-01T12:01:00Z',
  resources: [],
  detail: { orderId: 'ord_1', customerId: 'usr_1' },
}

/** A dead letter as the workflows send it, received at `sent` (epoch ms). */
const deadLetter = (id: string, sent: number, body: unknown): Message => ({
  MessageId: id,
  ReceiptHandle: `receipt-${id}`,
  Body: typeof body === 'string' ? body : JSON.stringify(body),
  Attributes: { SentTimestamp: String(sent), ApproximateReceiveCount: '1' },
})

const at = Date.parse('2024-05-01T12:00:05.000Z')
const queues = ['ImageDeadLetters', 'OrderDeadLetters', 'OrdersQueueDeadLetters']

beforeEach(() => {
  givenStack(undefined, [
    resource('ImageDeadLetters3CF4D147', 'AWS::SQS::Queue', queueUrl('ImageDeadLetters')),
    resource('OrderDeadLetters5A6B7C8D', 'AWS::SQS::Queue', queueUrl('OrderDeadLetters')),
    resource('OrdersQueueDeadLetters9E8D7C6B', 'AWS::SQS::Queue', queueUrl('OrdersQueueDeadLetters')),
    // Not dead-letter queues: the orders queue itself, and a state machine.
    resource('OrdersQueue1A2B3C4D', 'AWS::SQS::Queue', queueUrl('OrdersQueue')),
    resource('ImageWorkflowStateMachine62E1AAF6', 'AWS::StepFunctions::StateMachine', ImageArn),
  ])
  for (const name of queues) {
    mocks.sqs
      .on(GetQueueAttributesCommand, { QueueUrl: queueUrl(name) })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '0', QueueArn: queueArn(name) } })
    mocks.sqs.on(ListDeadLetterSourceQueuesCommand, { QueueUrl: queueUrl(name) }).resolves({ queueUrls: [] })
  }
  mocks.sqs.on(ReceiveMessageCommand).resolves({})
})

const peek = {
  MaxNumberOfMessages: 10,
  VisibilityTimeout: 0,
  WaitTimeSeconds: 1,
  MessageSystemAttributeNames: ['All'],
  MessageAttributeNames: ['All'],
}

describe('pipeline --target aws dlq', () => {
  it('lists each dead-letter queue of the stack without consuming: ReceiveMessage with a visibility timeout of 0', async () => {
    // Prepare: two messages in the image DLQ; a receive answers at most some of them, then the same again.
    mocks.sqs
      .on(GetQueueAttributesCommand, { QueueUrl: queueUrl('ImageDeadLetters') })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '2' } })
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: queueUrl('ImageDeadLetters') })
      .resolvesOnce({ Messages: [deadLetter('m-2', at + 55_000, 'not json at all')] })
      .resolvesOnce({
        Messages: [
          deadLetter('m-2', at + 55_000, 'not json at all'),
          deadLetter('m-1', at, {
            workflow: 'image',
            error: 'States.TaskFailed',
            cause: '{"errorType":"TransientError","errorMessage":"throttled"}',
            event: s3Event,
          }),
        ],
      })
      .resolves({ Messages: [] })

    // Act
    const { code, stdout } = await runAws(['dlq'])

    // Assess: only the queues whose logical id says DeadLetters; the empty ones not received from at all.
    expect(code).toBe(0)
    expect(inputsOf(mocks.sqs.commandCalls(ReceiveMessageCommand))).toEqual([
      { QueueUrl: queueUrl('ImageDeadLetters'), ...peek },
      { QueueUrl: queueUrl('ImageDeadLetters'), ...peek },
    ])
    expect(stdout).toBe(
      [
        'ImageDeadLetters: 2 messages',
        'ID   TIME                 KEY              REASON',
        `m-1  ${formatTime('2024-05-01T12:00:05.000Z')}  uploads/cat.jpg  States.TaskFailed: throttled`,
        `m-2  ${formatTime('2024-05-01T12:01:00.000Z')}  -                not json at all`,
        '',
        'OrderDeadLetters: empty',
        '',
        'OrdersQueueDeadLetters: empty',
        '',
      ].join('\n'),
    )
  })

  it('says how many SQS counts when a queue holds more than it read, and gives URL, count and attributes in --json', async () => {
    mocks.sqs
      .on(GetQueueAttributesCommand, { QueueUrl: queueUrl('OrderDeadLetters') })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '250' } })
    let n = 0
    mocks.sqs.on(ReceiveMessageCommand, { QueueUrl: queueUrl('OrderDeadLetters') }).callsFake(() => ({
      Messages: Array.from({ length: 10 }, () => {
        n += 1
        return {
          ...deadLetter(`m-${n}`, at + n, { workflow: 'order', error: 'E' }),
          MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'X' } },
        }
      }),
    }))

    const text = await runAws(['dlq'])
    n = 0
    const json = await runAws(['dlq', '--json'])

    expect(text.stdout).toContain('OrderDeadLetters: 100 messages shown, of about 250\n')
    const order = (JSON.parse(json.stdout) as { queues: Array<Record<string, unknown>> }).queues.find(
      (queue) => queue.name === 'OrderDeadLetters',
    )
    expect(order).toMatchObject({ url: queueUrl('OrderDeadLetters'), approximateMessages: 250 })
    expect((order?.messages as unknown[])[0]).toEqual({
      id: 'm-1',
      sentAt: new Date(at + 1).toISOString(),
      body: { workflow: 'order', error: 'E' },
      receiveCount: 1,
      attributes: { ERROR_CODE: 'X' },
    })
  })

  it('takes the queues from the DeadLetterQueueUrls output when the stack has it, reading no resources', async () => {
    givenStack({
      ...stackOutputs,
      DeadLetterQueueUrls: JSON.stringify({
        ImageDeadLetters: queueUrl('DeadLettersImageDeadLetters'),
        OrdersQueueDeadLetters: queueUrl('OrdersQueueDeadLetters'),
      }),
    })
    mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } })

    const { code, stdout } = await runAws(['dlq'])

    expect(code).toBe(0)
    expect(mocks.cloudformation.commandCalls(ListStackResourcesCommand)).toHaveLength(0)
    expect(inputsOf(mocks.sqs.commandCalls(GetQueueAttributesCommand)).map((input) => input.QueueUrl)).toEqual([
      queueUrl('DeadLettersImageDeadLetters'),
      queueUrl('OrdersQueueDeadLetters'),
    ])
    expect(stdout).toBe('ImageDeadLetters: empty\n\nOrdersQueueDeadLetters: empty\n')
  })

  it.each([
    ['ImageDeadLetters3CF4D147', 'ImageDeadLetters'],
    ['OrdersQueueDeadLetters9E8D7C6B', 'OrdersQueueDeadLetters'],
    ['DeadLettersImageDeadLetters1A2B3C4D', 'ImageDeadLetters'],
    ['DeadLettersRuleTargetDeadLetters1A2B3C4D', 'RuleTargetDeadLetters'],
    ['OrdersQueueOrdersQueueDeadLetters5E6F7A8B', 'OrdersQueueDeadLetters'],
  ])('names the queue of logical id %s %s, as the local runtime does', (logicalId, name) => {
    expect(queueName(logicalId)).toBe(name)
  })

  it("looks up the URL of a queue whose physical id is not one, and reads every page of the stack's resources", async () => {
    givenStack(undefined, [])
    mocks.cloudformation
      .on(ListStackResourcesCommand, { StackName: 'Pipeline', NextToken: undefined })
      .resolves({ StackResourceSummaries: [], NextToken: 'p2' })
    mocks.cloudformation.on(ListStackResourcesCommand, { StackName: 'Pipeline', NextToken: 'p2' }).resolves({
      StackResourceSummaries: [
        resource('ImageDeadLetters3CF4D147', 'AWS::SQS::Queue', 'Pipeline-ImageDeadLetters-Q1w2E3r4T5y6'),
      ],
    })
    mocks.sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: queueUrl('ImageDeadLetters') })
    mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } })

    const { code, stdout } = await runAws(['dlq'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.sqs.commandCalls(GetQueueUrlCommand))).toEqual([
      { QueueName: 'Pipeline-ImageDeadLetters-Q1w2E3r4T5y6' },
    ])
    expect(inputsOf(mocks.sqs.commandCalls(GetQueueAttributesCommand))).toEqual([
      { QueueUrl: queueUrl('ImageDeadLetters'), AttributeNames: ['ApproximateNumberOfMessages'] },
    ])
    expect(stdout).toBe('ImageDeadLetters: empty\n')
  })
})

describe('pipeline --target aws dlq redrive', () => {
  it("moves a queue's own DLQ back to its source queue with an SQS message move task", async () => {
    // Prepare
    mocks.sqs
      .on(ListDeadLetterSourceQueuesCommand, { QueueUrl: queueUrl('OrdersQueueDeadLetters') })
      .resolves({ queueUrls: [queueUrl('OrdersQueue')] })
    mocks.sqs
      .on(GetQueueAttributesCommand, { QueueUrl: queueUrl('OrdersQueueDeadLetters') })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '3', QueueArn: queueArn('OrdersQueueDeadLetters') } })
    mocks.sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' })

    // Act
    const { code, stdout } = await runAws(['dlq', 'redrive', 'OrdersQueueDeadLetters'])

    // Assess: from the DLQ's ARN, with no destination: SQS sends each message back where it came from.
    expect(code).toBe(0)
    expect(inputsOf(mocks.sqs.commandCalls(StartMessageMoveTaskCommand))).toEqual([
      { SourceArn: queueArn('OrdersQueueDeadLetters') },
    ])
    expect(inputsOf(mocks.sqs.commandCalls(GetQueueAttributesCommand))).toEqual([
      { QueueUrl: queueUrl('OrdersQueueDeadLetters'), AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'] },
    ])
    expect(mocks.sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0)
    expect(stdout).toBe(
      [
        'QUEUE                   STATUS  DETAIL',
        'OrdersQueueDeadLetters  MOVING  about 3 messages moving back to Pipeline-OrdersQueue-Q1w2E3r4T5y6 (SQS message move task)',
        '',
      ].join('\n'),
    )
  })

  it("sends a workflow's dead letters on again: PutEvents of their event, StartExecution for an aws.s3 event, then deletes them", async () => {
    // Prepare: no queue feeds a workflow's DLQ. One dead letter of an upload (aws.s3), one of an order.
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: queueUrl('ImageDeadLetters') })
      .resolvesOnce({
        Messages: [
          deadLetter('m-1', at, { workflow: 'image', execution: 'x', error: 'E', cause: 'C', event: s3Event }),
          deadLetter('m-2', at, { workflow: 'order', execution: 'y', error: 'E', cause: 'C', event: orderPlaced }),
        ],
      })
      .resolves({ Messages: [] })
    mocks.events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'new-1' }] })
    mocks.sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Image:new', startDate: new Date() })
    mocks.sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }, { Id: '1' }], Failed: [] })

    // Act
    const { code, stdout } = await runAws(['dlq', 'redrive', 'imagedeadletters'])

    // Assess: the exact requests.
    expect(code).toBe(0)
    expect(inputsOf(mocks.sqs.commandCalls(ReceiveMessageCommand))[0]).toEqual({
      QueueUrl: queueUrl('ImageDeadLetters'),
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 120,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    })
    expect(inputsOf(mocks.sfn.commandCalls(StartExecutionCommand))).toEqual([
      { stateMachineArn: ImageArn, input: JSON.stringify(s3Event) },
    ])
    expect(inputsOf(mocks.events.commandCalls(PutEventsCommand))).toEqual([
      {
        Entries: [
          {
            EventBusName: BusName,
            Source: 'pipeline.orders',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify(orderPlaced.detail),
          },
        ],
      },
    ])
    expect(inputsOf(mocks.sqs.commandCalls(DeleteMessageBatchCommand))).toEqual([
      {
        QueueUrl: queueUrl('ImageDeadLetters'),
        Entries: [
          { Id: '0', ReceiptHandle: 'receipt-m-1' },
          { Id: '1', ReceiptHandle: 'receipt-m-2' },
        ],
      },
    ])
    expect(mocks.sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0)
    expect(mocks.sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0)
    expect(stdout).toBe(
      [
        'QUEUE             STATUS    DETAIL',
        'ImageDeadLetters  REDRIVEN  1 put on the bus again, 1 started on their workflow again',
        '',
      ].join('\n'),
    )
  })

  it('leaves what it cannot send on in the queue, visible again, says why, and exits 1', async () => {
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: queueUrl('OrderDeadLetters') })
      .resolvesOnce({
        Messages: [
          deadLetter('m-1', at, { workflow: 'order', execution: 'x', error: 'E', cause: 'C', event: orderPlaced }),
          deadLetter('m-2', at, 'raw text'),
        ],
      })
      .resolves({ Messages: [] })
    mocks.events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] })

    const { code, stdout } = await runAws(['dlq', 'redrive', 'OrderDeadLetters'])

    expect(code).toBe(1)
    expect(mocks.sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0)
    expect(inputsOf(mocks.sqs.commandCalls(ChangeMessageVisibilityBatchCommand))).toEqual([
      {
        QueueUrl: queueUrl('OrderDeadLetters'),
        Entries: [
          { Id: '0', ReceiptHandle: 'receipt-m-2', VisibilityTimeout: 0 },
          { Id: '1', ReceiptHandle: 'receipt-m-1', VisibilityTimeout: 0 },
        ],
      },
    ])
    expect(stdout).toBe(
      [
        'QUEUE             STATUS   DETAIL',
        "OrderDeadLetters  PARTIAL  1 failed, 1 not a workflow's dead letter",
        'OrderDeadLetters: m-1 left in the queue: PutEvents: InternalFailure: try again',
        'OrderDeadLetters: m-2 left in the queue: not a workflow dead letter: it carries no event to send again',
        '',
      ].join('\n'),
    )
  })

  it('with --all, redrives each dead-letter queue of the stack in turn', async () => {
    const { code, stdout } = await runAws(['dlq', 'redrive', '--all', '--json'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.sqs.commandCalls(ListDeadLetterSourceQueuesCommand)).map((input) => input.QueueUrl)).toEqual(
      queues.map(queueUrl),
    )
    expect(
      (JSON.parse(stdout) as { results: Array<{ queue: string; status: string }> }).results.map(({ queue, status }) => [
        queue,
        status,
      ]),
    ).toEqual(queues.map((queue) => [queue, 'EMPTY']))
  })

  it('starts the workflow a dead letter names, whichever queue it is in', async () => {
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: queueUrl('OrderDeadLetters') })
      .resolvesOnce({
        Messages: [
          deadLetter('m-1', at, {
            workflow: 'order',
            execution: 'x',
            error: 'E',
            cause: 'C',
            event: { ...s3Event, source: 'aws.s3' },
          }),
        ],
      })
      .resolves({ Messages: [] })
    mocks.sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() })
    mocks.sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] })

    const { code } = await runAws(['dlq', 'redrive', 'OrderDeadLetters'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.sfn.commandCalls(StartExecutionCommand))[0]?.stateMachineArn).toBe(OrderArn)
  })

  it('takes the one queue whose name ends with QUEUE', async () => {
    const { code, stdout } = await runAws(['dlq', 'redrive', 'queuedeadletters'])

    expect(code).toBe(0)
    expect(stdout).toContain('OrdersQueueDeadLetters  EMPTY')
  })

  it("exits 1 naming the stack's dead-letter queues for an unknown QUEUE", async () => {
    const { code, stderr } = await runAws(['dlq', 'redrive', 'Nope'])

    expect(code).toBe(1)
    expect(stderr).toBe(
      'pipeline dlq redrive: no dead-letter queue Nope in stack Pipeline (queues: ImageDeadLetters, OrderDeadLetters, OrdersQueueDeadLetters)\n',
    )
  })

  it.each([
    { argv: ['dlq', 'redrive'], message: 'name a QUEUE, or pass --all for every dead-letter queue' },
    { argv: ['dlq', 'redrive', 'ImageDeadLetters', '--all'], message: 'give a QUEUE or --all, not both' },
  ])('exits 2 on $argv', async ({ argv, message }) => {
    const { code, stderr } = await runAws(argv)

    expect(code).toBe(2)
    expect(stderr).toContain(`pipeline dlq redrive: ${message}`)
    expect(mocks.sqs.send.callCount).toBe(0)
  })

  it('on the local target asks the local runtime, not AWS: exit 3 when it is not running, nothing sent to SQS', async () => {
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(['dlq', 'redrive', 'ImageDeadLetters'], io)

    expect(code).toBe(3)
    expect(stdout()).toBe('')
    expect(stderr()).toMatch(/^pipeline dlq redrive: cannot reach the pipeline runtime at http:\/\/127\.0\.0\.1:9/)
    expect(mocks.sqs.send.callCount).toBe(0)
  })
})
