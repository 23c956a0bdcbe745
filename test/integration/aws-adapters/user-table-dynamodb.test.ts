/**
 * UserTableDynamoDB against dynalite, for the paths dynalite can serve: `get`, `setStatus` (UpdateItem conditioned on
 * `attribute_exists(#userId) AND #kind = :user`, ReturnValues ALL_NEW) and `list` (a filtered Scan whose Limit counts
 * the username reservations too).
 *
 * `create` and `remove` stay on aws-sdk-client-mock (test/unit/infra/aws/layers/user-table-dynamodb.test.ts): both
 * are TransactWriteItems, which dynalite does not implement (it answers UnknownOperationException, so the adapter
 * could only die). The table is therefore seeded here with plain PutItems of the two items `create` writes (the
 * user with `kind = 'user'`, and its `username#<name>` reservation), shaped as the adapter shapes them.
 *
 * Suite scope: see object-store-s3.test.ts (EventBridge and SQS stay on aws-sdk-client-mock only).
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Exit } from 'effect'
import type { User } from '../../../contracts/users'
import { UserTableDynamoDB, usernameKey } from '../../../infra/aws/layers/user-table-dynamodb'
import type { Page } from '../../../steps/services/order-table'
import { UserTable } from '../../../steps/services/user-table'
import { startDynamoDB, type DynamoDBEmulator } from '../../support/emulators'

let dynamodb: DynamoDBEmulator

const table = 'users-table'
const listed = 'users-listed'

const user = (userId: string, username: string): User => ({
  userId,
  username,
  email: `${username}@example.com`,
  status: 'active',
  createdAt: '2026-01-10T09:00:00.000Z',
  updatedAt: '2026-01-10T09:00:00.000Z',
})

/** The two items `create`'s transaction writes, without the transaction. */
const seed = async (inTable: string, seeded: User) => {
  await dynamodb.client.send(new PutItemCommand({ TableName: inTable, Item: marshall({ ...seeded, kind: 'user' }) }))
  await dynamodb.client.send(
    new PutItemCommand({
      TableName: inTable,
      Item: marshall({ userId: usernameKey(seeded.username), kind: 'username', owner: seeded.userId }),
    }),
  )
}

const ada = user('u-ada', 'ada')
const grace = user('u-grace', 'grace')
// Seven users and their seven reservations, in a table of their own so that `list` sees only them.
const many = Array.from({ length: 7 }, (_, index) => user(`u-${index}`, `user-${index}`))

beforeAll(async () => {
  dynamodb = await startDynamoDB()
  await Promise.all([table, listed].map((name) => dynamodb.createTable({ name, key: 'userId' })))
  for (const seeded of [ada, grace]) await seed(table, seeded)
  for (const seeded of many) await seed(listed, seeded)
})
afterAll(() => dynamodb.stop())

const run = <A, E>(use: (users: typeof UserTable.Service) => Effect.Effect<A, E>, inTable = table) =>
  Effect.runPromiseExit(
    Effect.flatMap(UserTable, use).pipe(Effect.provide(UserTableDynamoDB(dynamodb.client, inTable))),
  )

const stored = async (userId: string) => {
  const { Item } = await dynamodb.client.send(
    new GetItemCommand({ TableName: table, Key: marshall({ userId }), ConsistentRead: true }),
  )
  return Item === undefined ? undefined : unmarshall(Item)
}

describe('UserTableDynamoDB against dynalite (no transactions)', () => {
  it('reads a user without its kind, and never a username reservation or an absent id', async () => {
    expect(await run((users) => users.get('u-ada'))).toEqual(Exit.succeed(ada))
    expect(await run((users) => users.get(usernameKey('ada')))).toEqual(Exit.succeed(undefined))
    expect(await run((users) => users.get('u-nobody'))).toEqual(Exit.succeed(undefined))
  })

  it('sets the status of a user and answers the updated user', async () => {
    const exit = await run((users) => users.setStatus('u-grace', 'suspended', '2026-01-11T00:00:00.000Z'))

    // grace was written before versions: ADD starts the count from 0.
    const suspended: User = { ...grace, status: 'suspended', updatedAt: '2026-01-11T00:00:00.000Z', version: 1 }
    expect(exit).toEqual(Exit.succeed(suspended))
    expect(await run((users) => users.get('u-grace'))).toEqual(Exit.succeed(suspended))
  })

  it('answers undefined for an absent user, without UpdateItem creating an item', async () => {
    expect(await run((users) => users.setStatus('u-nobody', 'suspended', '2026-01-11T00:00:00.000Z'))).toEqual(
      Exit.succeed(undefined),
    )
    expect(await stored('u-nobody')).toBeUndefined()
  })

  it('answers undefined for a username reservation, and leaves it as it was', async () => {
    expect(await run((users) => users.setStatus(usernameKey('ada'), 'suspended', '2026-01-11T00:00:00.000Z'))).toEqual(
      Exit.succeed(undefined),
    )
    expect(await stored(usernameKey('ada'))).toEqual({ userId: usernameKey('ada'), kind: 'username', owner: 'u-ada' })
  })

  it.each([1, 2, 3, 7, 20])(
    'lists every user once, a page of at most %i at a time, and no reservation',
    async (limit) => {
      const pages: Page<User>[] = []
      let cursor: string | undefined
      do {
        const exit = await run((users) => users.list({ limit, ...(cursor === undefined ? {} : { cursor }) }), listed)
        if (Exit.isFailure(exit)) throw new Error(`list failed: ${String(exit.cause)}`)
        pages.push(exit.value)
        cursor = exit.value.next
      } while (cursor !== undefined && pages.length < 50)
      const ids = pages.flatMap((page) => page.items.map((listedUser) => listedUser.userId))

      expect(pages.every((page) => page.items.length <= limit)).toBe(true)
      // Only the last page may be short: a short page before it would mean `list` stopped reading too early.
      expect(pages.slice(0, -1).every((page) => page.items.length === limit)).toBe(true)
      expect([...ids].sort()).toEqual(many.map((listedUser) => listedUser.userId).sort())
      expect(pages.flatMap((page) => page.items)).toEqual(expect.arrayContaining(many))
    },
  )
})
