import {
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  ThrottlingException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import type { User } from '../../../../../contracts/users'
import { UserTableDynamoDB } from '../../../../../infra/aws/layers/user-table-dynamodb'
import { UserTable } from '../../../../../steps/services/user-table'
import { runWith } from '../../../../support/run-with'
import { defectOf } from '../../../../support/exits'

const table = 'users-table'
const client = new DynamoDBClient({ region: 'eu-west-1' })
const dynamodb = mockClient(client)

const run = runWith(UserTableDynamoDB(client, table), UserTable)

const alice: User = {
  userId: 'user-1',
  username: 'alice',
  email: 'alice@example.com',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}
const user = (n: number): User => ({ ...alice, userId: `user-${n}`, username: `user${n}` })

/** A user as the table stores it. */
const userItem = (u: User) => marshall({ ...u, kind: 'user' })

const canceled = (...reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    $metadata: {},
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
    CancellationReasons: reasons,
  })
const none: CancellationReason = { Code: 'None' }
const conditionFailed = (item?: Record<string, unknown>): CancellationReason => ({
  Code: 'ConditionalCheckFailed',
  Message: 'The conditional request failed',
  ...(item === undefined ? {} : { Item: marshall(item) }),
})

beforeEach(() => dynamodb.reset())

describe('UserTableDynamoDB.get', () => {
  it('sends a consistent GetItem by userId and decodes the user without kind', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: userItem(alice) })

    const exit = await run((users) => users.get('user-1'))

    expect(exit).toEqual(Exit.succeed(alice))
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { userId: { S: 'user-1' } }, ConsistentRead: true },
    ])
  })
})

describe('UserTableDynamoDB.create', () => {
  it('writes the user and its username reservation in one transaction, each conditioned on being new', async () => {
    dynamodb.on(TransactWriteItemsCommand).resolves({})

    const exit = await run((users) => users.create(alice))

    expect(exit).toEqual(Exit.succeed({ created: true }))
    expect(dynamodb.commandCalls(TransactWriteItemsCommand).map((call) => call.args[0].input)).toEqual([
      {
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: {
                userId: { S: 'user-1' },
                username: { S: 'alice' },
                email: { S: 'alice@example.com' },
                status: { S: 'active' },
                createdAt: { S: '2026-01-01T00:00:00.000Z' },
                updatedAt: { S: '2026-01-01T00:00:00.000Z' },
                kind: { S: 'user' },
              },
              ConditionExpression: 'attribute_not_exists(#userId)',
              ExpressionAttributeNames: { '#userId': 'userId' },
            },
          },
          {
            Put: {
              TableName: table,
              Item: { userId: { S: 'username#alice' }, kind: { S: 'username' }, owner: { S: 'user-1' } },
              ConditionExpression: 'attribute_not_exists(#userId)',
              ExpressionAttributeNames: { '#userId': 'userId' },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        ],
      },
    ])
  })

  it('answers UsernameTaken when another user holds the username', async () => {
    dynamodb
      .on(TransactWriteItemsCommand)
      .rejects(canceled(none, conditionFailed({ userId: 'username#alice', kind: 'username', owner: 'user-9' })))

    expect(await run((users) => users.create(alice))).toEqual(Exit.succeed({ created: false, reason: 'UsernameTaken' }))
  })

  it('answers UsernameTaken when the reason carries no item to tell the holder', async () => {
    dynamodb.on(TransactWriteItemsCommand).rejects(canceled(none, conditionFailed()))

    expect(await run((users) => users.create(alice))).toEqual(Exit.succeed({ created: false, reason: 'UsernameTaken' }))
  })

  it('answers created when this very user holds the username: an earlier attempt of the same call committed', async () => {
    dynamodb
      .on(TransactWriteItemsCommand)
      .rejects(
        canceled(conditionFailed(), conditionFailed({ userId: 'username#alice', kind: 'username', owner: 'user-1' })),
      )

    expect(await run((users) => users.create(alice))).toEqual(Exit.succeed({ created: true }))
  })

  it('dies when only the user id exists, under another username', async () => {
    dynamodb.on(TransactWriteItemsCommand).rejects(canceled(conditionFailed(), none))

    const exit = await run((users) => users.create(alice))

    expect(defectOf(exit)).toEqual(new Error('UserTable.create: user id user-1 already exists with another username'))
  })

  it.each([
    ['TransactionConflict', 'Transaction is ongoing for the item'],
    ['ThrottlingError', 'Throughput exceeds the current capacity of your table or index.'],
    ['ProvisionedThroughputExceeded', 'The level of configured provisioned throughput for the table was exceeded.'],
  ])('fails with TransientError when canceled by %s', async (code, message) => {
    const error = canceled({ Code: code, Message: message }, none)
    dynamodb.on(TransactWriteItemsCommand).rejects(error)

    const exit = await run((users) => users.create(alice))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'UserTable.create',
          message: `TransactionCanceledException: ${error.message}`,
        }),
      ),
    )
  })

  it('dies when canceled by a ValidationError', async () => {
    const error = canceled(
      { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' },
      none,
    )
    dynamodb.on(TransactWriteItemsCommand).rejects(error)

    expect(defectOf(await run((users) => users.create(alice)))).toBe(error)
  })

  it('fails with TransientError when the whole request is throttled', async () => {
    dynamodb.on(TransactWriteItemsCommand).rejects(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((users) => users.create(alice))

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'UserTable.create', message: 'ThrottlingException: Rate exceeded' })),
    )
  })
})

