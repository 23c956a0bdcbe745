import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer, Schema } from 'effect'
import { TransientError } from '../../../contracts/errors'
import { Order } from '../../../contracts/orders'
import { OrderTable, type Page } from '../../../steps/services/order-table'
import { callAws, failTransientOrDie, isConditionalCheckFailed, tryAws } from './classify'
import { decodeCursor, encodeCursor, readPages, type Item } from './dynamodb-pages'

/** The global secondary index listing a customer's orders: partition key `customerId` (S), sort key `orderId` (S). */
export const customerIndex = 'byCustomer'

/**
 * The sparse global secondary index of unfinished placements: partition key `pendingShard` (S), sort key `createdAt` (S).
 * Only items that have the partition key attribute appear in an index
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html), and an
 * order carries `pendingShard` only while its status is PENDING, so the index holds exactly the pending orders.
 */
export const pendingIndex = 'pending'

/** The one value of `pendingShard`. One partition: fine while pending orders are few and short-lived. */
export const pendingShard = 'PENDING'

/** A placement writes only when no order has this id, so a duplicate placement changes nothing. */
export const createCondition = 'attribute_not_exists(#orderId)'

/** A decision writes an absent order, or replaces a PENDING one; a decided order is never decided again. */
export const decideCondition = 'attribute_not_exists(#orderId) OR #status = :pending'

/** One more republish is counted only on a PENDING order not marked stuck whose count is still the one read. */
export const countRepublishCondition =
  '#status = :pending AND attribute_not_exists(#stuck) AND (attribute_not_exists(#republishes) OR #republishes = :seen)'

/** Only a PENDING order not already stuck is marked stuck. */
export const markStuckCondition = '#status = :pending AND attribute_not_exists(#stuck)'

// `pendingShard` exactly while PENDING and not stuck: create writes it, markStuck removes it, and decide's PutItem
// replaces the whole item (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html), which removes it.
const orderItem = (order: Order): Item =>
  marshall(order.status === 'PENDING' && order.stuck === undefined ? { ...order, pendingShard } : order, {
    removeUndefinedValues: true,
  })

// Decoding drops `pendingShard`; an item that no longer decodes as an Order is a schema drift between writers: a defect.
const decodeOrder = (item: Item): Effect.Effect<Order> =>
  Schema.decodeUnknown(Order)(unmarshall(item)).pipe(Effect.orDie)

const decodePage = (items: ReadonlyArray<Item>, lastKey: Item | undefined): Effect.Effect<Page<Order>> =>
  Effect.map(Effect.forEach(items, decodeOrder), (orders) =>
    lastKey === undefined ? { items: orders } : { items: orders, next: encodeCursor(lastKey) },
  )

// Hands back the standing order with a failed condition, saving a read
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure).
const returnStanding = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }

const createInput = (table: string, order: Order) => ({
  TableName: table,
  Item: orderItem(order),
  ConditionExpression: createCondition,
  ExpressionAttributeNames: { '#orderId': 'orderId' },
  ...returnStanding,
})

const decideInput = (table: string, order: Order) => ({
  TableName: table,
  Item: orderItem(order),
  ConditionExpression: decideCondition,
  ExpressionAttributeNames: { '#orderId': 'orderId', '#status': 'status' },
  ExpressionAttributeValues: marshall({ ':pending': 'PENDING' }),
  ...returnStanding,
})

