/**
 * UserTableDynamoDB over the DynamoDB protocol: the UserTable contract against dynalite, then what only this adapter
 * does with its two kinds of item (the user, and the reservation of its username). dynalite has no
 * TransactWriteItems: test/support/emulators.ts serves it in front of dynalite, each action's condition evaluated by
 * dynalite, so `create` and `remove` run their real transactions. The request shapes are asserted in
 * test/unit/infra/aws/layers/user-table-dynamodb.test.ts.
 */
import { Exit } from 'effect'
import { UserTableDynamoDB, usernameKey } from '../../infra/aws/layers/user-table-dynamodb'
import { UserTable } from '../../steps/services/user-table'
import { newUser, userTableContract } from '../contracts/user-table'
import { dynamoDBSuite } from '../support/emulators'
import { runWith, type RunWithService } from '../support/run-with'

const dynamodb = dynamoDBSuite({ prefix: 'users', key: 'userId' })
const freshTable = dynamodb.freshTable

userTableContract('DynamoDB (dynalite)', async () => UserTableDynamoDB(dynamodb.client, await freshTable()), {
  backendFailure: { failing: () => UserTableDynamoDB(dynamodb.failingClient, 'users-table') },
})

describe('UserTableDynamoDB on dynalite, beyond the contract', () => {
  const ada = newUser('u-ada', 'ada')
  let table: string
  let run: RunWithService<typeof UserTable.Service, UserTable, never>
  beforeEach(async () => {
    table = await freshTable()
    run = runWith(UserTableDynamoDB(dynamodb.client, table), UserTable)
    await run((users) => users.create(ada))
  })

  const stored = (userId: string) => dynamodb.stored(table, { userId })

  it('stores a user as two items: the user with its kind, and the reservation of its username', async () => {
    expect(await stored('u-ada')).toEqual({ ...ada, kind: 'user' })
    expect(await stored(usernameKey('ada'))).toEqual({ userId: usernameKey('ada'), kind: 'username', owner: 'u-ada' })
  })

  it('never reads a username reservation as a user', async () => {
    expect(await run((users) => users.get(usernameKey('ada')))).toEqual(Exit.succeed(undefined))
    expect(await run((users) => users.list({ limit: 10 }))).toEqual(Exit.succeed({ items: [ada] }))
  })

  it('answers undefined to setStatus of a username reservation, and leaves it as it was', async () => {
    expect(await run((users) => users.setStatus(usernameKey('ada'), 'suspended', '2026-01-11T00:00:00.000Z'))).toEqual(
      Exit.succeed(undefined),
    )
    expect(await stored(usernameKey('ada'))).toEqual({ userId: usernameKey('ada'), kind: 'username', owner: 'u-ada' })
  })

  // Without its condition UpdateItem would create the item (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html),
  // which `get` would not show, since it has no kind.
  it('writes no item for setStatus of a missing user', async () => {
    await run((users) => users.setStatus('u-nobody', 'suspended', '2026-01-11T00:00:00.000Z'))

    expect(await stored('u-nobody')).toBeUndefined()
  })

  it('removes both items of a user', async () => {
    await run((users) => users.remove('u-ada'))

    expect(await stored('u-ada')).toBeUndefined()
    expect(await stored(usernameKey('ada'))).toBeUndefined()
  })

  it('writes neither item when the username is taken: the transaction is all or nothing', async () => {
    expect(await run((users) => users.create(newUser('u-other', 'ada')))).toEqual(
      Exit.succeed({ created: false, reason: 'UsernameTaken' }),
    )
    expect(await stored('u-other')).toBeUndefined()
    expect(await stored(usernameKey('ada'))).toMatchObject({ owner: 'u-ada' })
  })
})
