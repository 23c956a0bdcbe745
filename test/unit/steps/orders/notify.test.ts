import { Effect, Exit, Layer, Schema } from 'effect'
import { InvalidInput, TransientError } from '../../../../contracts/errors'
import { OrderDecisionDetail, type Order } from '../../../../contracts/orders'
import { OrderAcceptedType, OrderRejectedType, OrdersSource } from '../../../../contracts/sources'
import { EventPublisher } from '../../../../steps/services/event-publisher'
import { decidedKey, notifyOrder } from '../../../../steps/orders/notify/program'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { placedAt, placedOrder } from './fixtures'

const order = (overrides: Partial<Order> = {}): Order => ({
  orderId: 'ord-1001',
  customerId: 'cust-1',
  items: placedOrder().items,
  totalAmount: 28.6,
  currency: 'EUR',
  status: 'ACCEPTED',
  reasons: [],
  origin: 'api',
  createdAt: placedAt,
  updatedAt: placedAt,
  ...overrides,
})
const key = decidedKey(order())

const notify = (
  services: ReturnType<typeof memoryServices>,
  executionId: string,
  input: Order = order(),
  publisher?: Layer.Layer<EventPublisher>,
) =>
  runWith(publisher ? Layer.merge(services.layer, publisher) : services.layer)(
    notifyOrder.run({ order: input, executionId }),
  )

const failingPublisher = (fault: TransientError) => Layer.succeed(EventPublisher, { publish: () => Effect.fail(fault) })

describe('decidedKey', () => {
  it('is one decision per order', () => {
    expect(key).toBe('OrderDecided#ord-1001')
  })
})

describe('notifyOrder', () => {
  it.each([
    [
      'OrderAccepted for an accepted order',
      order(),
      OrderAcceptedType,
      {
        orderId: 'ord-1001',
        customerId: 'cust-1',
        totalAmount: 28.6,
        currency: 'EUR',
        status: 'ACCEPTED',
        reasons: [],
      },
    ],
    [
      'OrderRejected for a rejected order, with its reasons',
      order({ status: 'REJECTED', reasons: ['customer "cust-1" is not known'] }),
      OrderRejectedType,
      {
        orderId: 'ord-1001',
        customerId: 'cust-1',
        totalAmount: 28.6,
        currency: 'EUR',
        status: 'REJECTED',
        reasons: ['customer "cust-1" is not known'],
      },
    ],
    [
      'OrderRejected with no reasons for a stored order without any',
      order({ status: 'REJECTED', reasons: undefined }),
      OrderRejectedType,
      {
        orderId: 'ord-1001',
        customerId: 'cust-1',
        totalAmount: 28.6,
        currency: 'EUR',
        status: 'REJECTED',
        reasons: [],
      },
    ],
  ])('publishes %s on the pipeline bus, once, and completes the claim', async (_name, input, detailType, detail) => {
    // Prepare
    const services = memoryServices({ busName: 'pipeline-bus' })

    // Act
    const exit = await notify(services, 'exec-1', input)

    // Assess
    expect(exit).toEqual(Exit.succeed({ published: true }))
    expect(services.published).toEqual([
      {
        EventBusName: 'pipeline-bus',
        Source: OrdersSource,
        DetailType: detailType,
        Detail: expect.any(String),
        Resources: [],
      },
    ])
    const published = JSON.parse(services.published[0].Detail)
    expect(published).toEqual(detail)
    expect(Schema.decodeUnknownSync(OrderDecisionDetail)(published)).toEqual(detail)
    expect(services.ledger.get(key)).toEqual({ owner: 'exec-1', done: true })
  })

  it('publishes nothing on a duplicate run by another execution (a duplicate event started the workflow twice)', async () => {
    // Prepare
    const services = memoryServices()
    await notify(services, 'exec-1')

    // Act
    const exit = await notify(services, 'exec-2')

    // Assess
    expect(exit).toEqual(Exit.succeed({ published: false }))
    expect(services.published).toHaveLength(1)
  })

  it.each([
    ['the same execution, after it completed', { owner: 'exec-1', done: true }, 'exec-1'],
    ['another execution, while the first holds an unfinished claim', { owner: 'exec-1', done: false }, 'exec-2'],
  ])('publishes nothing for %s', async (_name, claim, executionId) => {
    const services = memoryServices()
    services.ledger.set(key, claim)

    const exit = await notify(services, executionId)

    expect(exit).toEqual(Exit.succeed({ published: false }))
    expect(services.published).toEqual([])
    expect(services.ledger.get(key)).toEqual(claim)
  })

  it('publishes when the same execution re-runs after a claim it never completed (a crash between claim and publish)', async () => {
    const services = memoryServices()
    services.ledger.set(key, { owner: 'exec-1', done: false })

    const exit = await notify(services, 'exec-1')

    expect(exit).toEqual(Exit.succeed({ published: true }))
    expect(services.published).toHaveLength(1)
    expect(services.ledger.get(key)).toEqual({ owner: 'exec-1', done: true })
  })

  it('releases the claim and fails with TransientError when publishing fails, so the retry publishes', async () => {
    // Prepare
    const fault = new TransientError({ operation: 'events:PutEvents', message: 'ThrottlingException' })
    const services = memoryServices()

    // Act
    const failed = await notify(services, 'exec-1', order(), failingPublisher(fault))
    const claimedAfterFailure = services.ledger.has(key)
    const retried = await notify(services, 'exec-1')

    // Assess
    expect(failed).toEqual(Exit.fail(fault))
    expect(claimedAfterFailure).toBe(false)
    expect(retried).toEqual(Exit.succeed({ published: true }))
    expect(services.published).toHaveLength(1)
  })

  it('fails with InvalidInput for an order still PENDING, claiming and publishing nothing', async () => {
    const services = memoryServices()

    const exit = await notify(services, 'exec-1', order({ status: 'PENDING' }))

    expect(exit).toEqual(
      Exit.fail(new InvalidInput({ message: 'order "ord-1001" is PENDING: there is no decision to announce' })),
    )
    expect(services.published).toEqual([])
    expect(services.ledger.size).toBe(0)
  })
})
