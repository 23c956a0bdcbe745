import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit, Layer } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import { IdempotencyDynamoDB } from '../../../../../infra/aws/layers/idempotency-dynamodb'
import { ClockFixed } from '../../../../../steps/services/clock'
import { IdempotencyStore, type StoredResponse } from '../../../../../steps/services/idempotency'
import { runWith } from '../../../../support/run-with'
import { defectOf } from '../../../../support/exits'

const table = 'idempotency-table'
const now = '2026-06-01T12:00:00.500Z'
const nowSeconds = Math.floor(Date.parse(now) / 1000)
const expiresAt = '2026-06-02T12:00:00.000Z'
const expiresAtSeconds = Date.parse(expiresAt) / 1000
const client = new DynamoDBClient({ region: 'eu-west-1' })
const dynamodb = mockClient(client)

const run = runWith(IdempotencyDynamoDB(client, table).pipe(Layer.provide(ClockFixed(now))), IdempotencyStore)

const key = 'POST /orders#3f1c'
const response: StoredResponse = {
  statusCode: 201,
  headers: { 'content-type': 'application/json', location: '/orders/order-1' },
  body: '{"orderId":"order-1"}',
}
const record = (fields: Record<string, unknown>) =>
  marshall({
    key,
    status: 'INPROGRESS',
    fingerprint: 'fp-1',
    expiresAt: expiresAtSeconds,
    expiresAtIso: expiresAt,
    ...fields,
  })
const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    $metadata: {},
    message: 'The conditional request failed',
    ...(item === undefined ? {} : { Item: record(item) }),
  })

beforeEach(() => dynamodb.reset())

describe('IdempotencyDynamoDB.begin', () => {
  it('sends a PutItem conditioned on the key being free or expired, with the TTL in epoch seconds and ISO', async () => {
    dynamodb.on(PutItemCommand).resolves({})

    const exit = await run((store) => store.begin(key, 'fp-1', expiresAt))

    expect(exit).toEqual(Exit.succeed({ kind: 'new' }))
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Item: {
          key: { S: key },
          status: { S: 'INPROGRESS' },
          fingerprint: { S: 'fp-1' },
          expiresAt: { N: String(expiresAtSeconds) },
          expiresAtIso: { S: expiresAt },
        },
        ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now',
        ExpressionAttributeNames: { '#key': 'key', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ])
  })

  it.each([
    [
      'mismatch when the standing record has another fingerprint',
      { fingerprint: 'fp-2', status: 'COMPLETED', response },
      { kind: 'mismatch' },
    ],
    ['the stored response when it is COMPLETED', { status: 'COMPLETED', response }, { kind: 'completed', response }],
    ['in-progress when it is INPROGRESS', {}, { kind: 'in-progress' }],
  ])('answers %s', async (_name, fields, expected) => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed(fields))

    expect(await run((store) => store.begin(key, 'fp-1', expiresAt))).toEqual(Exit.succeed(expected))
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0)
  })

  it('reads the standing record when the failure carries no item', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed())
    dynamodb.on(GetItemCommand).resolves({ Item: record({ status: 'COMPLETED', response }) })

    const exit = await run((store) => store.begin(key, 'fp-1', expiresAt))

    expect(exit).toEqual(Exit.succeed({ kind: 'completed', response }))
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { key: { S: key } }, ConsistentRead: true },
    ])
  })

  it('fails with TransientError when the record was released between the write and the read', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed())
    dynamodb.on(GetItemCommand).resolves({})

    const exit = await run((store) => store.begin(key, 'fp-1', expiresAt))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'IdempotencyStore.begin',
          message: `record ${key} vanished after a conditional check failed`,
        }),
      ),
    )
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb.on(PutItemCommand).rejects(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((store) => store.begin(key, 'fp-1', expiresAt))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({ operation: 'IdempotencyStore.begin', message: 'ThrottlingException: Rate exceeded' }),
      ),
    )
  })

  it('dies, sending nothing, when the expiry is not a date', async () => {
    const exit = await run((store) => store.begin(key, 'fp-1', 'tomorrow'))

    expect(defectOf(exit)).toEqual(new Error('IdempotencyStore.begin: "tomorrow" is not a date'))
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0)
  })
})

describe('IdempotencyDynamoDB.complete', () => {
  it('sends an UpdateItem storing the response on a record that still stands', async () => {
    dynamodb.on(UpdateItemCommand).resolves({})

    const exit = await run((store) => store.complete(key, response))

    expect(exit).toEqual(Exit.void)
    expect(dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { key: { S: key } },
        UpdateExpression: 'SET #status = :completed, #response = :response',
        ConditionExpression: 'attribute_exists(#key)',
        ExpressionAttributeNames: { '#key': 'key', '#status': 'status', '#response': 'response' },
        ExpressionAttributeValues: {
          ':completed': { S: 'COMPLETED' },
          ':response': {
            M: {
              statusCode: { N: '201' },
              headers: { M: { 'content-type': { S: 'application/json' }, location: { S: '/orders/order-1' } } },
              body: { S: '{"orderId":"order-1"}' },
            },
          },
        },
      },
    ])
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ $metadata: {}, message: 'exceeded' }))

    const exit = await run((store) => store.complete(key, response))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'IdempotencyStore.complete',
          message: 'ProvisionedThroughputExceededException: exceeded',
        }),
      ),
    )
  })
})

describe('IdempotencyDynamoDB.release', () => {
  it('sends a DeleteItem conditioned on the record being in progress', async () => {
    dynamodb.on(DeleteItemCommand).resolves({})

    const exit = await run((store) => store.release(key))

    expect(exit).toEqual(Exit.void)
    expect(dynamodb.commandCalls(DeleteItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { key: { S: key } },
        ConditionExpression: '#status = :inProgress',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': { S: 'INPROGRESS' } },
      },
    ])
  })
})
