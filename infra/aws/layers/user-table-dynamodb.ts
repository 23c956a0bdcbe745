import {
  GetItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type TransactionCanceledException,
} from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer, Schema } from 'effect'
import type { TransientError } from '../../../contracts/errors'
import { User, type UserStatus } from '../../../contracts/users'
import { UserTable } from '../../../steps/services/user-table'
import {
  callAws,
  cancellationCodes,
  failTransientOrDie,
  isConditionalCheckFailed,
  isTransactionCanceled,
  tryAws,
} from './classify'
import { decodeCursor, encodeCursor, readPages, type Item } from './dynamodb-pages'

/** The `userId` of the item reserving a username. Usernames cannot contain `#` (contracts/users.ts), user ids should not. */
export const usernameKey = (username: string): string => `username#${username}`

/** The condition of both puts of `create`: neither the user nor the username reservation may exist. */
export const createCondition = 'attribute_not_exists(#userId)'

/** `setStatus` changes only an existing user item, never a username reservation. */
export const setStatusCondition = 'attribute_exists(#userId) AND #kind = :user'

/** `remove` deletes the user it read, with the username it read. */
export const removeUserCondition = 'attribute_exists(#userId) AND #username = :username'

/** `remove` deletes the username reservation when this user holds it; an absent one passes (deleting nothing). */
export const removeUsernameCondition = 'attribute_not_exists(#userId) OR #owner = :userId'

const conditionFailed = 'ConditionalCheckFailed'

const userItem = (user: User): Item => marshall({ ...user, kind: 'user' })
const usernameItem = (user: User): Item =>
  marshall({ userId: usernameKey(user.username), kind: 'username', owner: user.userId })

// Decoding drops `kind`; an item that no longer decodes as a User is a schema drift between writers: a defect.
const decodeUser = (item: Item): Effect.Effect<User> => Schema.decodeUnknown(User)(unmarshall(item)).pipe(Effect.orDie)

const isUserItem = (item: Item): boolean => item.kind?.S === 'user'

type CreateResult = { readonly created: true } | { readonly created: false; readonly reason: 'UsernameTaken' }

/**
 * The answer to a canceled `create`, from the reason of each put (user first, username second):
 * - the username is reserved by this same user id: an earlier attempt of this very call committed (its response was
 *   lost, or the workflow retried), so it is created, as a retry must answer;
 * - the username is reserved by another user: UsernameTaken;
 * - only the user id exists, under another username: two users got one id, which only a bug can do (a defect).
 * Anything else (a conflict with a concurrent transaction, throttling, validation) is classified as usual.
 */
const createOutcome = (
  user: User,
  error: TransactionCanceledException,
): Effect.Effect<CreateResult, TransientError> => {
  const [userCode, usernameCode] = cancellationCodes(error)
  if (usernameCode === conditionFailed) {
    const owner = error.CancellationReasons?.[1]?.Item?.owner?.S
    return Effect.succeed(owner === user.userId ? { created: true } : { created: false, reason: 'UsernameTaken' })
  }
  return userCode === conditionFailed
    ? Effect.dieMessage(`UserTable.create: user id ${user.userId} already exists with another username`)
    : failTransientOrDie('UserTable.create')(error)
}

