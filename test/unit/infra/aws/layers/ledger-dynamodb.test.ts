import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit, Layer } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import { LedgerDynamoDB } from '../../../../../infra/aws/layers/ledger-dynamodb'
import { ClockFixed } from '../../../../../steps/services/clock'
import { Ledger } from '../../../../../steps/services/ledger'
import { runWith } from '../../../../support/run-with'

const table = 'ledger-table'
const now = '2026-01-01T00:00:00.000Z'
const nowSeconds = Date.parse(now) / 1000
const thirtyDays = 30 * 24 * 60 * 60
const client = new DynamoDBClient({ region: 'eu-west-1' })
const dynamodb = mockClient(client)

const run = runWith(LedgerDynamoDB(client, table).pipe(Layer.provide(ClockFixed(now))), Ledger)

const conditionFailed = new ConditionalCheckFailedException({
  $metadata: {},
  message: 'The conditional request failed',
})
const key = 'ImageProcessed#uploads-bucket/uploads/cat.jpg#etag-v1'

beforeEach(() => dynamodb.reset())

describe('LedgerDynamoDB.claim', () => {
  it("sends a PutItem conditioned on the key being free or this owner's unfinished claim, with a 30-day TTL", async () => {
    dynamodb.on(PutItemCommand).resolves({})

    const exit = await run((ledger) => ledger.claim(key, 'exec-1'))

    expect(exit).toEqual(Exit.succeed(true))
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Item: {
          key: { S: key },
          owner: { S: 'exec-1' },
          claimedAt: { S: now },
          expiresAt: { N: String(nowSeconds + thirtyDays) },
        },
        ConditionExpression: 'attribute_not_exists(#key) OR (#owner = :owner AND attribute_not_exists(#completedAt))',
        ExpressionAttributeNames: { '#key': 'key', '#owner': 'owner', '#completedAt': 'completedAt' },
        ExpressionAttributeValues: { ':owner': { S: 'exec-1' } },
      },
    ])
  })

  it.each([
    ['ThrottlingException', new ThrottlingException({ $metadata: {}, message: 'slow down' })],
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ $metadata: {}, message: 'slow down' }),
    ],
  ])('fails with TransientError on %s', async (name, error) => {
    dynamodb.on(PutItemCommand).rejects(error)

    const exit = await run((ledger) => ledger.claim(key, 'exec-1'))

    expect(exit).toEqual(Exit.fail(new TransientError({ operation: 'Ledger.claim', message: `${name}: slow down` })))
  })
})

describe('LedgerDynamoDB.complete', () => {
  it('sends an UpdateItem that stamps completedAt and keeps an existing TTL', async () => {
    dynamodb.on(UpdateItemCommand).resolves({})

    const exit = await run((ledger) => ledger.complete(key))

    expect(exit).toEqual(Exit.void)
    expect(dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { key: { S: key } },
        UpdateExpression: 'SET #completedAt = :completedAt, #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
        ExpressionAttributeNames: { '#completedAt': 'completedAt', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':completedAt': { S: now }, ':expiresAt': { N: String(nowSeconds + thirtyDays) } },
      },
    ])
  })
})

describe('LedgerDynamoDB.release', () => {
  it("sends a DeleteItem conditioned on this owner's unfinished claim", async () => {
    dynamodb.on(DeleteItemCommand).resolves({})

    const exit = await run((ledger) => ledger.release(key, 'exec-1'))

    expect(exit).toEqual(Exit.void)
    expect(dynamodb.commandCalls(DeleteItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { key: { S: key } },
        ConditionExpression: '#owner = :owner AND attribute_not_exists(#completedAt)',
        ExpressionAttributeNames: { '#owner': 'owner', '#completedAt': 'completedAt' },
        ExpressionAttributeValues: { ':owner': { S: 'exec-1' } },
      },
    ])
  })

  it('succeeds when there is nothing of this owner to give back', async () => {
    dynamodb.on(DeleteItemCommand).rejects(conditionFailed)

    expect(await run((ledger) => ledger.release(key, 'exec-2'))).toEqual(Exit.void)
  })
})
