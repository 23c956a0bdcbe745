import { Effect, Exit, Layer, ManagedRuntime } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import type { PlacedOrder } from '../../../../contracts/orders'
import type { User } from '../../../../contracts/users'
import { UserTable } from '../../../../steps/services/user-table'
import {
  orderRuleViolations,
  placedOrderOf,
  validateOrder,
  type ValidateOrderInput,
} from '../../../../steps/orders/validate/program'
import { invokeStep, StepError } from '../../../../steps/kit/step'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { customer, messageReceivedEvent, orderPlacedEvent, placedOrder } from './fixtures'

/** Services with the given users in the users table. */
const servicesWith = (users: ReadonlyArray<User> = [customer()]) => {
  const services = memoryServices()
  for (const user of users) services.users.set(user.userId, user)
  return services
}

const validate = (services: ReturnType<typeof memoryServices>, event: ValidateOrderInput) =>
  runWith(services.layer)(validateOrder.run(event))

describe('validateOrder', () => {
  it('accepts a sound order placed through the API and fills its total from the items', async () => {
    // Prepare
    const services = servicesWith()

    // Act
    const exit = await validate(services, orderPlacedEvent())

    // Assess
    expect(exit).toEqual(
      Exit.succeed({ order: { ...placedOrder(), totalAmount: 28.6 }, status: 'ACCEPTED', reasons: [] }),
    )
  })

  it('accepts an order taken off the queue, deciding on the order inside the message', async () => {
    const services = servicesWith()
    const order = placedOrder({ orderId: 'q-1', origin: 'queue', totalAmount: 28.6 })

    const exit = await validate(services, messageReceivedEvent(order))

    expect(exit).toEqual(Exit.succeed({ order, status: 'ACCEPTED', reasons: [] }))
  })

  it('accepts an order with a total and no items, keeping the total', async () => {
    const services = servicesWith()
    const order = placedOrder({ items: undefined, totalAmount: 42, origin: 'import' })

    const exit = await validate(services, orderPlacedEvent(order))

    expect(exit).toEqual(Exit.succeed({ order, status: 'ACCEPTED', reasons: [] }))
  })

  it.each<[string, Partial<PlacedOrder>, ReadonlyArray<User>, string]>([
    ['an unknown customer', { customerId: 'cust-404' }, [customer()], 'customer "cust-404" is not known'],
    ['a suspended customer', {}, [customer({ status: 'suspended' })], 'customer "cust-1" is not active (suspended)'],
    [
      'a zero quantity',
      { items: [{ sku: 'BOOK-1', quantity: 0, unitPrice: 12.5 }] },
      [customer()],
      'items[0].quantity must be a positive integer, got 0',
    ],
    [
      'a negative quantity',
      { items: [{ sku: 'BOOK-1', quantity: -2, unitPrice: 12.5 }] },
      [customer()],
      'items[0].quantity must be a positive integer, got -2',
    ],
    [
      'a fractional quantity',
      {
        items: [
          { sku: 'A', quantity: 1, unitPrice: 1 },
          { sku: 'B', quantity: 1.5, unitPrice: 2 },
        ],
      },
      [customer()],
      'items[1].quantity must be a positive integer, got 1.5',
    ],
    [
      'a zero unit price',
      { items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: 0 }] },
      [customer()],
      'items[0].unitPrice must be a positive amount, got 0',
    ],
    [
      'a negative unit price',
      { items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: -12.5 }] },
      [customer()],
      'items[0].unitPrice must be a positive amount, got -12.5',
    ],
    [
      'an infinite unit price',
      { items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: Infinity }] },
      [customer()],
      'items[0].unitPrice must be a positive amount, got Infinity',
    ],
    [
      'a zero total',
      { items: undefined, totalAmount: 0 },
      [customer()],
      'totalAmount must be a positive amount, got 0',
    ],
    [
      'a negative total',
      { items: undefined, totalAmount: -5 },
      [customer()],
      'totalAmount must be a positive amount, got -5',
    ],
    [
      'an unsupported currency',
      { currency: 'XYZ' },
      [customer()],
      'currency "XYZ" is not supported (supported: USD, EUR, GBP, JPY, CAD, AUD, CHF, SEK, NOK, DKK)',
    ],
    [
      'a lower-case currency',
      { currency: 'eur' },
      [customer()],
      'currency "eur" is not supported (supported: USD, EUR, GBP, JPY, CAD, AUD, CHF, SEK, NOK, DKK)',
    ],
    [
      'a total that does not match the items',
      { totalAmount: 30 },
      [customer()],
      'totalAmount 30 does not match the items total 28.6',
    ],
    [
      'neither items nor a total',
      { items: undefined, totalAmount: undefined },
      [customer()],
      'items or totalAmount is required',
    ],
    ['an empty item list', { items: [], totalAmount: 10 }, [customer()], 'items must not be empty'],
  ])('rejects %s with a clear reason, as a decision and not a failure', async (_name, change, users, reason) => {
    // Prepare
    const services = servicesWith(users)

    // Act
    const exit = await validate(services, orderPlacedEvent(placedOrder(change)))

    // Assess
    expect(exit).toEqual(Exit.succeed(expect.objectContaining({ status: 'REJECTED', reasons: [reason] })))
  })

  it.each([
    ['a cent above the items total', 28.61, 'ACCEPTED'],
    ['a cent below the items total', 28.59, 'ACCEPTED'],
    ['exactly the items total', 28.6, 'ACCEPTED'],
    ['two cents above the items total', 28.62, 'REJECTED'],
    ['two cents below the items total', 28.58, 'REJECTED'],
  ])('judges a total %s (%d) as %s, the tolerance being 0.01', async (_name, totalAmount, status) => {
    const services = servicesWith()

    const exit = await validate(services, orderPlacedEvent(placedOrder({ totalAmount })))

    expect(exit).toEqual(
      Exit.succeed(expect.objectContaining({ status, order: expect.objectContaining({ totalAmount }) })),
    )
  })

  it('names every broken rule at once, and fills the total from the items even when rejecting', async () => {
    // Prepare
    const services = servicesWith([])
    const order = placedOrder({
      customerId: 'ghost',
      currency: 'XXX',
      items: [{ sku: 'A', quantity: 0, unitPrice: 5 }],
      origin: 'queue',
    })

    // Act
    const exit = await validate(services, messageReceivedEvent(order))

    // Assess
    expect(exit).toEqual(
      Exit.succeed({
        order: { ...order, totalAmount: 0 },
        status: 'REJECTED',
        reasons: [
          'customer "ghost" is not known',
          'items[0].quantity must be a positive integer, got 0',
          'currency "XXX" is not supported (supported: USD, EUR, GBP, JPY, CAD, AUD, CHF, SEK, NOK, DKK)',
        ],
      }),
    )
  })

  it('fails with the TransientError of the users table, so the workflow retries', async () => {
    // Prepare
    const fault = new TransientError({
      operation: 'dynamodb:GetItem',
      message: 'ProvisionedThroughputExceededException',
    })
    const failing = Effect.fail(fault)
    const failingUsers = Layer.succeed(UserTable, {
      get: () => failing,
      create: () => failing,
      list: () => failing,
      setStatus: () => failing,
      remove: () => failing,
    })

    // Act
    const exit = await runWith(failingUsers)(validateOrder.run(orderPlacedEvent()))

    // Assess
    expect(exit).toEqual(Exit.fail(fault))
  })
})