const makeUserTable = (client: DynamoDBClient, table: string): typeof UserTable.Service => {
  // Strongly consistent, so `remove` reads the username it must free as it stands. A username reservation is not a user.
  const get = (userId: string): Effect.Effect<User | undefined, TransientError> =>
    callAws('UserTable.get', (abortSignal) =>
      client.send(new GetItemCommand({ TableName: table, Key: marshall({ userId }), ConsistentRead: true }), {
        abortSignal,
      }),
    ).pipe(
      Effect.flatMap((out) =>
        out.Item === undefined || !isUserItem(out.Item) ? Effect.succeed(undefined) : decodeUser(out.Item),
      ),
    )

  // Both items or neither (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-apis-txwriteitems).
  // The SDK fills ClientRequestToken once per command, so its own retries of a committed transaction succeed too.
  const create = (user: User): Effect.Effect<CreateResult, TransientError> =>
    tryAws((abortSignal) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: userItem(user),
                ConditionExpression: createCondition,
                ExpressionAttributeNames: { '#userId': 'userId' },
              },
            },
            {
              Put: {
                TableName: table,
                Item: usernameItem(user),
                ConditionExpression: createCondition,
                ExpressionAttributeNames: { '#userId': 'userId' },
                // Tells whose reservation stopped the transaction (the `Item` of its cancellation reason).
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
        { abortSignal },
      ),
    ).pipe(
      Effect.as<CreateResult>({ created: true }),
      Effect.catchAll((error) =>
        isTransactionCanceled(error) ? createOutcome(user, error) : failTransientOrDie('UserTable.create')(error),
      ),
    )

  const setStatus = (userId: string, status: UserStatus, at: string): Effect.Effect<User | undefined, TransientError> =>
    tryAws((abortSignal) =>
      client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: marshall({ userId }),
          // ADD counts the write, starting from 0 on a user written before versions.
          UpdateExpression: 'SET #status = :status, #updatedAt = :updatedAt ADD #version :one',
          ConditionExpression: setStatusCondition,
          ExpressionAttributeNames: {
            '#userId': 'userId',
            '#kind': 'kind',
            '#status': 'status',
            '#updatedAt': 'updatedAt',
            '#version': 'version',
          },
          ExpressionAttributeValues: marshall({ ':user': 'user', ':status': status, ':updatedAt': at, ':one': 1 }),
          ReturnValues: 'ALL_NEW',
        }),
        { abortSignal },
      ),
    ).pipe(
      Effect.flatMap((out) =>
        out.Attributes === undefined
          ? Effect.dieMessage('UpdateItem with ReturnValues ALL_NEW answered no Attributes')
          : decodeUser(out.Attributes),
      ),
      Effect.catchAll((error) =>
        isConditionalCheckFailed(error) ? Effect.succeed(undefined) : failTransientOrDie('UserTable.setStatus')(error),
      ),
    )

  // A false user condition means the user went away since the read: a concurrent remove, so there was none to remove.
  const removeRead = (user: User): Effect.Effect<boolean, TransientError> =>
    tryAws((abortSignal) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Delete: {
                TableName: table,
                Key: marshall({ userId: user.userId }),
                ConditionExpression: removeUserCondition,
                ExpressionAttributeNames: { '#userId': 'userId', '#username': 'username' },
                ExpressionAttributeValues: marshall({ ':username': user.username }),
              },
            },
            {
              Delete: {
                TableName: table,
                Key: marshall({ userId: usernameKey(user.username) }),
                ConditionExpression: removeUsernameCondition,
                ExpressionAttributeNames: { '#userId': 'userId', '#owner': 'owner' },
                ExpressionAttributeValues: marshall({ ':userId': user.userId }),
              },
            },
          ],
        }),
        { abortSignal },
      ),
    ).pipe(
      Effect.as(true),
      Effect.catchAll((error) => {
        if (!isTransactionCanceled(error)) return failTransientOrDie('UserTable.remove')(error)
        const [userCode, usernameCode] = cancellationCodes(error)
        return userCode === conditionFailed
          ? Effect.succeed(false)
          : usernameCode === conditionFailed
            ? Effect.dieMessage(
                `UserTable.remove: username ${user.username} of user ${user.userId} is reserved by another user`,
              )
            : failTransientOrDie('UserTable.remove')(error)
      }),
    )

  // Limit counts the items a Scan reads, before its FilterExpression drops the username reservations
  // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.FilterExpression), so one request
  // can answer fewer users than asked, or none: read on until the page is full. Each user has one reservation, so
  // reading twice the page size fills it in one request most of the time. When more users were read than the page
  // takes, the cursor is the key of the last user handed out: a Scan resumes after any key it is given.
  const list = ({ limit, cursor }: { readonly limit: number; readonly cursor?: string }) =>
    Effect.flatMap(
      cursor === undefined ? Effect.succeed(undefined) : decodeCursor('UserTable.list', cursor, ['userId']),
      (start) =>
        readPages(
          'UserTable.list',
          (exclusiveStartKey, abortSignal) =>
            client.send(
              new ScanCommand({
                TableName: table,
                FilterExpression: '#kind = :user',
                ExpressionAttributeNames: { '#kind': 'kind' },
                ExpressionAttributeValues: marshall({ ':user': 'user' }),
                Limit: limit * 2,
                ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
              }),
              { abortSignal },
            ),
          { ...(start === undefined ? {} : { start }), enough: (count) => count >= limit },
        ),
    ).pipe(
      Effect.flatMap(({ items, lastKey }) => {
        const page = items.slice(0, limit)
        const next = items.length > limit ? marshall({ userId: unmarshall(page.at(-1)!).userId }) : lastKey
        return Effect.map(Effect.forEach(page, decodeUser), (users) =>
          next === undefined ? { items: users } : { items: users, next: encodeCursor(next) },
        )
      }),
    )

  return {
    get,
    create,
    list,
    setStatus,
    remove: (userId) =>
      Effect.flatMap(get(userId), (user) => (user === undefined ? Effect.succeed(false) : removeRead(user))),
  }
}

/**
 * The {@link UserTable} port over a DynamoDB table whose partition key is `userId` (S), holding two kinds of item:
 * the user (`kind = 'user'`, the User record) and, for each user, the reservation of its username
 * (`userId = 'username#<name>'`, `kind = 'username'`, `owner` = the user's id). DynamoDB has no unique constraint
 * but a key, so the reservation's key is what makes usernames unique
 * (https://aws.amazon.com/blogs/database/simulating-amazon-dynamodb-unique-constraints-using-transactions/).
 * - `create` is a TransactWriteItems of two puts, each conditioned on {@link createCondition}; a
 *   `TransactionCanceledException` whose username put failed its condition answers UsernameTaken
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#API_TransactWriteItems_Errors).
 * - `remove` reads the user, then deletes both items in one TransactWriteItems ({@link removeUserCondition},
 *   {@link removeUsernameCondition}); it answers false when there is no user.
 * - `setStatus` is an UpdateItem conditioned on {@link setStatusCondition}, adding 1 to `version`, with ReturnValues ALL_NEW
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html); a
 *   `ConditionalCheckFailedException` answers undefined.
 * - `list` is a paged Scan filtered on `kind = 'user'`, in table order. (A Scan filter could test `begins_with` on the
 *   key, since only Query forbids key attributes in a FilterExpression; `kind` is explicit, whatever user ids look like.)
 * Every reader skips reservations, but a DynamoDB stream of this table carries them too: its consumers must drop
 * records whose image has `kind = 'username'`.
 */
export const UserTableDynamoDB = (client: DynamoDBClient, table: string): Layer.Layer<UserTable> =>
  Layer.succeed(UserTable, makeUserTable(client, table))
