import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import type { Order } from '../../../../../contracts/orders'
import { encodeCursor } from '../../../../../infra/aws/layers/dynamodb-pages'
import { OrderTableDynamoDB } from '../../../../../infra/aws/layers/order-table-dynamodb'
import { OrderTable } from '../../../../../steps/services/order-table'
import { runWith } from '../../../../support/run-with'
import { defectOf } from '../../../../support/exits'

const table = 'orders-table'
const client = new DynamoDBClient({ region: 'eu-west-1' })
const dynamodb = mockClient(client)

const run = runWith(OrderTableDynamoDB(client, table), OrderTable)

const pending: Order = {
  orderId: 'order-1',
  customerId: 'customer-1',
  items: [{ sku: 'sku-1', quantity: 2, unitPrice: 12.5 }],
  totalAmount: 25,
  currency: 'EUR',
  status: 'PENDING',
  origin: 'api',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}
const accepted: Order = { ...pending, status: 'ACCEPTED', reasons: [], updatedAt: '2026-01-01T00:01:00.000Z' }
const rejected: Order = {
  ...pending,
  status: 'REJECTED',
  reasons: ['limit exceeded'],
  updatedAt: '2026-01-01T00:02:00.000Z',
}

/** The item as the table holds it: the order, plus `pendingShard` while it is PENDING. */
const stored = (order: Order) =>
  marshall(order.status === 'PENDING' ? { ...order, pendingShard: 'PENDING' } : order, { removeUndefinedValues: true })

const conditionFailed = (order?: Order) =>
  new ConditionalCheckFailedException({
    $metadata: {},
    message: 'The conditional request failed',
    ...(order === undefined ? {} : { Item: stored(order) }),
  })

const cursorOf = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString('base64url')

beforeEach(() => dynamodb.reset())

describe('OrderTableDynamoDB.get', () => {
  it('sends a consistent GetItem by orderId and decodes the order without pendingShard', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: stored(pending) })

    const exit = await run((orders) => orders.get('order-1'))

    expect(exit).toEqual(Exit.succeed(pending))
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { orderId: { S: 'order-1' } }, ConsistentRead: true },
    ])
  })

  it('dies when the item no longer decodes as an Order', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: marshall({ orderId: 'order-1', status: 'SHIPPED' }) })

    const exit = await run((orders) => orders.get('order-1'))

    expect(defectOf(exit)).toMatchObject({ _tag: 'ParseError' })
  })
})

describe('OrderTableDynamoDB.create', () => {
  it('sends a PutItem conditioned on the id being free, writing pendingShard for the sparse index', async () => {
    dynamodb.on(PutItemCommand).resolves({})

    const exit = await run((orders) => orders.create(pending))

    expect(exit).toEqual(Exit.succeed({ created: true, order: pending }))
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Item: {
          orderId: { S: 'order-1' },
          customerId: { S: 'customer-1' },
          items: { L: [{ M: { sku: { S: 'sku-1' }, quantity: { N: '2' }, unitPrice: { N: '12.5' } } }] },
          totalAmount: { N: '25' },
          currency: { S: 'EUR' },
          status: { S: 'PENDING' },
          origin: { S: 'api' },
          createdAt: { S: '2026-01-01T00:00:00.000Z' },
          updatedAt: { S: '2026-01-01T00:00:00.000Z' },
          pendingShard: { S: 'PENDING' },
        },
        ConditionExpression: 'attribute_not_exists(#orderId)',
        ExpressionAttributeNames: { '#orderId': 'orderId' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ])
  })

  it('answers created:false with the order DynamoDB returned on ConditionalCheckFailed', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed(accepted))

    const exit = await run((orders) => orders.create(pending))

    expect(exit).toEqual(Exit.succeed({ created: false, order: accepted }))
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0)
  })

  it('reads the standing order when the failure carries no item', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed())
    dynamodb.on(GetItemCommand).resolves({ Item: stored(pending) })

    const exit = await run((orders) => orders.create({ ...pending, totalAmount: 99 }))

    expect(exit).toEqual(Exit.succeed({ created: false, order: pending }))
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { orderId: { S: 'order-1' } }, ConsistentRead: true },
    ])
  })

  it('fails with TransientError when the order vanished between the write and the read', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed())
    dynamodb.on(GetItemCommand).resolves({})

    const exit = await run((orders) => orders.create(pending))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'OrderTable.create',
          message: 'order order-1 vanished after a conditional check failed',
        }),
      ),
    )
  })

  it.each([
    ['ThrottlingException', new ThrottlingException({ $metadata: {}, message: 'slow down' })],
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ $metadata: {}, message: 'slow down' }),
    ],
  ])('fails with TransientError on %s', async (name, error) => {
    dynamodb.on(PutItemCommand).rejects(error)

    const exit = await run((orders) => orders.create(pending))

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'OrderTable.create', message: `${name}: slow down` })),
    )
  })

  it('dies on a ValidationException', async () => {
    const invalid = Object.assign(new Error('One or more parameter values were invalid'), {
      name: 'ValidationException',
      $fault: 'client',
    })
    dynamodb.on(PutItemCommand).rejects(invalid)

    const exit = await run((orders) => orders.create(pending))

    expect(defectOf(exit)).toBe(invalid)
  })
})

