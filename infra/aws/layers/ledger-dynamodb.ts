import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { Effect, Layer } from 'effect'
import type { TransientError } from '../../../contracts/errors'
import { Clock } from '../../../steps/services/clock'
import { Ledger } from '../../../steps/services/ledger'
import { callAws, failTransientOrDie, isConditionalCheckFailed, tryAws } from './classify'

/** How long a claim is remembered before TTL deletes it; a replay of events older than this repeats their side effects. */
export const claimRetentionSeconds = 30 * 24 * 60 * 60

/** Free, or held by this owner and not completed: the owner's own run restarted after a crash. */
export const claimCondition = 'attribute_not_exists(#key) OR (#owner = :owner AND attribute_not_exists(#completedAt))'

/** Only the owner gives back a claim, and only while its effect is unfinished. */
export const releaseCondition = '#owner = :owner AND attribute_not_exists(#completedAt)'

// DynamoDB TTL wants epoch seconds (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
const expiresAt = (iso: string): number => Math.floor(Date.parse(iso) / 1000) + claimRetentionSeconds

/** `true` when the write happened, `false` when its condition was false: an answer here, not an error. */
const conditionalWrite = (
  operation: string,
  run: (signal: AbortSignal) => Promise<unknown>,
): Effect.Effect<boolean, TransientError> =>
  tryAws(run).pipe(
    Effect.as(true),
    Effect.catchAll((error) =>
      isConditionalCheckFailed(error) ? Effect.succeed(false) : failTransientOrDie(operation)(error),
    ),
  )

const makeLedger = (client: DynamoDBClient, table: string, now: () => string) => {
  const claim = (key: string, owner: string, claimedAt: string) =>
    conditionalWrite('Ledger.claim', (abortSignal) =>
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: marshall({ key, owner, claimedAt, expiresAt: expiresAt(claimedAt) }),
          ConditionExpression: claimCondition,
          ExpressionAttributeNames: { '#key': 'key', '#owner': 'owner', '#completedAt': 'completedAt' },
          ExpressionAttributeValues: marshall({ ':owner': owner }),
        }),
        { abortSignal },
      ),
    )

  // UpdateItem creates the item if TTL or a release removed it, so "done" is recorded whatever happened before.
  const complete = (key: string, completedAt: string) =>
    callAws('Ledger.complete', (abortSignal) =>
      client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: marshall({ key }),
          UpdateExpression: 'SET #completedAt = :completedAt, #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          ExpressionAttributeNames: { '#completedAt': 'completedAt', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: marshall({ ':completedAt': completedAt, ':expiresAt': expiresAt(completedAt) }),
        }),
        { abortSignal },
      ),
    ).pipe(Effect.asVoid)

  // A false condition means the claim is another owner's, completed, or gone: nothing to give back.
  const release = (key: string, owner: string) =>
    conditionalWrite('Ledger.release', (abortSignal) =>
      client.send(
        new DeleteItemCommand({
          TableName: table,
          Key: marshall({ key }),
          ConditionExpression: releaseCondition,
          ExpressionAttributeNames: { '#owner': 'owner', '#completedAt': 'completedAt' },
          ExpressionAttributeValues: marshall({ ':owner': owner }),
        }),
        { abortSignal },
      ),
    ).pipe(Effect.asVoid)

  // The clock is read when the effect runs, not when it is built, so a retried effect stamps its own time.
  return {
    claim: (key: string, owner: string) => Effect.suspend(() => claim(key, owner, now())),
    complete: (key: string) => Effect.suspend(() => complete(key, now())),
    release,
  }
}

/**
 * The {@link Ledger} port over a DynamoDB table whose partition key is `key` (S), with TTL enabled on `expiresAt`
 * (30 days after the claim). Items hold `owner`, `claimedAt`, and `completedAt` once the effect is done.
 * - `claim` is a PutItem conditioned on {@link claimCondition}
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html#Expressions.ConditionExpressions.PreventingOverwrites);
 *   a `ConditionalCheckFailedException` (another owner holds it, or it is done) answers `false`. Because an owner
 *   may re-claim, an SDK retry of a claim whose response was lost still answers `true`.
 * - `complete` is an UpdateItem setting `completedAt`, after which nobody can claim or release the key.
 * - `release` is a DeleteItem conditioned on {@link releaseCondition}, so the next attempt can claim again.
 */
export const LedgerDynamoDB = (client: DynamoDBClient, table: string): Layer.Layer<Ledger, never, Clock> =>
  Layer.effect(
    Ledger,
    Effect.map(Clock, (clock) => makeLedger(client, table, () => clock.now())),
  )
