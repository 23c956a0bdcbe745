/**
 * SearchIndexDynamoDB against dynalite: PutItem replacing by key, DeleteItem of absent ids, and `listIds` reading a
 * Scan that really stops at DynamoDB's 1 MB page and hands back a LastEvaluatedKey.
 *
 * Suite scope: see object-store-s3.test.ts (EventBridge and SQS stay on aws-sdk-client-mock only).
 */
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Exit } from 'effect'
import type { SearchDocument } from '../../../contracts/images'
import { SearchIndexDynamoDB } from '../../../infra/aws/layers/search-index-dynamodb'
import { SearchIndex } from '../../../steps/services/search-index'
import { startDynamoDB, type DynamoDBEmulator } from '../../support/emulators'

let dynamodb: DynamoDBEmulator

beforeAll(async () => {
  dynamodb = await startDynamoDB()
  await Promise.all(['search-small', 'search-large'].map((name) => dynamodb.createTable({ name, key: 'id' })))
})
afterAll(() => dynamodb.stop())

const run = <A, E>(table: string, use: (index: typeof SearchIndex.Service) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(
    Effect.flatMap(SearchIndex, use).pipe(Effect.provide(SearchIndexDynamoDB(dynamodb.client, table))),
  )

const scanAll = async (table: string) => {
  const { Items = [] } = await dynamodb.client.send(new ScanCommand({ TableName: table }))
  return Items.map((item) => unmarshall(item))
}

const doc = (id: string, kind: string, title = `title of ${id}`, data: unknown = { id }): SearchDocument => ({
  id,
  kind,
  title,
  text: `text of ${id}`,
  data,
})

describe('SearchIndexDynamoDB against dynalite', () => {
  const table = 'search-small'

  it('keeps one document per id: a second upsert replaces the first whole', async () => {
    await run(table, (index) => index.upsert(doc('order-1', 'order', 'first title', { total: 10, note: 'first' })))

    const second = await run(table, (index) => index.upsert(doc('order-1', 'order', 'second title', { total: 12 })))
    const { Item } = await dynamodb.client.send(
      new GetItemCommand({ TableName: table, Key: marshall({ id: 'order-1' }), ConsistentRead: true }),
    )

    expect(second).toEqual(Exit.void)
    expect((await scanAll(table)).filter((item) => item.id === 'order-1')).toHaveLength(1)
    expect(unmarshall(Item ?? {})).toEqual({
      id: 'order-1',
      kind: 'order',
      title: 'second title',
      text: 'text of order-1',
      data: '{"total":12}',
    })
  })

  it('stores data as JSON text, so numbers DynamoDB could not hold and absent data survive', async () => {
    await run(table, (index) =>
      index.upsert(doc('image-big', 'image', 'big', { bytes: 2 ** 60, nested: [1, { a: null }] })),
    )
    await run(table, (index) => index.upsert({ ...doc('image-none', 'image'), data: undefined }))

    const items = await scanAll(table)

    expect(JSON.parse(items.find((item) => item.id === 'image-big')?.data)).toEqual({
      bytes: 2 ** 60,
      nested: [1, { a: null }],
    })
    expect(items.find((item) => item.id === 'image-none')?.data).toBe('null')
  })

  it('removes a document, and succeeds removing an id that is not there', async () => {
    await run(table, (index) => index.upsert(doc('user-gone', 'user')))

    expect(await run(table, (index) => index.remove('user-gone'))).toEqual(Exit.void)
    expect(await run(table, (index) => index.remove('user-never-there'))).toEqual(Exit.void)
    expect((await scanAll(table)).map((item) => item.id)).not.toContain('user-gone')
  })

  it('lists the ids of one kind, sorted, and none of another kind', async () => {
    for (const id of ['user-c', 'user-a', 'user-b']) await run(table, (index) => index.upsert(doc(id, 'user')))

    expect(await run(table, (index) => index.listIds('user'))).toEqual(Exit.succeed(['user-a', 'user-b', 'user-c']))
    expect(await run(table, (index) => index.listIds('nothing-of-this-kind'))).toEqual(Exit.succeed([]))
  })

  it('lists the ids of a kind over every Scan page when the table outgrows one 1 MB page', async () => {
    const large = 'search-large'
    const text = 'x'.repeat(90 * 1024)
    // 16 documents of ~90 KB: about 1.4 MB, two Scan pages; half images, half orders, in no sorted order.
    const ids = Array.from({ length: 16 }, (_, index) => `doc-${String((index * 7) % 16).padStart(2, '0')}`)
    for (const [index, id] of ids.entries()) {
      await run(large, (search) => search.upsert({ ...doc(id, index % 2 === 0 ? 'image' : 'order'), text }))
    }
    const firstPage = await dynamodb.client.send(new ScanCommand({ TableName: large, ProjectionExpression: 'id' }))

    const images = await run(large, (search) => search.listIds('image'))
    const orders = await run(large, (search) => search.listIds('order'))

    expect(firstPage.LastEvaluatedKey).toBeDefined()
    expect(images).toEqual(Exit.succeed(ids.filter((_, index) => index % 2 === 0).sort()))
    expect(orders).toEqual(Exit.succeed(ids.filter((_, index) => index % 2 === 1).sort()))
  })
})