describe('OrderTableDynamoDB.decide', () => {
  it('sends a PutItem conditioned on the order being absent or PENDING, without pendingShard', async () => {
    dynamodb.on(PutItemCommand).resolves({})

    const exit = await run((orders) => orders.decide(rejected))

    expect(exit).toEqual(Exit.succeed({ changed: true, order: rejected }))
    const input = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input
    expect(input).toEqual({
      TableName: table,
      Item: marshall(rejected),
      ConditionExpression: 'attribute_not_exists(#orderId) OR #status = :pending',
      ExpressionAttributeNames: { '#orderId': 'orderId', '#status': 'status' },
      ExpressionAttributeValues: { ':pending': { S: 'PENDING' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })
    expect(input?.Item).not.toHaveProperty('pendingShard')
    expect(input?.Item?.reasons).toEqual({ L: [{ S: 'limit exceeded' }] })
  })

  it('answers changed:false with the decision that stands on ConditionalCheckFailed', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed(accepted))

    const exit = await run((orders) => orders.decide(rejected))

    expect(exit).toEqual(Exit.succeed({ changed: false, order: accepted }))
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb.on(PutItemCommand).rejects(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((orders) => orders.decide(accepted))

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'OrderTable.decide', message: 'ThrottlingException: Rate exceeded' })),
    )
  })
})

describe('OrderTableDynamoDB.listByCustomer', () => {
  const lastKey = { orderId: 'order-1', customerId: 'customer-1' }

  it('sends a Query on the byCustomer index and hands back LastEvaluatedKey as the cursor', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [stored(pending)], LastEvaluatedKey: marshall(lastKey) })

    const exit = await run((orders) => orders.listByCustomer('customer-1', { limit: 1 }))

    expect(exit).toEqual(Exit.succeed({ items: [pending], next: cursorOf(lastKey) }))
    expect(dynamodb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        IndexName: 'byCustomer',
        KeyConditionExpression: '#customerId = :customerId',
        ExpressionAttributeNames: { '#customerId': 'customerId' },
        ExpressionAttributeValues: { ':customerId': { S: 'customer-1' } },
        Limit: 1,
      },
    ])
  })

  it('starts after the cursor, and has no next on the last page', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [stored({ ...accepted, orderId: 'order-2' })] })

    const exit = await run((orders) => orders.listByCustomer('customer-1', { limit: 1, cursor: cursorOf(lastKey) }))

    expect(exit).toEqual(Exit.succeed({ items: [{ ...accepted, orderId: 'order-2' }] }))
    expect(dynamodb.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(marshall(lastKey))
  })

  it.each([
    ['not base64url JSON', '%%%'],
    ['JSON that is not an object', cursorOf(['order-1'] as never)],
    ['a key missing an attribute', cursorOf({ orderId: 'order-1' })],
    ['a key with an extra attribute', cursorOf({ ...lastKey, createdAt: 'x' })],
    ["another customer's key", cursorOf({ orderId: 'order-1', customerId: 'customer-2' })],
  ])('dies on a cursor that is %s, sending nothing', async (_name, cursor) => {
    const exit = await run((orders) => orders.listByCustomer('customer-1', { limit: 1, cursor }))

    expect(defectOf(exit)).toEqual(new Error('OrderTable.listByCustomer: invalid cursor'))
    expect(dynamodb.commandCalls(QueryCommand)).toHaveLength(0)
  })
})

