import { Effect, Exit, Layer, ManagedRuntime, Schema } from 'effect'
import type { PutEventsEntry } from '../../../../contracts/envelope'
import { TransientError } from '../../../../contracts/errors'
import { OrderMessageReceived } from '../../../../contracts/orders'
import { OrderMessageReceivedType, QueueSource } from '../../../../contracts/sources'
import { receiveOrders, type SqsEvent, type SqsRecord } from '../../../../steps/queue/program'
import { EventPublisher } from '../../../../steps/services/event-publisher'
import { invokeStep } from '../../../../steps/kit/step'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { awsEvent } from '../../../support/fixtures'

const now = '2026-06-01T12:00:00.000Z'

/** A fixture from `test/events/sqs/`, read afresh so a test may change it. */
const fixture = (name: string): SqsEvent => awsEvent(`sqs/${name}`)

/** A record of the orders batch fixture, cloned, with another id and body (a string as is, anything else as JSON). */
const recordWith = (messageId: string, body: unknown): SqsRecord => ({
  ...fixture('orders-batch.json').Records[0],
  messageId,
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

const validBody = (orderId: string) => ({
  orderId,
  customerId: 'cust-1',
  currency: 'EUR',
  items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: 10 }],
})

/** An EventPublisher that fails the calls whose (0-based) numbers are in `failing`, and records the others in `published`. */
const flakyPublisher = (published: PutEventsEntry[], failing: ReadonlySet<number>) => {
  let calls = 0
  return Layer.succeed(EventPublisher, {
    publish: (entries) =>
      Effect.suspend(() => {
        const call = calls++
        return failing.has(call)
          ? Effect.fail(new TransientError({ operation: 'events:PutEvents', message: 'ThrottlingException' }))
          : Effect.sync(() => void published.push(...entries))
      }),
  })
}

const receive = (
  services: ReturnType<typeof memoryServices>,
  event: SqsEvent,
  publisher?: Layer.Layer<EventPublisher>,
) => runWith(publisher ? Layer.merge(services.layer, publisher) : services.layer)(receiveOrders.run(event))

const detailsOf = (entries: ReadonlyArray<PutEventsEntry>) => entries.map((entry) => JSON.parse(entry.Detail))

