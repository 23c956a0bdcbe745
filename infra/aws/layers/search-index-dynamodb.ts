import { DeleteItemCommand, PutItemCommand, paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer } from 'effect'
import type { SearchDocument } from '../../../contracts/images'
import { SearchIndex } from '../../../steps/services/search-index'
import { callAws } from './classify'

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
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteItem.html).
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
      callAws('SearchIndex.listIds', async () => {
        const ids: string[] = []
        const pages = paginateScan({ client }, { TableName: table, ProjectionExpression: 'id', FilterExpression: '#kind = :kind', ExpressionAttributeNames: { '#kind': 'kind' }, ExpressionAttributeValues: marshall({ ':kind': kind }) })
        for await (const page of pages) for (const item of page.Items ?? []) if (item.id?.S) ids.push(item.id.S)
        return ids
      }),
  })
