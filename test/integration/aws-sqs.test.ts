import { createHash } from 'node:crypto'
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  paginateListQueues,
} from '@aws-sdk/client-sqs'
import { awsJson, awsQuery, endpointConfig, xmlText } from '../support/aws-endpoint'
import { getJson, settle, startPipeline, type RunningPipeline } from '../support/pipeline'

/*
 * SQS on the local endpoint, driven by @aws-sdk/client-sqs as an application would drive SQS. Each test names the
 * page of the SQS API reference it checks (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/).
 */
const ApiReference = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference'

let pipeline: RunningPipeline
let sqs: SQSClient
const urlOf = async (QueueName: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl!
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex')

/** The SDK's error for a request, or fails the test when the request succeeds. */
const refusal = async (request: Promise<unknown>) => {
  try {
    await request
  } catch (error) {
    return error as Error & { Code?: string; $metadata: { httpStatusCode?: number } }
  }
  throw new Error('the request was expected to fail')
}

beforeAll(async () => {
  pipeline = await startPipeline({ queueVisibilityMs: 30 })
  sqs = new SQSClient(endpointConfig(pipeline.url))
})
afterAll(async () => {
  sqs.destroy()
  await pipeline.close()
})

describe('queues', () => {
  it(`answers GetQueueUrl with a URL on this endpoint that every operation takes (${ApiReference}/API_GetQueueUrl.html)`, async () => {
    const url = await urlOf('OrdersQueue')

    expect(url).toBe(`${pipeline.url}/000000000000/OrdersQueue`)
    // The template's own URL form, and AWS's, name the same queue.
    for (const QueueUrl of [
      url,
      'http://sqs.us-east-1.localhost/000000000000/OrdersQueue',
      'https://sqs.us-east-1.amazonaws.com/000000000000/OrdersQueue',
    ]) {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))
      expect(Attributes).toEqual({ QueueArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueue' })
    }
  })

  it(`lists queues by prefix, a page at a time, the token round-tripping (${ApiReference}/API_ListQueues.html)`, async () => {
    const all = (await sqs.send(new ListQueuesCommand({}))).QueueUrls!
    const pages: string[][] = []
    for await (const page of paginateListQueues({ client: sqs, pageSize: 3 }, { QueueNamePrefix: '' }))
      pages.push(page.QueueUrls ?? [])
    const byPrefix = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'Orders' }))).QueueUrls

    expect(all.length).toBeGreaterThanOrEqual(8)
    expect(pages.flat()).toEqual([...all].sort())
    expect(pages.every((page) => page.length <= 3)).toBe(true)
    expect(byPrefix).toEqual([
      `${pipeline.url}/000000000000/OrdersQueue`,
      `${pipeline.url}/000000000000/OrdersQueueDeadLetters`,
    ])
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'Nothing' }))).QueueUrls).toBeUndefined()
  })

  it(`answers GetQueueAttributes with All and with named attributes (${ApiReference}/API_GetQueueAttributes.html)`, async () => {
    const QueueUrl = await urlOf('OrdersQueue')
    const all = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!
    const named = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }),
      )
    ).Attributes

    expect(all).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueue',
      VisibilityTimeout: '180',
      MessageRetentionPeriod: '345600',
      MaximumMessageSize: '1048576',
      ApproximateNumberOfMessages: expect.stringMatching(/^\d+$/),
      ApproximateNumberOfMessagesNotVisible: expect.stringMatching(/^\d+$/),
      ApproximateNumberOfMessagesDelayed: '0',
      SqsManagedSseEnabled: 'true',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
    })
    // Timestamps in epoch seconds, as SQS gives them.
    expect(Math.abs(Number(all.CreatedTimestamp) - Date.now() / 1000)).toBeLessThan(600)
    expect(named).toEqual({
      VisibilityTimeout: '180',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueueDeadLetters',
        maxReceiveCount: 3,
      }),
    })
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl }))).Attributes).toBeUndefined()
  })

  it(`names the queues whose redrive policy targets a dead-letter queue (${ApiReference}/API_ListDeadLetterSourceQueues.html)`, async () => {
    const answer = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: await urlOf('OrdersQueueDeadLetters') }),
    )
    expect(answer.queueUrls).toEqual([`${pipeline.url}/000000000000/OrdersQueue`])
  })
})