describe('OrderTableDynamoDB.scan', () => {
  it('sends a Scan with the limit, from the cursor, and encodes the next one', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [stored(accepted)], LastEvaluatedKey: marshall({ orderId: 'order-1' }) })

    const exit = await run((orders) =>
      orders.scan({ limit: 1, cursor: encodeCursor(marshall({ orderId: 'order-0' })) }),
    )

    expect(exit).toEqual(Exit.succeed({ items: [accepted], next: cursorOf({ orderId: 'order-1' }) }))
    expect(dynamodb.commandCalls(ScanCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Limit: 1, ExclusiveStartKey: { orderId: { S: 'order-0' } } },
    ])
  })

  it('sends no ExclusiveStartKey for the first page, and has no next on the last', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [] })

    const exit = await run((orders) => orders.scan({ limit: 25 }))

    expect(exit).toEqual(Exit.succeed({ items: [] }))
    expect(dynamodb.commandCalls(ScanCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Limit: 25 },
    ])
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb.on(ScanCommand).rejects(new ProvisionedThroughputExceededException({ $metadata: {}, message: 'exceeded' }))

    const exit = await run((orders) => orders.scan({ limit: 25 }))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'OrderTable.scan',
          message: 'ProvisionedThroughputExceededException: exceeded',
        }),
      ),
    )
  })
})

describe('OrderTableDynamoDB.pendingBefore', () => {
  const older = { ...pending, orderId: 'order-0', createdAt: '2025-12-31T00:00:00.000Z' }
  const queryInput = {
    TableName: table,
    IndexName: 'pending',
    KeyConditionExpression: '#pendingShard = :pending AND #createdAt < :before',
    ExpressionAttributeNames: { '#pendingShard': 'pendingShard', '#createdAt': 'createdAt' },
    ExpressionAttributeValues: { ':pending': { S: 'PENDING' }, ':before': { S: '2026-01-02T00:00:00.000Z' } },
    Limit: 10,
  }

  it('sends a Query on the sparse pending index for orders created before the instant', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [stored(older), stored(pending)] })

    const exit = await run((orders) => orders.pendingBefore('2026-01-02T00:00:00.000Z', 10))

    expect(exit).toEqual(Exit.succeed([older, pending]))
    expect(dynamodb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([queryInput])
  })

  it('reads on past a short page (1 MB) until the limit, and no further', async () => {
    const pageKey = { orderId: 'order-0', createdAt: older.createdAt, pendingShard: 'PENDING' }
    const many = Array.from({ length: 10 }, (_, n) => ({ ...pending, orderId: `order-${n + 10}` }))
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored(older)], LastEvaluatedKey: marshall(pageKey) })
      .resolvesOnce({ Items: many.map(stored), LastEvaluatedKey: marshall({ ...pageKey, orderId: 'order-19' }) })

    const exit = await run((orders) => orders.pendingBefore('2026-01-02T00:00:00.000Z', 10))

    expect(exit).toEqual(Exit.succeed([older, ...many.slice(0, 9)]))
    expect(dynamodb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      queryInput,
      { ...queryInput, ExclusiveStartKey: marshall(pageKey) },
    ])
  })

  it('fails with TransientError when a later page is throttled', async () => {
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [],
        LastEvaluatedKey: marshall({ orderId: 'order-0', createdAt: older.createdAt, pendingShard: 'PENDING' }),
      })
      .rejectsOnce(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((orders) => orders.pendingBefore('2026-01-02T00:00:00.000Z', 10))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({ operation: 'OrderTable.pendingBefore', message: 'ThrottlingException: Rate exceeded' }),
      ),
    )
  })
})
