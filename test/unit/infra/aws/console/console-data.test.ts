import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { ScanCommand } from '@aws-sdk/client-dynamodb'
import { DescribeArchiveCommand, DescribeReplayCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge'
import { GetObjectCommand, PutObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3'
import { StartExecutionCommand } from '@aws-sdk/client-sfn'
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs'
import { marshall } from '@aws-sdk/util-dynamodb'
import { AwsConsoleData } from '../../../../../infra/aws/console/console-data'
import { consoleContext } from '../../../../../infra/aws/console/context'
import { PeekVisibilitySeconds } from '../../../../../infra/aws/console/dead-letters'
import {
  ArchiveArn,
  BucketName,
  BusArn,
  ImageArn,
  ImagesTable,
  OrderArn,
  Region,
  StackName,
  consoleData,
  consoleMocks,
  givenConsoleStack,
  inputsOf,
  mocks,
  queueUrl,
  refusal,
} from './fake-console-stack'

const s3Event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  time: '2024-05-01T12:00:00Z',
  resources: [],
  detail: { object: { key: 'uploads/cat.jpg', etag: 'abc' } },
}
const sent = Date.parse('2024-05-01T12:00:05.000Z')
const message = (id: string, body: unknown, attributes: Message['MessageAttributes'] = undefined): Message => ({
  MessageId: id,
  ReceiptHandle: `receipt-${id}`,
  Body: typeof body === 'string' ? body : JSON.stringify(body),
  Attributes: { SentTimestamp: String(sent) },
  ...(attributes ? { MessageAttributes: attributes } : {}),
})
const imageDlq = queueUrl('ImageDeadLetters')
const ordersDlq = queueUrl('OrdersQueueDeadLetters')

beforeEach(() => {
  givenConsoleStack()
  for (const url of [imageDlq, ordersDlq])
    mocks.sqs
      .on(GetQueueAttributesCommand, { QueueUrl: url })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '0' } })
  mocks.sqs.on(ListDeadLetterSourceQueuesCommand, { QueueUrl: imageDlq }).resolves({ queueUrls: [] })
  mocks.sqs
    .on(ListDeadLetterSourceQueuesCommand, { QueueUrl: ordersDlq })
    .resolves({ queueUrls: [queueUrl('OrdersQueue')] })
  mocks.sqs.on(ReceiveMessageCommand).resolves({})
  mocks.sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] })
})