describe('messages', () => {
  it(`sends a message with attributes and receives it with its MD5s and system attributes (${ApiReference}/API_SendMessage.html, ${ApiReference}/API_ReceiveMessage.html)`, async () => {
    const QueueUrl = await urlOf('ChangeDeadLetters')
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'héllo',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'greeting' },
          count: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    )
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    )
    const message = received.Messages![0]!

    expect(sent.MD5OfMessageBody).toBe(md5('héllo'))
    // SQS's digest of the attributes (sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation), computed here from its definition.
    const lengthPrefixed = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes])
    const attributeDigest = createHash('md5')
      .update(
        Buffer.concat([
          lengthPrefixed(Buffer.from('blob')),
          lengthPrefixed(Buffer.from('Binary')),
          Buffer.from([2]),
          lengthPrefixed(Buffer.from([1, 2, 3])),
          lengthPrefixed(Buffer.from('count')),
          lengthPrefixed(Buffer.from('Number')),
          Buffer.from([1]),
          lengthPrefixed(Buffer.from('3')),
          lengthPrefixed(Buffer.from('kind')),
          lengthPrefixed(Buffer.from('String')),
          Buffer.from([1]),
          lengthPrefixed(Buffer.from('greeting')),
        ]),
      )
      .digest('hex')
    expect(sent.MD5OfMessageAttributes).toBe(attributeDigest)
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'héllo',
      MD5OfBody: md5('héllo'),
      MD5OfMessageAttributes: attributeDigest,
      Attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d{13}$/) },
    })
    expect(message.MessageAttributes!.kind).toEqual({ DataType: 'String', StringValue: 'greeting' })
    expect(Buffer.from(message.MessageAttributes!.blob!.BinaryValue!)).toEqual(Buffer.from([1, 2, 3]))

    // In flight for the 60 seconds asked for, then deleted by its receipt handle.
    const counts = async () =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes
    expect(await counts()).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' })
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }))
    expect(await counts()).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' })
  })

  it(`answers a batch entry by entry: each id in Successful or Failed (${ApiReference}/API_SendMessageBatch.html, ${ApiReference}/API_DeleteMessageBatch.html)`, async () => {
    const QueueUrl = await urlOf('ImportDeadLetters')
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'first', MessageBody: 'one' },
          { Id: 'bad-chars', MessageBody: 'two\u0000' },
          { Id: 'third', MessageBody: 'three' },
        ],
      }),
    )
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    )
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          ...received.Messages!.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle! })),
          { Id: 'made-up', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    )

    expect(sent.Successful!.map((entry) => [entry.Id, entry.MD5OfMessageBody])).toEqual([
      ['first', md5('one')],
      ['third', md5('three')],
    ])
    expect(sent.Failed).toEqual([
      {
        Id: 'bad-chars',
        SenderFault: true,
        Code: 'InvalidMessageContents',
        Message: expect.stringMatching(/Invalid characters found/),
      },
    ])
    expect(received.Messages!.map((message) => message.Body).sort()).toEqual(['one', 'three'])
    expect(deleted.Successful!.map((entry) => entry.Id)).toEqual(['m0', 'm1'])
    expect(deleted.Failed).toEqual([
      {
        Id: 'made-up',
        SenderFault: true,
        Code: 'ReceiptHandleIsInvalid',
        Message: 'The input receipt handle "not-a-handle" is not a valid receipt handle.',
      },
    ])
  })

  it(`long-polls: waits for a message without polling, answers as soon as one is sent, and answers {} at the end of the wait (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html)`, async () => {
    const QueueUrl = await urlOf('PipeDeadLetters')
    const receives = jest.spyOn(pipeline.runtime.queues, 'receive')
    try {
      const startedAt = Date.now()
      const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))
      const waitedMs = Date.now() - startedAt
      const emptyReceives = receives.mock.calls.length

      const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }))
      await new Promise((resolve) => setTimeout(resolve, 200))
      const sentAt = Date.now()
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }))
      const woken = await waiting
      const latencyMs = Date.now() - sentAt

      expect(empty.Messages).toBeUndefined()
      expect(waitedMs).toBeGreaterThanOrEqual(950)
      // Woken by the wait's end, not by a loop: a receive when asked, one when the second ends.
      expect(emptyReceives).toBeLessThanOrEqual(3)
      expect(woken.Messages!.map((message) => message.Body)).toEqual(['wake up'])
      expect(latencyMs).toBeLessThan(1000)
    } finally {
      receives.mockRestore()
    }
  })

  it(`changes a message's visibility: 0 makes it visible at once; a stale handle is refused (${ApiReference}/API_ChangeMessageVisibility.html)`, async () => {
    const QueueUrl = await urlOf('OrderDeadLetters')
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'again' }))
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 300 }))).Messages![0]!
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl }))
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }),
    )
    const again = (
      await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 300, MessageSystemAttributeNames: ['All'] }),
      )
    ).Messages![0]!
    const stale = await refusal(
      sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 10 }),
      ),
    )

    expect(hidden.Messages).toBeUndefined()
    expect(again).toMatchObject({ MessageId: first.MessageId, Attributes: { ApproximateReceiveCount: '2' } })
    expect(stale).toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } })
    expect(stale.message).toMatch(/Reason: Message does not exist or is not available for visibility timeout change\.$/)
  })

  it(`purges a queue, once a minute (${ApiReference}/API_PurgeQueue.html)`, async () => {
    const QueueUrl = await urlOf('RuleTargetDeadLetters')
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'gone soon' }))
    await sqs.send(new PurgeQueueCommand({ QueueUrl }))
    const again = await refusal(sqs.send(new PurgeQueueCommand({ QueueUrl })))
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    )

    expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0' })
    expect(again).toMatchObject({
      name: 'PurgeQueueInProgress',
      message: 'Only one PurgeQueue operation on RuleTargetDeadLetters is allowed every 60 seconds.',
      $metadata: { httpStatusCode: 403 },
    })
  })
})