describe('validateOrder as Lambda invokes it', () => {
  it.each([
    ['an OrderPlaced event', orderPlacedEvent()],
    ['an OrderMessageReceived event', messageReceivedEvent()],
  ])('decodes %s from JSON and answers plain JSON', async (_name, event) => {
    // Prepare
    const services = servicesWith()
    const runtime = ManagedRuntime.make(services.layer)

    // Act
    const output = await invokeStep(validateOrder, runtime, JSON.parse(JSON.stringify(event)))
    await runtime.dispose()

    // Assess
    expect(output).toEqual({ order: { ...placedOrderOf(event), totalAmount: 28.6 }, status: 'ACCEPTED', reasons: [] })
  })

  it('fails with InvalidInput for an event of another detail-type', async () => {
    const runtime = ManagedRuntime.make(servicesWith().layer)
    const event = { ...orderPlacedEvent(), 'detail-type': 'OrderShipped' }

    const error = await invokeStep(validateOrder, runtime, event).catch((rejection: unknown) => rejection)
    await runtime.dispose()

    expect(error).toBeInstanceOf(StepError)
    expect((error as StepError).name).toBe('InvalidInput')
  })
})

describe('orderRuleViolations', () => {
  it('has nothing against a sound order of an active customer', () => {
    expect(orderRuleViolations(placedOrder(), customer())).toEqual([])
  })
})
