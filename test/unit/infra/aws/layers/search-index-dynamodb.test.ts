import { DeleteItemCommand, DynamoDBClient, PutItemCommand, ThrottlingException } from '@aws-sdk/client-dynamodb'
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
    expect(dynamodb.commandCalls(DeleteItemCommand).map((call) => call.args[0].input)).toEqual([{ TableName: table, Key: { id: { S: doc.id } } }])
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb.on(PutItemCommand).rejects(new ThrottlingException({ $metadata: {}, message: 'Rate exceeded' }))

    const exit = await run((index) => index.upsert(doc))

    expect(exit).toEqual(Exit.fail(new TransientError({ operation: 'SearchIndex.upsert', message: 'ThrottlingException: Rate exceeded' })))
  })
})
