/**
 * OrderTableDynamoDB over the DynamoDB protocol: the OrderTable contract against dynalite, on tables with the stack's
 * two GSIs (byCustomer, the sparse pending index), then what only this adapter does. dynalite ignores
 * ReturnValuesOnConditionCheckFailure, so every "already there" answer comes through the adapter's fallback read;
 * the request shapes are asserted in test/unit/infra/aws/layers/order-table-dynamodb.test.ts.
 */
import { marshall } from '@aws-sdk/util-dynamodb'
import { encodeCursor } from '../../infra/aws/layers/dynamodb-pages'
import { customerIndex, OrderTableDynamoDB, pendingIndex } from '../../infra/aws/layers/order-table-dynamodb'
import { OrderTable } from '../../steps/services/order-table'
import { after, allPages } from '../contracts/kit'
import { orderTableContract, placedOrder } from '../contracts/order-table'
import { dynamoDBSuite } from '../support/emulators'
import { defectOf } from '../support/exits'
import { runWith } from '../support/run-with'

/** New, empty orders tables with the stack's indexes. */
const dynamodb = dynamoDBSuite({
  prefix: 'orders',
  key: 'orderId',
  indexes: [
    { name: customerIndex, partitionKey: 'customerId', sortKey: 'orderId' },
    { name: pendingIndex, partitionKey: 'pendingShard', sortKey: 'createdAt' },
  ],
})
const freshTable = dynamodb.freshTable

orderTableContract('DynamoDB (dynalite)', async () => OrderTableDynamoDB(dynamodb.client, await freshTable()), {
  backendFailure: { failing: () => OrderTableDynamoDB(dynamodb.failingClient, 'orders-table') },
})

describe('OrderTableDynamoDB on dynalite, beyond the contract', () => {
  it('ends a listing whose last page is full with an empty page: DynamoDB sets LastEvaluatedKey whenever it stopped at Limit (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html)', async () => {
    const run = runWith(OrderTableDynamoDB(dynamodb.client, await freshTable()), OrderTable)
    for (const id of ['o-1', 'o-2', 'o-3', 'o-4']) await run((orders) => orders.create(placedOrder(id, 'c-exact')))

    const pages = await allPages((cursor) =>
      run((orders) => orders.listByCustomer('c-exact', { limit: 2, ...after(cursor) })),
    )

    expect(pages.map((page) => page.items.map((order) => order.orderId))).toEqual([['o-1', 'o-2'], ['o-3', 'o-4'], []])
  })

  it("dies on a cursor of another customer's listing, before asking DynamoDB", async () => {
    const run = runWith(OrderTableDynamoDB(dynamodb.client, await freshTable()), OrderTable)
    const foreign = encodeCursor(marshall({ customerId: 'c-other', orderId: 'o-1' }))

    const exit = await run((orders) => orders.listByCustomer('c-1', { limit: 2, cursor: foreign }))

    expect(defectOf(exit)).toMatchObject({ message: 'OrderTable.listByCustomer: invalid cursor' })
  })
})