describe('the orders queue', () => {
  const order = (orderId: string) =>
    JSON.stringify({ orderId, customerId: 'usr_nobody', totalAmount: 5, currency: 'EUR' })
  const decided = async (orderId: string) =>
    (await getJson<{ status: string; origin: string }>(`${pipeline.url}/orders/${orderId}`)).body

  it('consumes a message SendMessage put on the orders queue through its event source mapping, as it consumes POST /queues/orders/messages', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: await urlOf('OrdersQueue'), MessageBody: order('sqs-api-1') }))
    await settle(pipeline)

    expect(await decided('sqs-api-1')).toMatchObject({ status: 'REJECTED', origin: 'queue' })
  })

  it(`moves a poison message back from its dead-letter queue with StartMessageMoveTask, where it is consumed (${ApiReference}/API_StartMessageMoveTask.html, ${ApiReference}/API_ListMessageMoveTasks.html)`, async () => {
    // Prepare: the bus refuses every event while the message is tried, so its consumer fails it three times over.
    const deadLetterUrl = await urlOf('OrdersQueueDeadLetters')
    const outage = jest.spyOn(pipeline.runtime.bus, 'putEvents').mockImplementation(() => {
      throw new Error('the bus is unavailable')
    })
    try {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: await urlOf('OrdersQueue'), MessageBody: order('sqs-api-poison') }),
      )
      await settle(pipeline)
    } finally {
      outage.mockRestore()
    }
    const dead = (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetterUrl,
          MessageSystemAttributeNames: ['All'],
          VisibilityTimeout: 0,
        }),
      )
    ).Messages![0]!

    // Act: the bus is back; the dead letters go back to their source queue.
    const started = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueueDeadLetters' }),
    )
    await settle(pipeline)
    const tasks = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueueDeadLetters' }),
    )

    // Assess
    expect(JSON.parse(dead.Body!)).toMatchObject({ orderId: 'sqs-api-poison' })
    // Moved by the redrive policy after its third receive, the same message: its receives go on counting.
    expect(dead.Attributes).toMatchObject({
      ApproximateReceiveCount: '4',
      DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueue',
    })
    expect(started.TaskHandle).toEqual(expect.any(String))
    expect(tasks.Results).toEqual([
      {
        Status: 'COMPLETED',
        SourceArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueueDeadLetters',
        ApproximateNumberOfMessagesMoved: 1,
        ApproximateNumberOfMessagesToMove: 1,
        StartedTimestamp: expect.any(Number),
      },
    ])
    expect(await decided('sqs-api-poison')).toMatchObject({ status: 'REJECTED', origin: 'queue' })
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    )
    expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0' })
  })
})

