import { DeleteItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer } from 'effect'
import type { SearchDocument } from '../../../contracts/images'
import { SearchIndex } from '../../../steps/services/search-index'
import { callAws } from './classify'
import { readPages } from './dynamodb-pages'

// `data` is `unknown` by contract: a JSON string round-trips any JSON value, where marshalling would reject
// unsafe integers and flatten class instances.
const documentItem = (doc: SearchDocument) =>
  marshall({ id: doc.id, kind: doc.kind, title: doc.title, text: doc.text, data: JSON.stringify(doc.data) ?? 'null' })

/**
 * The {@link SearchIndex} port as a DynamoDB documents table whose partition key is `id` (S). A stand-in: the real
 * search target on AWS (OpenSearch, or a stream from this table into it) is chosen in a later issue, and this table
 * is what it will be fed from. `upsert` is an unconditional PutItem, which replaces the whole item
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html), so the same id twice leaves one
 * document; `remove` is DeleteItem, which succeeds for an absent id
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteItem.html). `listIds` Scans the whole table,
 * every page (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.Pagination), keeping the
 * ids of one kind, sorted as the local index sorts them; each page is its own request, aborted when the fiber is.
 */
export const SearchIndexDynamoDB = (client: DynamoDBClient, table: string): Layer.Layer<SearchIndex> =>
  Layer.succeed(SearchIndex, {
    upsert: (doc) =>
      callAws('SearchIndex.upsert', (abortSignal) =>
        client.send(new PutItemCommand({ TableName: table, Item: documentItem(doc) }), { abortSignal }),
      ).pipe(Effect.asVoid),
    remove: (id) =>
      callAws('SearchIndex.remove', (abortSignal) =>
        client.send(new DeleteItemCommand({ TableName: table, Key: marshall({ id }) }), { abortSignal }),
      ).pipe(Effect.asVoid),
    listIds: (kind) =>
      readPages('SearchIndex.listIds', (exclusiveStartKey, abortSignal) =>
        client.send(
          new ScanCommand({
            TableName: table,
            ProjectionExpression: '#id',
            FilterExpression: '#kind = :kind',
            ExpressionAttributeNames: { '#id': 'id', '#kind': 'kind' },
            ExpressionAttributeValues: marshall({ ':kind': kind }),
            ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
          }),
          { abortSignal },
        ),
      ).pipe(Effect.map(({ items }) => items.flatMap((item) => (item.id?.S === undefined ? [] : [item.id.S])).sort())),
  })