describe('AWS console: dead letters', () => {
  it('peeks with a short visibility, shows why and where from, and makes every message visible again at once', async () => {
    // Prepare: two workflow dead letters, received over two receives (hidden ones do not come again).
    mocks.sqs
      .on(GetQueueAttributesCommand, { QueueUrl: imageDlq })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '2' } })
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: imageDlq })
      .resolvesOnce({
        Messages: [
          message('m-1', {
            workflow: 'image',
            execution: 'x',
            error: 'UnsupportedImage',
            cause: 'not an image',
            event: s3Event,
          }),
        ],
      })
      .resolvesOnce({
        Messages: [
          message('m-2', { workflow: 'image', execution: 'y', error: 'States.TaskFailed', cause: 'C', event: s3Event }),
        ],
      })

    // Act
    const queues = await consoleData().deadLetters()

    // Assess
    expect(queues.map((queue) => [queue.name, queue.depth, queue.messages.length])).toEqual([
      ['ImageDeadLetters', 2, 2],
      ['OrdersQueueDeadLetters', 0, 0],
    ])
    expect(queues[0]?.messages[0]).toEqual({
      id: 'm-1',
      sentAt: new Date(sent).toISOString(),
      reason: 'UnsupportedImage: not an image',
      origin: 'ImageWorkflow',
      body: { workflow: 'image', execution: 'x', error: 'UnsupportedImage', cause: 'not an image', event: s3Event },
    })
    expect(inputsOf(mocks.sqs.commandCalls(ReceiveMessageCommand))).toEqual(
      [1, 2].map(() => ({
        QueueUrl: imageDlq,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: PeekVisibilitySeconds,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      })),
    )
    expect(inputsOf(mocks.sqs.commandCalls(ChangeMessageVisibilityBatchCommand))).toEqual([
      {
        QueueUrl: imageDlq,
        Entries: [
          { Id: '0', ReceiptHandle: 'receipt-m-1', VisibilityTimeout: 0 },
          { Id: '1', ReceiptHandle: 'receipt-m-2', VisibilityTimeout: 0 },
        ],
      },
    ])
  })

  it("names a rule target's failure from the attributes EventBridge adds", async () => {
    mocks.sqs
      .on(GetQueueAttributesCommand, { QueueUrl: imageDlq })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '1' } })
    mocks.sqs.on(ReceiveMessageCommand, { QueueUrl: imageDlq }).resolvesOnce({
      Messages: [
        message('m-9', s3Event, {
          ERROR_CODE: { DataType: 'String', StringValue: 'SDKClientException' },
          ERROR_MESSAGE: { DataType: 'String', StringValue: 'throttled' },
          RULE_ARN: { DataType: 'String', StringValue: 'arn:aws:events:eu-west-1:1:rule/pipeline/StartImage' },
        }),
      ],
    })

    const [queue] = await consoleData().deadLetters()

    expect(queue?.messages[0]).toMatchObject({ reason: 'SDKClientException: throttled', origin: 'rule StartImage' })
  })

  it("redrives the picked messages of a workflow's queue: the upload event starts its workflow again, the others stay", async () => {
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: imageDlq })
      .resolvesOnce({
        Messages: [
          message('m-1', { workflow: 'image', execution: 'x', error: 'E', cause: 'C', event: s3Event }),
          message('m-2', { workflow: 'image', execution: 'y', error: 'E', cause: 'C', event: s3Event }),
        ],
      })
      .resolves({})
    mocks.sfn.on(StartExecutionCommand).resolves({ executionArn: `${ImageArn}:x`, startDate: new Date() })
    mocks.sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] })

    const outcome = await consoleData().redriveDeadLetters('ImageDeadLetters', ['m-1', 'gone'])

    expect(outcome).toEqual({
      queue: 'ImageDeadLetters',
      redriven: 1,
      failed: [{ id: 'gone', reason: 'not in the queue (already redriven or deleted?)' }],
    })
    expect(inputsOf(mocks.sfn.commandCalls(StartExecutionCommand))).toEqual([
      { stateMachineArn: ImageArn, input: JSON.stringify(s3Event) },
    ])
    expect(inputsOf(mocks.sqs.commandCalls(DeleteMessageBatchCommand))).toEqual([
      { QueueUrl: imageDlq, Entries: [{ Id: '0', ReceiptHandle: 'receipt-m-1' }] },
    ])
    // m-2 was not picked: it is made visible again.
    expect(inputsOf(mocks.sqs.commandCalls(ChangeMessageVisibilityBatchCommand))).toEqual([
      { QueueUrl: imageDlq, Entries: [{ Id: '0', ReceiptHandle: 'receipt-m-2', VisibilityTimeout: 0 }] },
    ])
  })

  it("sends a picked message of a queue's own DLQ back to its source queue, then deletes it here", async () => {
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: ordersDlq })
      .resolvesOnce({ Messages: [message('q-1', { orderId: 'ord_1' })] })
      .resolves({})
    mocks.sqs.on(SendMessageCommand).resolves({ MessageId: 'new-1' })
    mocks.sqs.on(DeleteMessageCommand).resolves({})

    const outcome = await consoleData().redriveDeadLetters('OrdersQueueDeadLetters', ['q-1'])

    expect(outcome).toEqual({ queue: 'OrdersQueueDeadLetters', redriven: 1, failed: [] })
    expect(inputsOf(mocks.sqs.commandCalls(SendMessageCommand))).toEqual([
      { QueueUrl: queueUrl('OrdersQueue'), MessageBody: '{"orderId":"ord_1"}' },
    ])
    expect(inputsOf(mocks.sqs.commandCalls(DeleteMessageCommand))).toEqual([
      { QueueUrl: ordersDlq, ReceiptHandle: 'receipt-q-1' },
    ])
  })

  it('deletes one message by its receipt, found by receiving; 404 when it never comes', async () => {
    mocks.sqs
      .on(ReceiveMessageCommand, { QueueUrl: imageDlq })
      .resolvesOnce({ Messages: [message('m-1', 'x'), message('m-2', 'y')] })
      .resolves({})
    mocks.sqs.on(DeleteMessageCommand).resolves({})
    const data = consoleData()

    await data.deleteDeadLetter('ImageDeadLetters', 'm-2')
    const error = await refusal(data.deleteDeadLetter('ImageDeadLetters', 'm-7'))

    expect(inputsOf(mocks.sqs.commandCalls(DeleteMessageCommand))).toEqual([
      { QueueUrl: imageDlq, ReceiptHandle: 'receipt-m-2' },
    ])
    expect(inputsOf(mocks.sqs.commandCalls(ChangeMessageVisibilityBatchCommand))[0]).toEqual({
      QueueUrl: imageDlq,
      Entries: [{ Id: '0', ReceiptHandle: 'receipt-m-1', VisibilityTimeout: 0 }],
    })
    expect([error.status, error.code]).toEqual([404, 'MessageNotFound'])
  })

  it('answers 404 for a queue the stack does not have', async () => {
    const error = await refusal(consoleData().redriveDeadLetters('NoSuchDeadLetters'))

    expect(error.status).toBe(404)
    expect(error.message).toContain('ImageDeadLetters, OrdersQueueDeadLetters')
  })
})

