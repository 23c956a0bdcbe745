import { Effect, Exit, Layer, Schema } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import { OrderStatusChangedDetail } from '../../../../contracts/orders'
import { OrdersSource, UserChangedType, UsersSource } from '../../../../contracts/sources'
import { UserStatusChangedDetail, UserWelcomed } from '../../../../contracts/users'
import type { ChangeEvent } from '../../../../steps/changes/change-event'
import { notifyChange, orderStatusKey, userStatusKey, welcomedKey } from '../../../../steps/changes/notify/program'
import { EventPublisher } from '../../../../steps/services/event-publisher'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { changeEvent, images, orderChangeEvents, userChangeEvents } from './fixtures'

type Services = ReturnType<typeof memoryServices>

const notify = (services: Services, event: ChangeEvent, executionId: string, publisher?: Layer.Layer<EventPublisher>) =>
  runWith(publisher ? Layer.merge(services.layer, publisher) : services.layer)(notifyChange.run({ event, executionId }))

const failingPublisher = (fault: TransientError) => Layer.succeed(EventPublisher, { publish: () => Effect.fail(fault) })

describe('ledger keys', () => {
  it('welcome a user once, and tell each status change of a stream record once', () => {
    expect(welcomedKey('usr-1')).toBe('UserWelcomed#usr-1')
    expect(userStatusKey('usr-1', '1800000000000000000002')).toBe('UserStatusChanged#usr-1#1800000000000000000002')
    expect(orderStatusKey('ord-1001', '1700000000000000000002')).toBe(
      'OrderStatusChanged#ord-1001#1700000000000000000002',
    )
  })
})

