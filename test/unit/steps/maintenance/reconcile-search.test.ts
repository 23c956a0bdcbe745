import { Effect, Exit } from 'effect'
import type { Order } from '../../../../contracts/orders'
import type { User } from '../../../../contracts/users'
import { orderDocument, userDocument } from '../../../../steps/changes/documents'
import { reconcileSearch } from '../../../../steps/maintenance/reconcile-search/program'
import { memoryServices } from '../../../support/memory-services'
import { Now, order, scheduled, user } from './fixtures'

const run = (services: ReturnType<typeof memoryServices>) =>
  Effect.runPromiseExit(reconcileSearch.run(scheduled).pipe(Effect.provide(services.layer)))

describe('reconcileSearch', () => {
  interface Seed {
    orders?: Order[]
    users?: User[]
    documents?: Array<ReturnType<typeof orderDocument>>
  }
  const manyOrders = Array.from({ length: 250 }, (_, index) => order(`ord-${String(index).padStart(4, '0')}`))

  it.each<[string, Seed, { upserted: number; removed: number }, string[]]>([
    [
      'an empty index gets every order and user',
      { orders: [order('ord-1'), order('ord-2')], users: [user('usr-1')] },
      { upserted: 3, removed: 0 },
      ['order:ord-1', 'order:ord-2', 'user:usr-1'],
    ],
    [
      'an index in agreement stays as it is',
      {
        orders: [order('ord-1')],
        users: [user('usr-1')],
        documents: [orderDocument(order('ord-1')), userDocument(user('usr-1'))],
      },
      { upserted: 0, removed: 0 },
      ['order:ord-1', 'user:usr-1'],
    ],
    [
      'documents whose record is gone are removed',
      {
        orders: [order('ord-1')],
        documents: [orderDocument(order('ord-1')), orderDocument(order('ord-gone')), userDocument(user('usr-gone'))],
      },
      { upserted: 0, removed: 2 },
      ['order:ord-1'],
    ],
    [
      'missing documents are added and orphans removed in one run',
      {
        orders: [order('ord-1'), order('ord-2')],
        users: [user('usr-1')],
        documents: [orderDocument(order('ord-2')), userDocument(user('usr-gone'))],
      },
      { upserted: 2, removed: 1 },
      ['order:ord-1', 'order:ord-2', 'user:usr-1'],
    ],
    [
      'every page of the tables is read',
      { orders: manyOrders, documents: [orderDocument(manyOrders[0])] },
      { upserted: 249, removed: 0 },
      manyOrders.map((record) => `order:${record.orderId}`),
    ],
  ])('%s', async (_name, seed, output, ids) => {
    // Prepare
    const services = memoryServices({ now: Now })
    for (const record of seed.orders ?? []) services.orders.set(record.orderId, record)
    for (const record of seed.users ?? []) services.users.set(record.userId, record)
    for (const document of seed.documents ?? []) services.documents.set(document.id, document)

    // Act
    const exit = await run(services)

    // Assess
    expect(exit).toEqual(Exit.succeed(output))
    expect([...services.documents.keys()].sort()).toEqual(ids)
  })

  it("builds missing documents with the change workflow's builders, and leaves documents of other kinds alone", async () => {
    // Prepare
    const services = memoryServices({ now: Now })
    services.orders.set('ord-1', order('ord-1'))
    services.users.set('usr-1', user('usr-1'))
    const image = { id: 'image:uploads/cat.jpg', kind: 'image', title: 'uploads/cat.jpg', text: 'cat.jpg', data: {} }
    services.documents.set(image.id, image)

    // Act
    await run(services)

    // Assess
    expect(services.documents.get('order:ord-1')).toEqual(orderDocument(order('ord-1')))
    expect(services.documents.get('user:usr-1')).toEqual(userDocument(user('usr-1')))
    expect(services.documents.get(image.id)).toEqual(image)
  })

  it("leaves an existing document as it is, even when it is out of date (keeping it current is the change workflow's job)", async () => {
    const services = memoryServices({ now: Now })
    services.orders.set('ord-1', order('ord-1', { status: 'REJECTED' }))
    services.documents.set('order:ord-1', orderDocument(order('ord-1')))

    const exit = await run(services)

    expect(exit).toEqual(Exit.succeed({ upserted: 0, removed: 0 }))
    expect(services.documents.get('order:ord-1')).toEqual(orderDocument(order('ord-1')))
  })
})