describe('AWS console: events and replays', () => {
  it('answers 501 for archived events: EventBridge cannot list them', async () => {
    const error = await refusal(consoleData().events({}))

    expect([error.status, error.code]).toEqual([501, 'ArchivedEventsNotListed'])
    expect(error.message).toMatch(/no API to list/)
  })

  it('starts a replay of the archive to its bus, and tells its progress by the last event re-delivered', async () => {
    mocks.events.on(DescribeArchiveCommand).resolves({ ArchiveArn, EventSourceArn: BusArn })
    mocks.events.on(StartReplayCommand).resolves({ State: 'STARTING', ReplayArn: 'arn:r' })
    mocks.events.on(DescribeReplayCommand).resolves({
      ReplayName: 'fix-1',
      State: 'RUNNING',
      EventSourceArn: ArchiveArn,
      EventStartTime: new Date('2024-05-01T10:00:00Z'),
      EventEndTime: new Date('2024-05-01T12:00:00Z'),
      EventLastReplayedTime: new Date('2024-05-01T10:30:00Z'),
      ReplayStartTime: new Date('2024-05-01T12:30:00Z'),
    })
    const data = consoleData()

    const started = await data.startReplay({ from: '2024-05-01T10:00:00Z', to: '2024-05-01T12:00:00Z', name: 'fix-1' })
    const running = await data.replay('fix-1')

    expect(inputsOf(mocks.events.commandCalls(StartReplayCommand))).toEqual([
      {
        ReplayName: 'fix-1',
        EventSourceArn: ArchiveArn,
        EventStartTime: new Date('2024-05-01T10:00:00Z'),
        EventEndTime: new Date('2024-05-01T12:00:00Z'),
        Destination: { Arn: BusArn },
      },
    ])
    expect(started).toEqual({
      name: 'fix-1',
      state: 'STARTING',
      from: '2024-05-01T10:00:00.000Z',
      to: '2024-05-01T12:00:00.000Z',
      progress: 0,
    })
    expect(running).toEqual({
      name: 'fix-1',
      state: 'RUNNING',
      from: '2024-05-01T10:00:00.000Z',
      to: '2024-05-01T12:00:00.000Z',
      progress: 0.25,
    })
  })

  it('ends a replay asked to run into the future at now: nothing later is archived', async () => {
    mocks.events.on(DescribeArchiveCommand).resolves({ ArchiveArn, EventSourceArn: BusArn })
    mocks.events.on(StartReplayCommand).resolves({ State: 'STARTING' })

    const started = await consoleData(Date.parse('2024-05-01T13:00:00.000Z')).startReplay({
      from: '2024-05-01T12:00:00Z',
      to: '2024-05-02T00:00:00Z',
    })

    expect(started.to).toBe('2024-05-01T13:00:00.000Z')
    expect(inputsOf(mocks.events.commandCalls(StartReplayCommand))[0]?.EventEndTime).toEqual(
      new Date('2024-05-01T13:00:00.000Z'),
    )
  })

  it.each([
    ['from', { from: 'soon', to: '2024-05-01T12:00:00Z' }],
    ['from', { from: '2024-05-01T12:00:00Z', to: '2024-05-01T11:00:00Z' }],
    ['from', { from: '2030-01-01T00:00:00Z', to: '2030-01-01T01:00:00Z' }],
    ['to', { from: '2024-05-01T12:00:00Z', to: 'later' }],
    ['name', { from: '2024-05-01T10:00:00Z', to: '2024-05-01T11:00:00Z', name: 'has spaces' }],
  ])('refuses a replay with a bad %s, starting nothing', async (field, request) => {
    const error = await refusal(consoleData().startReplay(request))

    expect(error.status).toBe(400)
    expect(error.message).toMatch(new RegExp(`^${field}: `))
    expect(mocks.events.commandCalls(StartReplayCommand)).toHaveLength(0)
  })
})