describe('notifyChange', () => {
  it.each([
    [
      'a user INSERT welcomes the user',
      () => userChangeEvents()[0],
      UsersSource,
      'UserWelcomed',
      UserWelcomed.fields.detail,
      { userId: 'usr-1', username: 'ada.l', email: 'ada@example.com' },
      'UserWelcomed#usr-1',
    ],
    [
      'a user MODIFY of the status tells the status change',
      () => userChangeEvents()[1],
      UsersSource,
      'UserStatusChanged',
      UserStatusChangedDetail,
      { userId: 'usr-1', username: 'ada.l', oldStatus: 'active', newStatus: 'suspended' },
      'UserStatusChanged#usr-1#1800000000000000000002',
    ],
    [
      'an order MODIFY of the status tells the status change',
      () => orderChangeEvents()[1],
      OrdersSource,
      'OrderStatusChanged',
      OrderStatusChangedDetail,
      { orderId: 'ord-1001', customerId: 'cust-42', oldStatus: 'PENDING', newStatus: 'ACCEPTED' },
      'OrderStatusChanged#ord-1001#1700000000000000000002',
    ],
  ])('%s, once, on the pipeline bus', async (_name, event, source, detailType, contract, detail, key) => {
    // Prepare
    const services = memoryServices({ busName: 'pipeline-bus' })

    // Act
    const exit = await notify(services, event(), 'exec-1')

    // Assess
    expect(exit).toEqual(Exit.succeed({ published: [detailType] }))
    expect(services.published).toHaveLength(1)
    const [entry] = services.published
    expect(entry).toMatchObject({ EventBusName: 'pipeline-bus', Source: source, DetailType: detailType })
    expect(JSON.parse(entry.Detail)).toEqual(detail)
    expect(() => Schema.decodeUnknownSync(contract as Schema.Schema<unknown>)(JSON.parse(entry.Detail))).not.toThrow()
    expect(services.ledger.get(key)).toEqual({ owner: 'exec-1', done: true })
  })

  it.each([
    ['an order INSERT', () => orderChangeEvents()[0]],
    ['an order MODIFY that keeps the status', () => orderChangeEvents()[2]],
    ['an order REMOVE', () => orderChangeEvents()[3]],
    ['a user MODIFY that keeps the status (a new email)', () => userChangeEvents()[2]],
    ['a user REMOVE', () => userChangeEvents()[3]],
  ])('publishes nothing for %s', async (_name, event) => {
    const services = memoryServices()

    const exit = await notify(services, event(), 'exec-1')

    expect(exit).toEqual(Exit.succeed({ published: [] }))
    expect(services.published).toEqual([])
    expect(services.ledger.size).toBe(0)
  })

  describe.each([
    ['a user INSERT', () => userChangeEvents()[0]],
    ['a user status change', () => userChangeEvents()[1]],
    ['an order status change', () => orderChangeEvents()[1]],
  ])('run twice on %s', (_name, event) => {
    it.each([
      ['by the same execution (a retried task)', 'exec-1'],
      ['by another execution (a duplicate delivery or a replay)', 'exec-2'],
    ])('publishes once %s', async (_run, secondExecution) => {
      // Prepare
      const services = memoryServices()
      const change = event()

      // Act
      const first = await notify(services, change, 'exec-1')
      const second = await notify(services, change, secondExecution)

      // Assess
      expect(Exit.isSuccess(first) && first.value.published).toHaveLength(1)
      expect(second).toEqual(Exit.succeed({ published: [] }))
      expect(services.published).toHaveLength(1)
    })
  })

  it('welcomes a user once, even from another INSERT record of the same user', async () => {
    // Prepare
    const services = memoryServices()
    const [insert] = userChangeEvents()
    const again = changeEvent(UserChangedType, { ...insert.detail, sequenceNumber: '1800000000000000000099' })

    // Act
    await notify(services, insert, 'exec-1')
    const exit = await notify(services, again, 'exec-2')

    // Assess
    expect(exit).toEqual(Exit.succeed({ published: [] }))
    expect(services.published.map((entry) => entry.DetailType)).toEqual(['UserWelcomed'])
  })

  it('tells each status change of a user, at its own stream record', async () => {
    // Prepare: suspended, then active again
    const services = memoryServices()
    const suspension = userChangeEvents()[1]
    const reactivation = changeEvent(UserChangedType, {
      eventName: 'MODIFY',
      sequenceNumber: '1800000000000000000005',
      oldImage: images.moved,
      newImage: { ...images.moved, status: 'active' },
    })

    // Act
    await notify(services, suspension, 'exec-1')
    await notify(services, reactivation, 'exec-2')

    // Assess
    expect(services.published.map((entry) => JSON.parse(entry.Detail).newStatus)).toEqual(['suspended', 'active'])
  })

  it('publishes when the same execution runs again after a claim it never completed (a crash before publishing)', async () => {
    const services = memoryServices()
    services.ledger.set('UserWelcomed#usr-1', { owner: 'exec-1', done: false })

    const exit = await notify(services, userChangeEvents()[0], 'exec-1')

    expect(exit).toEqual(Exit.succeed({ published: ['UserWelcomed'] }))
    expect(services.ledger.get('UserWelcomed#usr-1')).toEqual({ owner: 'exec-1', done: true })
  })

  it('releases the claim and fails with TransientError when publishing fails, so a retry publishes', async () => {
    // Prepare
    const fault = new TransientError({ operation: 'EventPublisher.publish', message: 'ThrottlingException' })
    const services = memoryServices()
    const change = orderChangeEvents()[1]

    // Act
    const failed = await notify(services, change, 'exec-1', failingPublisher(fault))
    const claimedAfterFailure = services.ledger.has('OrderStatusChanged#ord-1001#1700000000000000000002')
    const retried = await notify(services, change, 'exec-2')

    // Assess
    expect(failed).toEqual(Exit.fail(fault))
    expect(claimedAfterFailure).toBe(false)
    expect(retried).toEqual(Exit.succeed({ published: ['OrderStatusChanged'] }))
    expect(services.published).toHaveLength(1)
  })
})
