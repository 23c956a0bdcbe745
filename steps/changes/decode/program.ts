import { unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect, ParseResult, Schema } from 'effect'
import { StreamRecord, type ChangeKind } from '../../../contracts/changes'
import { Order } from '../../../contracts/orders'
import { User } from '../../../contracts/users'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { UndecodableChange } from '../errors'

/** The batch a pipe hands its enrichment: a JSON array of stream records (https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html). */
export const StreamBatch = Schema.Array(StreamRecord)

/** A change as the pipe publishes it: the shape of `OrderChangedDetail` / `UserChangedDetail` over any record schema. */
export interface DecodedChange<A> {
  readonly eventName: ChangeKind
  readonly sequenceNumber: string
  readonly oldImage?: A
  readonly newImage?: A
}

type ImageName = 'OldImage' | 'NewImage'
type AttributeMap = Parameters<typeof unmarshall>[0]

/** The images each kind needs downstream: a MODIFY without its old image could never tell a status change. */
const requiredImages: Record<ChangeKind, ReadonlyArray<ImageName>> = {
  INSERT: ['NewImage'],
  MODIFY: ['OldImage', 'NewImage'],
  REMOVE: ['OldImage'],
}

const decodeImage = <A, I>(
  recordSchema: Schema.Schema<A, I>,
  record: StreamRecord,
  name: ImageName,
): Effect.Effect<A | undefined, UndecodableChange> => {
  const sequenceNumber = record.dynamodb.SequenceNumber
  const image = record.dynamodb[name]
  if (image === undefined) {
    return requiredImages[record.eventName].includes(name)
      ? Effect.fail(
          new UndecodableChange({
            sequenceNumber,
            reason: `${record.eventName} record carries no ${name} (the stream must be NEW_AND_OLD_IMAGES)`,
          }),
        )
      : Effect.succeed(undefined)
  }
  return Effect.try({
    try: () => unmarshall(image as AttributeMap),
    catch: (error) =>
      new UndecodableChange({
        sequenceNumber,
        reason: `${name} is not in AttributeValue form: ${error instanceof Error ? error.message : String(error)}`,
      }),
  }).pipe(
    Effect.flatMap((item) =>
      Schema.decodeUnknown(recordSchema, { errors: 'all' })(item).pipe(
        Effect.mapError(
          (error) =>
            new UndecodableChange({
              sequenceNumber,
              reason: `${name}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
            }),
        ),
      ),
    ),
  )
}

/**
 * The enrichment of a table's stream pipe: each stream record becomes one change, in the order the batch holds them
 * (so changes to one item keep their order), its images unmarshalled and decoded with `recordSchema`. Records `skip`
 * names are items of another kind that share the table: they become no change (a pipe's enrichment may answer fewer
 * elements than it was given, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html).
 * One undecodable record fails the whole batch with `UndecodableChange`, so Pipes retries it and then dead-letters it.
 */
export const decodeChanges =
  <A, I>(recordSchema: Schema.Schema<A, I>, skip: (record: StreamRecord) => boolean = () => false) =>
  (records: ReadonlyArray<StreamRecord>): Effect.Effect<ReadonlyArray<DecodedChange<A>>, UndecodableChange> =>
    Effect.forEach(
      records.filter((record) => !skip(record)),
      (record) =>
        Effect.all({
          oldImage: decodeImage(recordSchema, record, 'OldImage'),
          newImage: decodeImage(recordSchema, record, 'NewImage'),
        }).pipe(
          Effect.map(({ oldImage, newImage }): DecodedChange<A> => ({
            eventName: record.eventName,
            sequenceNumber: record.dynamodb.SequenceNumber,
            ...(oldImage === undefined ? {} : { oldImage }),
            ...(newImage === undefined ? {} : { newImage }),
          })),
        ),
    )

/** Enrichment of the orders table's stream pipe: stream records to `OrderChangedDetail`s. */
export const decodeOrderChanges = defineStep({
  name: StepNames.decodeOrderChanges,
  input: StreamBatch,
  run: decodeChanges(Order),
})

/**
 * A username reservation of the users table (`kind = 'username'`, see `infra/aws/layers/user-table-dynamodb.ts`): the
 * pipe's filter keeps them out, and should one reach the step anyway it is no user change.
 */
export const isUsernameReservation = (record: StreamRecord): boolean =>
  [record.dynamodb.NewImage, record.dynamodb.OldImage].some((image) => {
    const kind = image?.kind as { readonly S?: unknown } | undefined
    return kind?.S === 'username'
  })

/** Enrichment of the users table's stream pipe: stream records of users (not reservations) to `UserChangedDetail`s. */
export const decodeUserChanges = defineStep({
  name: StepNames.decodeUserChanges,
  input: StreamBatch,
  run: decodeChanges(User, isUsernameReservation),
})