describe('AWS console: metrics', () => {
  it("asks CloudWatch for each step's Lambda metrics and cold starts, and each workflow's executions per minute", async () => {
    // Prepare: a 3-minute window; CloudWatch answers some of the queries.
    consoleMocks.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'invocations1', Timestamps: [new Date('2024-05-01T12:00:00Z')], Values: [40] },
        { Id: 'errors1', Timestamps: [new Date('2024-05-01T12:00:00Z')], Values: [2] },
        { Id: 'p99_1', Timestamps: [new Date('2024-05-01T12:00:00Z')], Values: [812.5] },
        { Id: 'coldstarts1', Timestamps: [new Date('2024-05-01T12:00:00Z')], Values: [3] },
        {
          Id: 'succeeded0',
          Timestamps: [new Date('2024-05-01T12:00:00Z'), new Date('2024-05-01T12:02:00Z')],
          Values: [5, 1],
        },
        { Id: 'failed0', Timestamps: [new Date('2024-05-01T12:02:00Z')], Values: [2] },
      ],
    })

    // Act
    const view = await consoleData().metrics({ from: '2024-05-01T12:00:00Z', to: '2024-05-01T12:03:00Z' })

    // Assess: the queries, by namespace, dimension and period.
    const [call] = inputsOf(consoleMocks.cloudwatch.commandCalls(GetMetricDataCommand))
    const queries = call?.MetricDataQueries ?? []
    expect(call).toMatchObject({
      StartTime: new Date('2024-05-01T12:00:00Z'),
      EndTime: new Date('2024-05-01T12:03:00Z'),
      ScanBy: 'TimestampAscending',
    })
    expect(queries.find((query) => query.Id === 'p95_1')?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: 'Pipeline-ValidateFn-AAA' }],
      },
      Period: 180,
      Stat: 'p95',
    })
    expect(queries.find((query) => query.Id === 'coldstarts1')?.MetricStat).toEqual({
      Metric: {
        Namespace: 'Pipeline',
        MetricName: 'ColdStart',
        Dimensions: [{ Name: 'service', Value: 'validate-image' }],
      },
      Period: 180,
      Stat: 'Sum',
    })
    expect(queries.find((query) => query.Id === 'failed1')?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: OrderArn }],
      },
      Period: 60,
      Stat: 'Sum',
    })
    expect(queries).toHaveLength(2 * 6 + 2 * 2)
    // The answers, per step (sorted by name) and per workflow.
    // resize-image did not run in the window: it is left out.
    expect(view.steps).toEqual([{ step: 'validate-image', invocations: 40, errors: 2, coldStarts: 3, p99Ms: 812.5 }])
    expect(view.workflows[0]).toEqual({
      workflow: 'ImageWorkflow',
      succeeded: 6,
      failed: 2,
      successRate: 0.75,
      series: [
        { start: '2024-05-01T12:00:00.000Z', succeeded: 5, failed: 0 },
        { start: '2024-05-01T12:01:00.000Z', succeeded: 0, failed: 0 },
        { start: '2024-05-01T12:02:00.000Z', succeeded: 1, failed: 2 },
      ],
    })
    expect(view.workflows[1]).toEqual(expect.not.objectContaining({ successRate: expect.anything() }))
  })

  it('reuses an answer for the same window for 30 seconds: GetMetricData is billed per metric asked', async () => {
    consoleMocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] })
    let clock = Date.parse('2024-05-01T13:00:00.000Z')
    const data = new AwsConsoleData(consoleContext({ stack: StackName, region: Region, now: () => clock }))

    const first = await data.metrics({})
    clock += 29_000
    const again = await data.metrics({})
    clock += 1_000
    const later = await data.metrics({})

    expect(again).toBe(first)
    expect(later.to).toBe('2024-05-01T13:00:30.000Z')
    expect(consoleMocks.cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2)
  })

  it('refuses a window that ends before it starts', async () => {
    const error = await refusal(consoleData().metrics({ from: '2024-05-01T12:00:00Z', to: '2024-05-01T11:00:00Z' }))

    expect(error.message).toBe('from: must be before to')
  })
})

