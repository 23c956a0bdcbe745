import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer, Schema } from 'effect'
import { TransientError } from '../../../contracts/errors'
import { Clock } from '../../../steps/services/clock'
import { IdempotencyStore, type IdempotencyBegin, type StoredResponse } from '../../../steps/services/idempotency'
import { callAws, failTransientOrDie, isConditionalCheckFailed, tryAws } from './classify'
import type { Item } from './dynamodb-pages'

/** A request takes the key when no record holds it, or when the record that does has expired (TTL deletes lazily). */
export const beginCondition = 'attribute_not_exists(#key) OR #expiresAt < :now'

/** A response is stored only on a record that still stands: an expired, deleted one is not brought back. */
export const completeCondition = 'attribute_exists(#key)'

/** Only an unfinished record is released; a completed one keeps its response for the retries to come. */
export const releaseCondition = '#status = :inProgress'

const inProgress = 'INPROGRESS'
const completed = 'COMPLETED'

// DynamoDB TTL wants epoch seconds (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
const epochSeconds = (operation: string, iso: string): Effect.Effect<number> => {
  const millis = Date.parse(iso)
  return Number.isNaN(millis)
    ? Effect.dieMessage(`${operation}: "${iso}" is not a date`)
    : Effect.succeed(Math.floor(millis / 1000))
}

const StoredResponseSchema = Schema.Struct({
  statusCode: Schema.Number,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  body: Schema.String,
})

const IdempotencyRecord = Schema.Struct({
  key: Schema.String,
  status: Schema.Literal(inProgress, completed),
  fingerprint: Schema.String,
  response: Schema.optional(StoredResponseSchema),
})
type IdempotencyRecord = typeof IdempotencyRecord.Type

// A record that no longer decodes is a schema drift between writers: a defect, not a retry.
const decodeRecord = (item: Item): Effect.Effect<IdempotencyRecord> =>
  Schema.decodeUnknown(IdempotencyRecord)(unmarshall(item)).pipe(Effect.orDie)

/** What a request meets when its key is taken: another body, a stored answer, or a request still running. */
const answerFor = (fingerprint: string, record: IdempotencyRecord): IdempotencyBegin =>
  record.fingerprint !== fingerprint
    ? { kind: 'mismatch' }
    : record.status === completed && record.response !== undefined
      ? { kind: 'completed', response: record.response }
      : { kind: 'in-progress' }