const makeOrderTable = (client: DynamoDBClient, table: string): typeof OrderTable.Service => {
  // Strongly consistent: a retry right after a write must see it.
  const get = (orderId: string): Effect.Effect<Order | undefined, TransientError> =>
    callAws('OrderTable.get', (abortSignal) =>
      client.send(new GetItemCommand({ TableName: table, Key: marshall({ orderId }), ConsistentRead: true }), {
        abortSignal,
      }),
    ).pipe(Effect.flatMap((out) => (out.Item === undefined ? Effect.succeed(undefined) : decodeOrder(out.Item))))

  // Older DynamoDB-compatible endpoints ignore ReturnValuesOnConditionCheckFailure: fall back to a read.
  const standing = (operation: string, orderId: string, item: Item | undefined): Effect.Effect<Order, TransientError> =>
    (item === undefined ? get(orderId) : decodeOrder(item)).pipe(
      Effect.flatMap((existing) =>
        existing === undefined
          ? // Only a delete makes it vanish between the write and the read; the next attempt will write.
            Effect.fail(
              new TransientError({ operation, message: `order ${orderId} vanished after a conditional check failed` }),
            )
          : Effect.succeed(existing),
      ),
    )

  /** `true` with the written order, or `false` with the one that stood when the condition was false. */
  const put = (
    operation: string,
    order: Order,
    input: (table: string, order: Order) => PutItemCommandInput,
  ): Effect.Effect<readonly [boolean, Order], TransientError> =>
    tryAws((abortSignal) => client.send(new PutItemCommand(input(table, order)), { abortSignal })).pipe(
      Effect.as([true, order] as const),
      Effect.catchAll((error) =>
        isConditionalCheckFailed(error)
          ? Effect.map(standing(operation, order.orderId, error.Item), (existing) => [false, existing] as const)
          : failTransientOrDie(operation)(error),
      ),
    )

  const startKey = (
    operation: string,
    cursor: string | undefined,
    names: ReadonlyArray<string>,
    expected: Record<string, string> = {},
  ) => (cursor === undefined ? Effect.succeed(undefined) : decodeCursor(operation, cursor, names, expected))

  /** An UpdateItem whose failed condition is an answer (false), not an error. */
  const update = (operation: string, input: ConstructorParameters<typeof UpdateItemCommand>[0]) =>
    tryAws((abortSignal) => client.send(new UpdateItemCommand(input), { abortSignal })).pipe(
      Effect.as(true),
      Effect.catchAll((error) =>
        isConditionalCheckFailed(error) ? Effect.succeed(false) : failTransientOrDie(operation)(error),
      ),
    )

  return {
    get,
    countRepublish: (orderId, seen) =>
      update('OrderTable.countRepublish', {
        TableName: table,
        Key: marshall({ orderId }),
        UpdateExpression: 'SET #republishes = :next',
        ConditionExpression: countRepublishCondition,
        ExpressionAttributeNames: { '#status': 'status', '#stuck': 'stuck', '#republishes': 'republishes' },
        ExpressionAttributeValues: marshall({ ':pending': 'PENDING', ':seen': seen, ':next': seen + 1 }),
      }),
    // Removing `pendingShard` takes the order out of the sparse pending index, so the chore pages past it.
    markStuck: (orderId, stuck) =>
      update('OrderTable.markStuck', {
        TableName: table,
        Key: marshall({ orderId }),
        UpdateExpression: 'SET #stuck = :stuck REMOVE #pendingShard',
        ConditionExpression: markStuckCondition,
        ExpressionAttributeNames: { '#status': 'status', '#stuck': 'stuck', '#pendingShard': 'pendingShard' },
        ExpressionAttributeValues: marshall({ ':pending': 'PENDING', ':stuck': stuck }),
      }),
    create: (order) =>
      Effect.map(put('OrderTable.create', order, createInput), ([created, standing]) => ({ created, order: standing })),
    decide: (order) =>
      Effect.map(put('OrderTable.decide', order, decideInput), ([changed, standing]) => ({ changed, order: standing })),
    // GSI reads are eventually consistent (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reading):
    // an order placed a moment ago may be missing from its customer's first listing.
    listByCustomer: (customerId, { limit, cursor }) =>
      Effect.flatMap(
        startKey('OrderTable.listByCustomer', cursor, ['customerId', 'orderId'], { customerId }),
        (exclusiveStartKey) =>
          callAws('OrderTable.listByCustomer', (abortSignal) =>
            client.send(
              new QueryCommand({
                TableName: table,
                IndexName: customerIndex,
                KeyConditionExpression: '#customerId = :customerId',
                ExpressionAttributeNames: { '#customerId': 'customerId' },
                ExpressionAttributeValues: marshall({ ':customerId': customerId }),
                Limit: limit,
                ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
              }),
              { abortSignal },
            ),
          ),
      ).pipe(Effect.flatMap((out) => decodePage(out.Items ?? [], out.LastEvaluatedKey))),
    scan: ({ limit, cursor }) =>
      Effect.flatMap(startKey('OrderTable.scan', cursor, ['orderId']), (exclusiveStartKey) =>
        callAws('OrderTable.scan', (abortSignal) =>
          client.send(
            new ScanCommand({
              TableName: table,
              Limit: limit,
              ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
            }),
            { abortSignal },
          ),
        ),
      ).pipe(Effect.flatMap((out) => decodePage(out.Items ?? [], out.LastEvaluatedKey))),
    // Oldest first. A Query page stops at `Limit` items or 1 MB, so read on until `limit` or the end of the index.
    pendingBefore: (before, limit) =>
      readPages(
        'OrderTable.pendingBefore',
        (exclusiveStartKey, abortSignal) =>
          client.send(
            new QueryCommand({
              TableName: table,
              IndexName: pendingIndex,
              KeyConditionExpression: '#pendingShard = :pending AND #createdAt < :before',
              ExpressionAttributeNames: { '#pendingShard': 'pendingShard', '#createdAt': 'createdAt' },
              ExpressionAttributeValues: marshall({ ':pending': pendingShard, ':before': before }),
              Limit: limit,
              ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
            }),
            { abortSignal },
          ),
        { enough: (count) => count >= limit },
      ).pipe(Effect.flatMap(({ items }) => Effect.forEach(items.slice(0, limit), decodeOrder))),
  }
}

/**
 * The {@link OrderTable} port over a DynamoDB table whose partition key is `orderId` (S), with two global secondary
 * indexes projecting ALL attributes: {@link customerIndex} and the sparse {@link pendingIndex}. Items are the Order
 * record plus `pendingShard` = 'PENDING' while the order is PENDING.
 * - `create` is a PutItem conditioned on {@link createCondition} and `decide` one conditioned on {@link decideCondition}
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html#Expressions.ConditionExpressions.PreventingOverwrites).
 *   A `ConditionalCheckFailedException` is the expected "already there / already decided" answer: the order that
 *   stands, taken from the exception (ReturnValuesOnConditionCheckFailure ALL_OLD) or, failing that, read back.
 *   `decide` writes the order it is given whole, so the written order is the one answered.
 * - `listByCustomer` is a Query on {@link customerIndex} in `orderId` order, `scan` a Scan in table order; each answers one
 *   request's page, `next` being its `LastEvaluatedKey` as an opaque cursor
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html). DynamoDB sets
 *   `LastEvaluatedKey` whenever it stopped at `Limit`, so a full last page may carry a `next` that leads to an empty one.
 * - `pendingBefore` is a Query on {@link pendingIndex} with `createdAt < :before`. The index is eventually consistent, so
 *   an order decided a moment ago can still be listed: republishing it is harmless since `decide` is conditional.
 * - `countRepublish` and `markStuck` are UpdateItems conditioned on {@link countRepublishCondition} and
 *   {@link markStuckCondition}; `markStuck` removes `pendingShard`, which takes the order out of the pending index.
 */
export const OrderTableDynamoDB = (client: DynamoDBClient, table: string): Layer.Layer<OrderTable> =>
  Layer.succeed(OrderTable, makeOrderTable(client, table))