describe('AWS console: images and uploads', () => {
  it('scans the image table a page at a time, with thumbnails served through the console', async () => {
    const record = {
      key: 'uploads/cat.jpg',
      bucket: BucketName,
      etag: 'e',
      status: 'PROCESSED',
      size: 10,
      renditions: [
        {
          name: 'thumbnail',
          key: 'thumbnails/cat.jpg/thumbnail.jpeg',
          format: 'jpeg',
          width: 200,
          height: 150,
          bytes: 900,
        },
      ],
      createdAt: '2024-05-01T12:00:00Z',
      updatedAt: '2024-05-01T12:00:01Z',
    }
    consoleMocks.dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [marshall(record)], LastEvaluatedKey: marshall({ key: 'uploads/cat.jpg' }) })
      .resolvesOnce({ Items: [] })
    const data = consoleData()

    const first = await data.images({ limit: 1 })
    const second = await data.images({ limit: 1, ...(first.next ? { cursor: first.next } : {}) })

    expect(first.items).toEqual([
      {
        key: 'uploads/cat.jpg',
        status: 'PROCESSED',
        thumbnails: [{ rendition: 'thumbnail', url: '/console/aws/objects/thumbnails/cat.jpg/thumbnail.jpeg' }],
        updatedAt: '2024-05-01T12:00:01Z',
      },
    ])
    expect(second).toEqual({ items: [] })
    expect(inputsOf(consoleMocks.dynamodb.commandCalls(ScanCommand))).toEqual([
      { TableName: ImagesTable, Limit: 1 },
      { TableName: ImagesTable, Limit: 1, ExclusiveStartKey: marshall({ key: 'uploads/cat.jpg' }) },
    ])
  })

  it('reads a rendition from the bucket, and serves nothing outside the renditions', async () => {
    // The SDK's body stream, as far as the console reads it.
    const body = {
      transformToByteArray: async () => new Uint8Array(Buffer.from('jpeg!')),
    } as unknown as GetObjectCommandOutput['Body']
    mocks.s3.on(GetObjectCommand).resolves({ Body: body, ContentType: 'image/jpeg' })
    const data = consoleData()

    const rendition = await data.imageStore.rendition('thumbnails/cat.jpg/thumbnail.jpeg')
    const outside = await refusal(data.imageStore.rendition('uploads/secret.jpg'))

    expect([Buffer.from(rendition.body).toString(), rendition.contentType]).toEqual(['jpeg!', 'image/jpeg'])
    expect(inputsOf(mocks.s3.commandCalls(GetObjectCommand))).toEqual([
      { Bucket: BucketName, Key: 'thumbnails/cat.jpg/thumbnail.jpeg' },
    ])
    expect(outside.status).toBe(404)
  })

  it("puts an upload under uploads/ in the stack's bucket", async () => {
    mocks.s3.on(PutObjectCommand).resolves({ ETag: '"abc"' })
    const body = new Uint8Array([1, 2, 3])

    const result = await consoleData().upload('cats/cat.jpg', body, 'image/jpeg')

    expect(result).toEqual({ bucket: BucketName, key: 'uploads/cats/cat.jpg', etag: '"abc"', size: 3 })
    expect(inputsOf(mocks.s3.commandCalls(PutObjectCommand))).toEqual([
      { Bucket: BucketName, Key: 'uploads/cats/cat.jpg', Body: body, ContentType: 'image/jpeg' },
    ])
  })

  it.each(['../etc/passwd', 'a//b', '/abs', ''])('refuses the upload key %j with 400, sending nothing', async (key) => {
    const error = await refusal(consoleData().upload(key, new Uint8Array([1])))

    expect(error.status).toBe(400)
    expect(error.message).toMatch(/^key: /)
    expect(mocks.s3.commandCalls(PutObjectCommand)).toHaveLength(0)
  })
})