describe('UserTableDynamoDB.remove', () => {
  const removal = {
    TransactItems: [
      {
        Delete: {
          TableName: table,
          Key: { userId: { S: 'user-1' } },
          ConditionExpression: 'attribute_exists(#userId) AND #username = :username',
          ExpressionAttributeNames: { '#userId': 'userId', '#username': 'username' },
          ExpressionAttributeValues: { ':username': { S: 'alice' } },
        },
      },
      {
        Delete: {
          TableName: table,
          Key: { userId: { S: 'username#alice' } },
          ConditionExpression: 'attribute_not_exists(#userId) OR #owner = :userId',
          ExpressionAttributeNames: { '#userId': 'userId', '#owner': 'owner' },
          ExpressionAttributeValues: { ':userId': { S: 'user-1' } },
        },
      },
    ],
  }

  it('reads the user, then deletes it and its username reservation in one transaction', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: userItem(alice) })
    dynamodb.on(TransactWriteItemsCommand).resolves({})

    const exit = await run((users) => users.remove('user-1'))

    expect(exit).toEqual(Exit.succeed(true))
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { userId: { S: 'user-1' } }, ConsistentRead: true },
    ])
    expect(dynamodb.commandCalls(TransactWriteItemsCommand).map((call) => call.args[0].input)).toEqual([removal])
  })

  it('answers false, writing nothing, when there is no such user', async () => {
    dynamodb.on(GetItemCommand).resolves({})

    expect(await run((users) => users.remove('user-1'))).toEqual(Exit.succeed(false))
    expect(dynamodb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0)
  })

  it('answers false when the user went away between the read and the transaction', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: userItem(alice) })
    dynamodb.on(TransactWriteItemsCommand).rejects(canceled(conditionFailed(), none))

    expect(await run((users) => users.remove('user-1'))).toEqual(Exit.succeed(false))
  })

  it('dies when the username is reserved by another user', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: userItem(alice) })
    dynamodb.on(TransactWriteItemsCommand).rejects(canceled(none, conditionFailed()))

    const exit = await run((users) => users.remove('user-1'))

    expect(defectOf(exit)).toEqual(
      new Error('UserTable.remove: username alice of user user-1 is reserved by another user'),
    )
  })

  it('fails with TransientError when canceled by a concurrent transaction', async () => {
    const error = canceled({ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }, none)
    dynamodb.on(GetItemCommand).resolves({ Item: userItem(alice) })
    dynamodb.on(TransactWriteItemsCommand).rejects(error)

    const exit = await run((users) => users.remove('user-1'))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'UserTable.remove',
          message: `TransactionCanceledException: ${error.message}`,
        }),
      ),
    )
  })
})

