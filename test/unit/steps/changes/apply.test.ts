import { Cause, Effect, Exit, Option } from 'effect'
import type { Order } from '../../../../contracts/orders'
import { OrderChangedType, UserChangedType } from '../../../../contracts/sources'
import type { User } from '../../../../contracts/users'
import { applyChange } from '../../../../steps/changes/apply/program'
import type { ChangeEvent } from '../../../../steps/changes/change-event'
import { orderDocument, userDocument } from '../../../../steps/changes/documents'
import { UndecodableChange } from '../../../../steps/changes/errors'
import { memoryServices } from '../../../support/memory-services'
import { changeEvent, images, orderChangeEvents, userChangeEvents } from './fixtures'

const apply = (services: ReturnType<typeof memoryServices>, event: ChangeEvent) =>
  Effect.runPromiseExit(applyChange.run(event).pipe(Effect.provide(services.layer)))

const placed = images.placed as Order
const accepted = images.accepted as Order
const user = images.user as User
const suspended = images.suspended as User

describe('orderDocument', () => {
  it('is found exactly by order id, customer, status, currency and SKUs, and carries the order', () => {
    expect(orderDocument(placed)).toEqual({
      id: 'order:ord-1001',
      kind: 'order',
      title: 'ord-1001',
      exact: ['ord-1001', 'cust-42', 'PENDING', 'EUR', 'SKU-MUG', 'SKU-TEE'],
      text: '',
      data: placed,
    })
  })

  it('has no SKUs to list for an order placed as a total alone', () => {
    expect(orderDocument(images.other as Order).exact).toEqual(['ord-1002', 'cust-7', 'PENDING', 'USD'])
  })
})

describe('userDocument', () => {
  it('is found exactly by user id, username, email and status, and carries the user', () => {
    expect(userDocument(user)).toEqual({
      id: 'user:usr-1',
      kind: 'user',
      title: 'ada.l',
      exact: ['usr-1', 'ada.l', 'ada@example.com', 'active'],
      text: '',
      data: user,
    })
  })
})

describe('applyChange', () => {
  it.each([
    [
      'an order INSERT upserts the new order',
      () => orderChangeEvents()[0],
      [],
      { id: 'order:ord-1001', action: 'upserted', outcome: 'written' },
      [orderDocument(placed)],
    ],
    [
      'an order MODIFY replaces the document with the new image',
      () => orderChangeEvents()[1],
      [orderDocument(placed)],
      { id: 'order:ord-1001', action: 'upserted', outcome: 'written' },
      [orderDocument(accepted)],
    ],
    [
      'an order REMOVE removes the document',
      () => orderChangeEvents()[3],
      [orderDocument(accepted)],
      { id: 'order:ord-1001', action: 'removed', outcome: 'written' },
      [],
    ],
    [
      'a user INSERT upserts the new user',
      () => userChangeEvents()[0],
      [],
      { id: 'user:usr-1', action: 'upserted', outcome: 'written' },
      [userDocument(user)],
    ],
    [
      'a user MODIFY replaces the document with the new image',
      () => userChangeEvents()[1],
      [userDocument(user)],
      { id: 'user:usr-1', action: 'upserted', outcome: 'written' },
      [userDocument(suspended)],
    ],
    [
      'a user REMOVE removes the document',
      () => userChangeEvents()[3],
      [userDocument(suspended)],
      { id: 'user:usr-1', action: 'removed', outcome: 'written' },
      [],
    ],
    [
      'a REMOVE of a document already gone changes nothing',
      () => userChangeEvents()[3],
      [],
      { id: 'user:usr-1', action: 'removed', outcome: 'written' },
      [],
    ],
  ])('%s', async (_name, event, before, output, after) => {
    // Prepare
    const services = memoryServices()
    for (const document of before) services.documents.set(document.id, document)

    // Act
    const exit = await apply(services, event())

    // Assess
    expect(exit).toEqual(Exit.succeed(output))
    expect([...services.documents.values()]).toEqual(after)
  })

  it('leaves the index as the tables end after a whole stream, and the same after a duplicate run of every change', async () => {
    // Prepare
    const services = memoryServices()
    const events = [...orderChangeEvents(), ...userChangeEvents()]

    // Act
    for (const event of events) await apply(services, event)
    const once = new Map(services.documents)
    for (const event of events) await apply(services, event)

    // Assess: ord-1001 was removed, ord-1002 only touched; the user was removed
    expect([...once.keys()]).toEqual(['order:ord-1002'])
    expect(once.get('order:ord-1002')).toEqual(orderDocument(images.otherTouched as Order))
    expect(services.documents).toEqual(once)
  })

  it('keeps the newer state when two changes of one order are applied out of order, as two executions may race', async () => {
    // Prepare
    const services = memoryServices()
    const [insert, modify] = orderChangeEvents()

    // Act: the MODIFY (version 2) lands before the INSERT (version 1)
    const first = await apply(services, modify!)
    const late = await apply(services, insert!)

    // Assess
    expect(first).toEqual(Exit.succeed({ id: 'order:ord-1001', action: 'upserted', outcome: 'written' }))
    expect(late).toEqual(Exit.succeed({ id: 'order:ord-1001', action: 'upserted', outcome: 'stale' }))
    expect(services.documents.get('order:ord-1001')).toEqual(orderDocument(accepted))
  })

  it('keeps a removed user out when a MODIFY older than the REMOVE is applied after it', async () => {
    const services = memoryServices()
    const events = userChangeEvents()

    await apply(services, events[3]!)
    const late = await apply(services, events[1]!)

    expect(late).toEqual(Exit.succeed({ id: 'user:usr-1', action: 'upserted', outcome: 'stale' }))
    expect(services.documents.size).toBe(0)
    // Removed at the version after the last one the user had (3).
    expect(services.versions.get('user:usr-1')).toEqual({ version: 4, removed: true })
  })

  it.each([
    [
      'a REMOVE without its old image',
      OrderChangedType,
      { eventName: 'REMOVE', sequenceNumber: '1700000000000000000009' },
      /REMOVE change carries no oldImage/,
    ],
    [
      'an INSERT without its new image',
      UserChangedType,
      { eventName: 'INSERT', sequenceNumber: '1800000000000000000009' },
      /INSERT change carries no newImage/,
    ],
  ])('fails with UndecodableChange on %s, touching nothing', async (_name, detailType, detail, reason) => {
    const services = memoryServices()
    services.documents.set('order:ord-1001', orderDocument(placed))

    const exit = await apply(services, changeEvent(detailType, detail))

    const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
    expect(failure).toBeInstanceOf(UndecodableChange)
    expect(failure).toMatchObject({ sequenceNumber: detail.sequenceNumber, reason: expect.stringMatching(reason) })
    expect([...services.documents.keys()]).toEqual(['order:ord-1001'])
  })
})
