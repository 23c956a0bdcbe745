import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer } from 'effect'
import { Checkpoints } from '../../../steps/services/checkpoints'
import { callAws } from './classify'

/**
 * The {@link Checkpoints} port over a DynamoDB table whose partition key is `key` (S): one item `{key, value}` per
 * checkpoint. `read` is a strongly consistent GetItem, so a run sees the cursor the previous run saved
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html); `write` an
 * unconditional PutItem: the last run to save wins, and a lost save only repeats a page.
 */
export const CheckpointsDynamoDB = (client: DynamoDBClient, table: string): Layer.Layer<Checkpoints> =>
  Layer.succeed(Checkpoints, {
    read: (name) =>
      callAws('Checkpoints.read', (abortSignal) =>
        client.send(new GetItemCommand({ TableName: table, Key: marshall({ key: name }), ConsistentRead: true }), {
          abortSignal,
        }),
      ).pipe(Effect.map((out) => out.Item?.value?.S)),
    write: (name, value) =>
      callAws('Checkpoints.write', (abortSignal) =>
        client.send(new PutItemCommand({ TableName: table, Item: marshall({ key: name, value }) }), { abortSignal }),
      ).pipe(Effect.asVoid),
  })