describe('receiveOrders', () => {
  it('publishes the valid messages of a batch once and reports the poison ones with their reasons', async () => {
    // Prepare
    const services = memoryServices({ now, busName: 'pipeline-bus' })
    const event = fixture('orders-batch.json')

    // Act
    const exit = await receive(services, event)

    // Assess
    expect(exit).toEqual(
      Exit.succeed({
        batchItemFailures: [
          {
            itemIdentifier: '6f0a9b8c-7d6e-4f5a-9b8c-7d6e5f4a3b2c',
            reason: expect.stringMatching(/^malformed JSON: /),
          },
          {
            itemIdentifier: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
            reason: 'invalid order: customerId: must not be empty; items[0].quantity: must be a positive integer',
          },
        ],
      }),
    )
    expect(
      services.published.map(({ Source, DetailType, EventBusName }) => ({ Source, DetailType, EventBusName })),
    ).toEqual([
      { Source: QueueSource, DetailType: OrderMessageReceivedType, EventBusName: 'pipeline-bus' },
      { Source: QueueSource, DetailType: OrderMessageReceivedType, EventBusName: 'pipeline-bus' },
    ])
    expect(detailsOf(services.published)).toEqual([
      {
        messageId: '3c7d1e52-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
        order: {
          orderId: 'q-1001',
          customerId: 'cust-1',
          currency: 'EUR',
          items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 }],
          origin: 'queue',
          placedAt: now,
        },
      },
      {
        messageId: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
        order: {
          orderId: 'q-1003',
          customerId: 'cust-2',
          currency: 'USD',
          totalAmount: 99.9,
          origin: 'queue',
          placedAt: now,
        },
      },
    ])
  })

  it('publishes events the order workflow decodes with the OrderMessageReceived contract', async () => {
    const services = memoryServices({ now })

    await receive(services, fixture('orders-batch.json'))

    const envelope = { version: '0', id: 'e-1', account: '123456789012', time: now, region: 'us-east-2', resources: [] }
    for (const entry of services.published) {
      const event = {
        ...envelope,
        source: entry.Source,
        'detail-type': entry.DetailType,
        detail: JSON.parse(entry.Detail),
      }
      expect(Schema.decodeUnknownEither(OrderMessageReceived)(event)._tag).toBe('Right')
    }
  })

  it('reports every message of the real SQS sample, none of which is an order, and publishes nothing', async () => {
    // Prepare
    const services = memoryServices()

    // Act
    const exit = await receive(services, fixture('base.json'))

    // Assess
    expect(exit).toEqual(
      Exit.succeed({
        batchItemFailures: [
          {
            itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d',
            reason: expect.stringMatching(/^malformed JSON: Unexpected token/),
          },
          {
            itemIdentifier: '2e1424d4-f796-459a-8184-9c92662be6da',
            reason: 'invalid order: orderId: is missing; customerId: is missing; currency: is missing',
          },
        ],
      }),
    )
    expect(services.published).toEqual([])
  })

  it.each([
    ['an empty body', '', /^malformed JSON: /],
    ['a JSON string', '"q-1"', /^the body must be a JSON object with an order, got string$/],
    ['a JSON array', '[]', /^the body must be a JSON object with an order, got an array$/],
    ['JSON null', 'null', /^the body must be a JSON object with an order, got null$/],
    ['a bad order id', { ...validBody('q 1'), orderId: 'q 1' }, /^invalid order: orderId: must be 1 to 128 letters/],
    [
      'a bad currency',
      { ...validBody('q-1'), currency: 'euro' },
      /^invalid order: currency: must be a three-letter ISO 4217 code$/,
    ],
    [
      'a negative unit price',
      { ...validBody('q-1'), items: [{ sku: 'A', quantity: 1, unitPrice: -1 }] },
      /^invalid order: items\[0\]\.unitPrice: must be a positive number$/,
    ],
    [
      'neither items nor a total',
      { orderId: 'q-1', customerId: 'cust-1', currency: 'EUR' },
      /^invalid order: items: items or totalAmount is required$/,
    ],
  ])('reports a message with %s as a batch item failure naming why', async (_name, body, reason) => {
    const services = memoryServices()

    const exit = await receive(services, {
      Records: [recordWith('poison', body), recordWith('good', validBody('q-1'))],
    })

    expect(exit).toEqual(
      Exit.succeed({ batchItemFailures: [{ itemIdentifier: 'poison', reason: expect.stringMatching(reason) }] }),
    )
    expect(detailsOf(services.published).map((detail) => detail.messageId)).toEqual(['good'])
  })

  it('publishes 10 entries a call', async () => {
    // Prepare
    const calls: number[] = []
    const services = memoryServices()
    const counting = Layer.succeed(EventPublisher, {
      publish: (entries) => Effect.sync(() => void calls.push(entries.length)),
    })
    const records = Array.from({ length: 23 }, (_, index) => recordWith(`m-${index}`, validBody(`q-${index}`)))

    // Act
    const exit = await receive(services, { Records: records }, counting)

    // Assess
    expect(exit).toEqual(Exit.succeed({ batchItemFailures: [] }))
    expect(calls).toEqual([10, 10, 3])
  })

  it('reports the messages of a chunk whose publish failed, so they come back, and keeps those published', async () => {
    // Prepare
    const services = memoryServices()
    const published: PutEventsEntry[] = []
    const records = Array.from({ length: 25 }, (_, index) => recordWith(`m-${index}`, validBody(`q-${index}`)))
    records.splice(3, 0, recordWith('poison', 'Test message.'))

    // Act
    const exit = await receive(services, { Records: records }, flakyPublisher(published, new Set([1])))

    // Assess
    const failedChunk = Array.from({ length: 10 }, (_, index) => `m-${index + 10}`)
    expect(exit).toEqual(
      Exit.succeed({
        batchItemFailures: [
          { itemIdentifier: 'poison', reason: expect.stringMatching(/^malformed JSON/) },
          ...failedChunk.map((itemIdentifier) => ({
            itemIdentifier,
            reason: 'publish failed, the message will be received again: ThrottlingException',
          })),
        ],
      }),
    )
    expect(detailsOf(published).map((detail) => detail.messageId)).toEqual([
      ...Array.from({ length: 10 }, (_, index) => `m-${index}`),
      ...Array.from({ length: 5 }, (_, index) => `m-${index + 20}`),
    ])
  })

  it('reports the whole batch when every publish fails, and never fails as a whole', async () => {
    const services = memoryServices()
    const published: PutEventsEntry[] = []

    const exit = await receive(services, fixture('orders-batch.json'), flakyPublisher(published, new Set([0])))

    expect(Exit.isSuccess(exit)).toBe(true)
    expect(Exit.isSuccess(exit) && exit.value.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      fixture('orders-batch.json').Records.map((record) => record.messageId),
    )
    expect(published).toEqual([])
  })

  it('answers no failures for an empty batch', async () => {
    const services = memoryServices()

    const exit = await receive(services, { Records: [] })

    expect(exit).toEqual(Exit.succeed({ batchItemFailures: [] }))
    expect(services.published).toEqual([])
  })

  it('decodes the batch exactly as Lambda delivers it, and answers the partial batch response as JSON', async () => {
    // Prepare
    const services = memoryServices({ now })
    const runtime = ManagedRuntime.make(services.layer)

    // Act
    const output = await invokeStep(receiveOrders, runtime, fixture('orders-batch.json'))
    await runtime.dispose()

    // Assess
    expect(output).toEqual({
      batchItemFailures: [
        { itemIdentifier: '6f0a9b8c-7d6e-4f5a-9b8c-7d6e5f4a3b2c', reason: expect.any(String) },
        { itemIdentifier: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', reason: expect.any(String) },
      ],
    })
    expect(services.published).toHaveLength(2)
  })
})