const makeIdempotencyStore = (
  client: DynamoDBClient,
  table: string,
  now: () => string,
): typeof IdempotencyStore.Service => {
  const get = (key: string): Effect.Effect<IdempotencyRecord | undefined, TransientError> =>
    callAws('IdempotencyStore.begin', (abortSignal) =>
      client.send(new GetItemCommand({ TableName: table, Key: marshall({ key }), ConsistentRead: true }), {
        abortSignal,
      }),
    ).pipe(Effect.flatMap((out) => (out.Item === undefined ? Effect.succeed(undefined) : decodeRecord(out.Item))))

  // Older DynamoDB-compatible endpoints ignore ReturnValuesOnConditionCheckFailure: fall back to a read.
  const standing = (
    key: string,
    fingerprint: string,
    item: Item | undefined,
  ): Effect.Effect<IdempotencyBegin, TransientError> =>
    (item === undefined ? get(key) : decodeRecord(item)).pipe(
      Effect.flatMap((record) =>
        record === undefined
          ? // Released between the write and the read: the next attempt takes the key.
            Effect.fail(
              new TransientError({
                operation: 'IdempotencyStore.begin',
                message: `record ${key} vanished after a conditional check failed`,
              }),
            )
          : Effect.succeed(answerFor(fingerprint, record)),
      ),
    )

  const begin = (
    key: string,
    fingerprint: string,
    expiresAt: string,
    at: string,
  ): Effect.Effect<IdempotencyBegin, TransientError> =>
    Effect.all([epochSeconds('IdempotencyStore.begin', expiresAt), epochSeconds('IdempotencyStore.begin', at)]).pipe(
      Effect.flatMap(([expiresAtSeconds, nowSeconds]) =>
        tryAws((abortSignal) =>
          client.send(
            new PutItemCommand({
              TableName: table,
              Item: marshall({
                key,
                status: inProgress,
                fingerprint,
                expiresAt: expiresAtSeconds,
                expiresAtIso: expiresAt,
              }),
              ConditionExpression: beginCondition,
              ExpressionAttributeNames: { '#key': 'key', '#expiresAt': 'expiresAt' },
              ExpressionAttributeValues: marshall({ ':now': nowSeconds }),
              // Hands back the standing record with the failure, saving a read (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure).
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
            { abortSignal },
          ),
        ),
      ),
      Effect.as<IdempotencyBegin>({ kind: 'new' }),
      Effect.catchAll((error) =>
        isConditionalCheckFailed(error)
          ? standing(key, fingerprint, error.Item)
          : failTransientOrDie('IdempotencyStore.begin')(error),
      ),
    )

  // A false condition means the record expired and is gone: there is nothing left to complete.
  const complete = (key: string, response: StoredResponse): Effect.Effect<void, TransientError> =>
    tryAws((abortSignal) =>
      client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: marshall({ key }),
          UpdateExpression: 'SET #status = :completed, #response = :response',
          ConditionExpression: completeCondition,
          ExpressionAttributeNames: { '#key': 'key', '#status': 'status', '#response': 'response' },
          ExpressionAttributeValues: marshall({ ':completed': completed, ':response': response }),
        }),
        { abortSignal },
      ),
    ).pipe(
      Effect.asVoid,
      Effect.catchAll((error) =>
        isConditionalCheckFailed(error) ? Effect.void : failTransientOrDie('IdempotencyStore.complete')(error),
      ),
    )

  // A false condition means the record is completed or gone: nothing to forget.
  const release = (key: string): Effect.Effect<void, TransientError> =>
    tryAws((abortSignal) =>
      client.send(
        new DeleteItemCommand({
          TableName: table,
          Key: marshall({ key }),
          ConditionExpression: releaseCondition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':inProgress': inProgress }),
        }),
        { abortSignal },
      ),
    ).pipe(
      Effect.asVoid,
      Effect.catchAll((error) =>
        isConditionalCheckFailed(error) ? Effect.void : failTransientOrDie('IdempotencyStore.release')(error),
      ),
    )

  // The clock is read when the effect runs, not when it is built, so a retried effect compares with its own time.
  return {
    begin: (key, fingerprint, expiresAt) => Effect.suspend(() => begin(key, fingerprint, expiresAt, now())),
    complete,
    release,
  }
}

/**
 * The {@link IdempotencyStore} port over a DynamoDB table whose partition key is `key` (S), with TTL enabled on
 * `expiresAt` (N, epoch seconds). Items hold `status` (INPROGRESS or COMPLETED), the request's `fingerprint`,
 * `expiresAt` and the same instant as ISO in `expiresAtIso`, and once completed the `response` (a map of
 * `statusCode`, `headers`, `body`; the whole item must stay under DynamoDB's 400 KB).
 * - `begin` is a PutItem conditioned on {@link beginCondition}, "now" from the Clock in epoch seconds
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html#Expressions.ConditionExpressions.PreventingOverwrites).
 *   TTL deletes expired items only eventually and reads still return them until then
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html), hence the expiry test.
 *   On `ConditionalCheckFailedException` the standing record answers: another fingerprint is a mismatch, COMPLETED
 *   replays its response, anything else is in progress.
 * - `complete` is an UpdateItem setting the status and response, conditioned on {@link completeCondition}.
 * - `release` is a DeleteItem conditioned on {@link releaseCondition}.
 * Nothing deletes expired records but the table's TTL on `expiresAt` (`PipelineTables`), which does it for free.
 */
export const IdempotencyDynamoDB = (
  client: DynamoDBClient,
  table: string,
): Layer.Layer<IdempotencyStore, never, Clock> =>
  Layer.effect(
    IdempotencyStore,
    Effect.map(Clock, (clock) => makeIdempotencyStore(client, table, () => clock.now())),
  )
