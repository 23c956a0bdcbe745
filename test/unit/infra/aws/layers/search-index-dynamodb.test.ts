import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { Effect, Exit } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import type { SearchDocument } from '../../../../../contracts/images'
import { SearchIndexDynamoDB } from '../../../../../infra/aws/layers/search-index-dynamodb'
import { SearchIndex } from '../../../../../steps/services/search-index'

const table = 'search-documents'
const client = new DynamoDBClient({ region: 'eu-west-1' })
const dynamodb = mockClient(client)

const run = <A, E>(use: (index: typeof SearchIndex.Service) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(Effect.flatMap(SearchIndex, use).pipe(Effect.provide(SearchIndexDynamoDB(client, table))))

const doc: SearchDocument = {
  id: 'image:uploads-bucket/uploads/cat.jpg',
  kind: 'image',
  title: 'cat.jpg',
  text: 'cat jpeg 640x480',
  data: { width: 640, big: 2 ** 60, nested: [1, 'two', null] },
}

beforeEach(() => dynamodb.reset())

describe('SearchIndexDynamoDB', () => {
  it('upsert sends an unconditional PutItem with data as JSON', async () => {
    dynamodb.on(PutItemCommand).resolves({})

    const exit = await run((index) => index.upsert(doc))

    expect(exit).toEqual(Exit.void)
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Item: {
          id: { S: doc.id },
          kind: { S: 'image' },
          title: { S: 'cat.jpg' },
          text: { S: 'cat jpeg 640x480' },
          data: { S: JSON.stringify(doc.data) },
        },
      },
    ])
  })

  it('remove sends DeleteItem by id', async () => {
    dynamodb.on(DeleteItemCommand).resolves({})

    const exit = await run((index) => index.remove(doc.id))

    expect(exit).toEqual(Exit.void)
    expect(dynamodb.commandCalls(DeleteItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { id: { S: doc.id } } },
    ])
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb.on(PutItemCommand).rejects(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((index) => index.upsert(doc))

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'SearchIndex.upsert', message: 'ThrottlingException: Rate exceeded' })),
    )
  })

  it('listIds scans every page for the ids of one kind, projecting only the id, and sorts them', async () => {
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [marshall({ id: 'order:b' })], LastEvaluatedKey: marshall({ id: 'image:x' }) })
      .resolvesOnce({ Items: [], LastEvaluatedKey: marshall({ id: 'user:y' }) })
      .resolvesOnce({ Items: [marshall({ id: 'order:a' })] })

    const exit = await run((index) => index.listIds('order'))

    expect(exit).toEqual(Exit.succeed(['order:a', 'order:b']))
    const scan = {
      TableName: table,
      ProjectionExpression: '#id',
      FilterExpression: '#kind = :kind',
      ExpressionAttributeNames: { '#id': 'id', '#kind': 'kind' },
      ExpressionAttributeValues: { ':kind': { S: 'order' } },
    }
    expect(dynamodb.commandCalls(ScanCommand).map((call) => call.args[0].input)).toEqual([
      scan,
      { ...scan, ExclusiveStartKey: { id: { S: 'image:x' } } },
      { ...scan, ExclusiveStartKey: { id: { S: 'user:y' } } },
    ])
  })

  it('listIds fails with TransientError when a page is throttled', async () => {
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [marshall({ id: 'order:a' })], LastEvaluatedKey: marshall({ id: 'order:a' }) })
      .rejectsOnce(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((index) => index.listIds('order'))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({ operation: 'SearchIndex.listIds', message: 'ThrottlingException: Rate exceeded' }),
      ),
    )
  })

  it('listIds aborts the page in flight when interrupted', async () => {
    let aborted = false
    const hang = (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
      new Promise((_resolve, reject) =>
        options?.abortSignal?.addEventListener('abort', () => {
          aborted = true
          reject(new Error('aborted'))
        }),
      )
    const spy = jest.spyOn(client, 'send').mockImplementation(hang as never)

    const exit = await run((index) => index.listIds('order').pipe(Effect.timeout('10 millis')))
    spy.mockRestore()

    expect(Exit.isFailure(exit)).toBe(true)
    expect(aborted).toBe(true)
  })
})