describe('bad requests', () => {
  const sdkRows: Array<[string, () => Promise<unknown>, string, number, RegExp | string]> = [
    [
      `an unknown queue (${ApiReference}/API_GetQueueUrl.html)`,
      () => sqs.send(new GetQueueUrlCommand({ QueueName: 'NoSuchQueue' })),
      'QueueDoesNotExist',
      400,
      'The specified queue does not exist.',
    ],
    [
      `a URL naming no queue (${ApiReference}/API_SendMessage.html)`,
      () => sqs.send(new SendMessageCommand({ QueueUrl: `${pipeline.url}/000000000000/Nope`, MessageBody: 'x' })),
      'QueueDoesNotExist',
      400,
      'The specified queue does not exist.',
    ],
    [
      `a missing parameter (${ApiReference}/CommonErrors.html)`,
      async () => sqs.send(new SendMessageCommand({ QueueUrl: await urlOf('PipeDeadLetters') } as never)),
      'MissingParameter',
      400,
      'The request must contain the parameter MessageBody.',
    ],
    [
      `a value out of range (${ApiReference}/API_ReceiveMessage.html)`,
      async () =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl: await urlOf('PipeDeadLetters'), MaxNumberOfMessages: 11 })),
      'InvalidParameterValue',
      400,
      'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    ],
    [
      `a wait over 20 seconds (${ApiReference}/API_ReceiveMessage.html)`,
      async () =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl: await urlOf('PipeDeadLetters'), WaitTimeSeconds: 21 })),
      'InvalidParameterValue',
      400,
      'Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.',
    ],
    [
      `a message over 1 MiB, the oversized body (${ApiReference}/API_SendMessage.html)`,
      async () =>
        sqs.send(
          new SendMessageCommand({
            QueueUrl: await urlOf('PipeDeadLetters'),
            MessageBody: 'x'.repeat(1024 * 1024 + 1),
          }),
        ),
      'InvalidParameterValue',
      400,
      'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
    ],
    [
      `characters SQS does not allow (${ApiReference}/API_SendMessage.html)`,
      async () =>
        sqs.send(new SendMessageCommand({ QueueUrl: await urlOf('PipeDeadLetters'), MessageBody: 'a\u0001b' })),
      'InvalidMessageContents',
      400,
      /^Invalid characters found/,
    ],
    [
      `an empty attribute value (${ApiReference}/API_MessageAttributeValue.html)`,
      async () =>
        sqs.send(
          new SendMessageCommand({
            QueueUrl: await urlOf('PipeDeadLetters'),
            MessageBody: 'x',
            MessageAttributes: { ErrorDetails: { DataType: 'String', StringValue: '' } },
          }),
        ),
      'InvalidParameterValue',
      400,
      "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
    ],
    [
      `a receipt handle it never issued (${ApiReference}/API_DeleteMessage.html)`,
      async () =>
        sqs.send(new DeleteMessageCommand({ QueueUrl: await urlOf('PipeDeadLetters'), ReceiptHandle: 'garbage' })),
      'ReceiptHandleIsInvalid',
      404,
      'The input receipt handle "garbage" is not a valid receipt handle.',
    ],
    [
      `an empty batch (${ApiReference}/API_SendMessageBatch.html)`,
      async () => sqs.send(new SendMessageBatchCommand({ QueueUrl: await urlOf('PipeDeadLetters'), Entries: [] })),
      'EmptyBatchRequest',
      400,
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    ],
    [
      `eleven entries (${ApiReference}/API_SendMessageBatch.html)`,
      async () =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: await urlOf('PipeDeadLetters'),
            Entries: Array.from({ length: 11 }, (_, index) => ({ Id: `e${index}`, MessageBody: 'x' })),
          }),
        ),
      'TooManyEntriesInBatchRequest',
      400,
      'Maximum number of entries per request are 10. You have sent 11.',
    ],
    [
      `ids that repeat (${ApiReference}/API_SendMessageBatch.html)`,
      async () =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: await urlOf('PipeDeadLetters'),
            Entries: [
              { Id: 'same', MessageBody: 'x' },
              { Id: 'same', MessageBody: 'y' },
            ],
          }),
        ),
      'BatchEntryIdsNotDistinct',
      400,
      'Id same repeated.',
    ],
    [
      `an attribute SQS does not have (${ApiReference}/API_GetQueueAttributes.html)`,
      async () =>
        sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: await urlOf('PipeDeadLetters'), AttributeNames: ['FifoQueue'] }),
        ),
      'InvalidAttributeName',
      400,
      'Unknown Attribute FifoQueue.',
    ],
    [
      `a move from a queue that is no dead-letter queue (${ApiReference}/API_StartMessageMoveTask.html)`,
      () => sqs.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:OrdersQueue' })),
      'InvalidParameterValue',
      400,
      'Source queue must be configured as a Dead Letter Queue.',
    ],
    [
      `a move from a queue that does not exist (${ApiReference}/API_StartMessageMoveTask.html)`,
      () => sqs.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:Nope' })),
      'ResourceNotFoundException',
      404,
      "The resource that you specified for the SourceArn parameter doesn't exist.",
    ],
    [
      `an operation on queues the CDK app owns (${ApiReference}/API_CreateQueue.html)`,
      () => sqs.send(new CreateQueueCommand({ QueueName: 'mine' })),
      'UnsupportedOperation',
      400,
      /^CreateQueue is not supported by the local runtime/,
    ],
  ]

  it.each(sdkRows)('refuses %s', async (_name, request, name, status, message) => {
    const error = await refusal(request())
    expect(error.name).toBe(name)
    expect(error.$metadata.httpStatusCode).toBe(status)
    expect(error.message).toMatch(message)
  })

  it.each<[string, string, string, string, string | undefined]>([
    ['an unknown operation', 'AmazonSQS.Frobnicate', '{}', 'UnknownOperationException', undefined],
    [
      'a wrong type',
      'AmazonSQS.ReceiveMessage',
      JSON.stringify({ QueueUrl: 'http://x/000000000000/PipeDeadLetters', MaxNumberOfMessages: 'ten' }),
      'com.amazon.coral.service#SerializationException',
      undefined,
    ],
    ['a body that is not JSON', 'AmazonSQS.ListQueues', '{"QueueNamePrefix":', 'SerializationException', undefined],
    [
      'a missing parameter, with the query protocol code SDKs map by',
      'AmazonSQS.GetQueueUrl',
      '{}',
      'com.amazon.coral.service#MissingRequiredParameterException',
      'MissingParameter;Sender',
    ],
    [
      'an unknown queue, with the query protocol code SDKs map by',
      'AmazonSQS.GetQueueUrl',
      '{"QueueName":"Nope"}',
      'com.amazonaws.sqs#QueueDoesNotExist',
      'AWS.SimpleQueueService.NonExistentQueue;Sender',
    ],
  ])(
    `answers %s in the JSON protocol's error shape (${ApiReference}/CommonErrors.html)`,
    async (_name, target, body, type, queryError) => {
      const answer = await awsJson(pipeline.url, target, body)
      expect(answer.status).toBe(400)
      expect(answer.json).toEqual({ __type: type, message: expect.any(String) })
      expect(answer.headers.get('x-amzn-requestid')).toEqual(expect.any(String))
      expect(answer.headers.get('x-amzn-query-error') ?? undefined).toBe(queryError)
    },
  )

  it('answers a legacy query-protocol request with an XML error that says the JSON protocol is spoken (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html)', async () => {
    const answer = await awsQuery(pipeline.url, 'sqs', {
      Action: 'SendMessage',
      Version: '2012-11-05',
      QueueUrl: `${pipeline.url}/000000000000/PipeDeadLetters`,
      MessageBody: 'x',
    })
    expect(answer.status).toBe(400)
    expect(answer.headers.get('content-type')).toBe('text/xml')
    expect(xmlText(answer.text, 'Code')).toBe('AWS.SimpleQueueService.UnsupportedOperation')
    expect(xmlText(answer.text, 'Message')).toMatch(
      /AWS JSON 1\.0 protocol only \(X-Amz-Target: AmazonSQS\.SendMessage/,
    )
  })
})