describe('UserTableDynamoDB.setStatus', () => {
  it('sends an UpdateItem on an existing user item, counting the write in its version, returning ALL_NEW', async () => {
    const suspended = { ...alice, status: 'suspended' as const, updatedAt: '2026-02-01T00:00:00.000Z', version: 2 }
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: userItem(suspended) })

    const exit = await run((users) => users.setStatus('user-1', 'suspended', '2026-02-01T00:00:00.000Z'))

    expect(exit).toEqual(Exit.succeed(suspended))
    expect(dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { userId: { S: 'user-1' } },
        UpdateExpression: 'SET #status = :status, #updatedAt = :updatedAt ADD #version :one',
        ConditionExpression: 'attribute_exists(#userId) AND #kind = :user',
        ExpressionAttributeNames: {
          '#userId': 'userId',
          '#kind': 'kind',
          '#status': 'status',
          '#updatedAt': 'updatedAt',
          '#version': 'version',
        },
        ExpressionAttributeValues: {
          ':user': { S: 'user' },
          ':status': { S: 'suspended' },
          ':updatedAt': { S: '2026-02-01T00:00:00.000Z' },
          ':one': { N: '1' },
        },
        ReturnValues: 'ALL_NEW',
      },
    ])
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb.on(UpdateItemCommand).rejects(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((users) => users.setStatus('user-1', 'active', '2026-02-01T00:00:00.000Z'))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({ operation: 'UserTable.setStatus', message: 'ThrottlingException: Rate exceeded' }),
      ),
    )
  })
})

describe('UserTableDynamoDB.list', () => {
  const scanInput = {
    TableName: table,
    FilterExpression: '#kind = :user',
    ExpressionAttributeNames: { '#kind': 'kind' },
    ExpressionAttributeValues: { ':user': { S: 'user' } },
    Limit: 4,
  }
  const cursorOf = (userId: string) => Buffer.from(JSON.stringify({ userId })).toString('base64url')

  it('sends a Scan filtered on kind = user, reading twice the page size', async () => {
    dynamodb.on(ScanCommand).resolves({
      Items: [userItem(user(1)), userItem(user(2))],
      LastEvaluatedKey: marshall({ userId: 'username#user2' }),
    })

    const exit = await run((users) => users.list({ limit: 2 }))

    expect(exit).toEqual(Exit.succeed({ items: [user(1), user(2)], next: cursorOf('username#user2') }))
    expect(dynamodb.commandCalls(ScanCommand).map((call) => call.args[0].input)).toEqual([scanInput])
  })

  it('reads on while the filter left the page short, starting from the cursor', async () => {
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: marshall({ userId: 'username#user1' }) })
      .resolvesOnce({ Items: [userItem(user(3))] })

    const exit = await run((users) => users.list({ limit: 2, cursor: cursorOf('user-0') }))

    expect(exit).toEqual(Exit.succeed({ items: [user(3)] }))
    expect(dynamodb.commandCalls(ScanCommand).map((call) => call.args[0].input)).toEqual([
      { ...scanInput, ExclusiveStartKey: { userId: { S: 'user-0' } } },
      { ...scanInput, ExclusiveStartKey: { userId: { S: 'username#user1' } } },
    ])
  })

  it('cuts a page that read more users than it takes, with the last user handed out as the cursor', async () => {
    dynamodb.on(ScanCommand).resolves({
      Items: [userItem(user(1)), userItem(user(2)), userItem(user(3))],
      LastEvaluatedKey: marshall({ userId: 'user-3' }),
    })

    const exit = await run((users) => users.list({ limit: 2 }))

    expect(exit).toEqual(Exit.succeed({ items: [user(1), user(2)], next: cursorOf('user-2') }))
  })

  it('dies on an invalid cursor', async () => {
    const exit = await run((users) =>
      users.list({ limit: 2, cursor: Buffer.from('{"orderId":"x"}').toString('base64url') }),
    )

    expect(defectOf(exit)).toEqual(new Error('UserTable.list: invalid cursor'))
  })
})
