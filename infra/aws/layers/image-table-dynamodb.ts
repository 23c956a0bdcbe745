import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer, Schema } from 'effect'
import { TransientError } from '../../../contracts/errors'
import { ImageRecord } from '../../../contracts/images'
import { ImageTable, type ConditionalWrite } from '../../../steps/services/image-table'
import { callAws, failTransientOrDie, isConditionalCheckFailed, tryAws } from './classify'

/**
 * Write when no record stands, when the record is about another object version (another etag), or to upgrade
 * a FAILED record of this version to PROCESSED (a retried run that now succeeds). Anything else is a duplicate.
 */
export const putVersionCondition =
  'attribute_not_exists(#key) OR (#etag <> :etag) OR (#status = :failed AND :status = :processed)'

type Item = Record<string, AttributeValue>

// An item that no longer decodes as an ImageRecord is a schema drift between writers: a defect, not a retry.
const decodeRecord = (item: Item): Effect.Effect<ImageRecord> =>
  Schema.decodeUnknown(ImageRecord)(unmarshall(item)).pipe(Effect.orDie)

const putVersionInput = (table: string, record: ImageRecord) => ({
  TableName: table,
  Item: marshall(record, { removeUndefinedValues: true }),
  ConditionExpression: putVersionCondition,
  ExpressionAttributeNames: { '#key': 'key', '#etag': 'etag', '#status': 'status' },
  ExpressionAttributeValues: marshall({
    ':etag': record.etag,
    ':status': record.status,
    ':failed': 'FAILED',
    ':processed': 'PROCESSED',
  }),
  // Hands back the standing item with the failure, saving a read (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure).
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
})

const makeImageTable = (client: DynamoDBClient, table: string) => {
  // Strongly consistent: a retry right after a write must see it, or it would redo work the write already settled.
  const get = (key: string): Effect.Effect<ImageRecord | undefined, TransientError> =>
    callAws('ImageTable.get', (abortSignal) =>
      client.send(new GetItemCommand({ TableName: table, Key: marshall({ key }), ConsistentRead: true }), {
        abortSignal,
      }),
    ).pipe(Effect.flatMap((out) => (out.Item === undefined ? Effect.succeed(undefined) : decodeRecord(out.Item))))

  // Older DynamoDB-compatible endpoints ignore ReturnValuesOnConditionCheckFailure: fall back to a read.
  const existingAfterConflict = (
    record: ImageRecord,
    item: Item | undefined,
  ): Effect.Effect<ConditionalWrite, TransientError> =>
    (item === undefined ? get(record.key) : decodeRecord(item)).pipe(
      Effect.flatMap((existing) =>
        existing === undefined
          ? // Deleted between the write and the read: the next attempt will write, so let the workflow retry.
            Effect.fail(
              new TransientError({
                operation: 'ImageTable.putVersion',
                message: `${record.key} vanished after a conditional check failed`,
              }),
            )
          : Effect.succeed<ConditionalWrite>({ written: false, existing }),
      ),
    )

  const putVersion = (record: ImageRecord): Effect.Effect<ConditionalWrite, TransientError> =>
    tryAws((abortSignal) => client.send(new PutItemCommand(putVersionInput(table, record)), { abortSignal })).pipe(
      Effect.as<ConditionalWrite>({ written: true }),
      Effect.catchAll((error) =>
        isConditionalCheckFailed(error)
          ? existingAfterConflict(record, error.Item)
          : failTransientOrDie('ImageTable.putVersion')(error),
      ),
    )

  return { get, putVersion }
}

/**
 * The {@link ImageTable} port over a DynamoDB table whose partition key is `key` (S).
 * `putVersion` is a conditional PutItem (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html);
 * a `ConditionalCheckFailedException` is the expected "already done" answer, returned as `{ written: false, existing }`.
 */
export const ImageTableDynamoDB = (client: DynamoDBClient, table: string): Layer.Layer<ImageTable> =>
  Layer.succeed(ImageTable, makeImageTable(client, table))
