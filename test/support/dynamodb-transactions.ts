import {
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'

type Item = Record<string, AttributeValue>

interface Condition {
  readonly TableName: string
  readonly ConditionExpression?: string
  readonly ExpressionAttributeNames?: Record<string, string>
  readonly ExpressionAttributeValues?: Item
  readonly ReturnValuesOnConditionCheckFailure?: 'ALL_OLD' | 'NONE'
}

/** One action of a TransactWriteItems request, as it comes off the wire (ConditionCheck is not served here). */
type Action =
  | { readonly Put: Condition & { readonly Item: Item } }
  | { readonly Delete: Condition & { readonly Key: Item } }
  | { readonly Update: Condition & { readonly Key: Item; readonly UpdateExpression: string } }

export interface TransactWriteItemsRequest {
  readonly TransactItems: ReadonlyArray<Action>
}

interface Reason {
  readonly Code: string
  readonly Message?: string
  readonly Item?: Item
}

const errorName = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'Error'

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * TransactWriteItems over a DynamoDB endpoint that lacks it (dynalite), with DynamoDB's answers
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html): every action is applied
 * as its single-item request with its own condition, so dynalite evaluates each ConditionExpression; when any fails,
 * the ones applied are undone and the answer is a `TransactionCanceledException` with one `CancellationReasons` entry
 * per action, in request order, `None` for those that passed, and the standing item for a failed condition that asked
 * for ALL_OLD. All or nothing holds for one caller at a time, which is how the tests call it; it does not isolate
 * concurrent transactions.
 */
export const transactWriteItems = async (
  client: DynamoDBClient,
  request: TransactWriteItemsRequest,
): Promise<{ readonly status: number; readonly body: unknown }> => {
  const keyNames = new Map<string, ReadonlyArray<string>>()
  const keyOf = async (table: string, item: Item): Promise<Item> => {
    if (!keyNames.has(table)) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table }))
      keyNames.set(
        table,
        (Table?.KeySchema ?? []).map((key) => key.AttributeName ?? ''),
      )
    }
    return Object.fromEntries((keyNames.get(table) ?? []).map((name) => [name, item[name]!]))
  }

  const targets = await Promise.all(
    request.TransactItems.map(async (action) => {
      if ('Put' in action)
        return { table: action.Put.TableName, key: await keyOf(action.Put.TableName, action.Put.Item) }
      if ('Delete' in action) return { table: action.Delete.TableName, key: action.Delete.Key }
      if ('Update' in action) return { table: action.Update.TableName, key: action.Update.Key }
      throw new Error('this emulator serves Put, Delete and Update actions only')
    }),
  )
  const before = await Promise.all(
    targets.map(
      async ({ table, key }) =>
        (await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item,
    ),
  )

  const reasons: Reason[] = []
  const applied: number[] = []
  for (const [index, action] of request.TransactItems.entries()) {
    const condition = 'Put' in action ? action.Put : 'Delete' in action ? action.Delete : action.Update
    const { ReturnValuesOnConditionCheckFailure: returnValues, ...single } = condition
    try {
      if ('Put' in action) await client.send(new PutItemCommand(single as typeof action.Put))
      else if ('Delete' in action) await client.send(new DeleteItemCommand(single as typeof action.Delete))
      else await client.send(new UpdateItemCommand(single as typeof action.Update))
      applied.push(index)
      reasons.push({ Code: 'None' })
    } catch (error) {
      const standing = before[index]
      reasons.push(
        errorName(error) === 'ConditionalCheckFailedException'
          ? {
              Code: 'ConditionalCheckFailed',
              Message: 'The conditional request failed',
              ...(returnValues === 'ALL_OLD' && standing !== undefined ? { Item: standing } : {}),
            }
          : { Code: 'ValidationError', Message: message(error) },
      )
    }
  }
  if (reasons.every((reason) => reason.Code === 'None')) return { status: 200, body: {} }

  for (const index of applied.reverse()) {
    const { table, key } = targets[index]!
    const standing = before[index]
    if (standing === undefined) await client.send(new DeleteItemCommand({ TableName: table, Key: key }))
    else await client.send(new PutItemCommand({ TableName: table, Item: standing }))
  }
  return {
    status: 400,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
      CancellationReasons: reasons,
    },
  }
}
