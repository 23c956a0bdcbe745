import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { ImageRecord } from '../../contracts/images'

/** Outcome of a conditional write: `written` when this call changed the table, else the record that already stood. */
export type ConditionalWrite = { readonly written: true } | { readonly written: false; readonly existing: ImageRecord }

/**
 * The image records, one per object key. `putVersion` writes only when no record of this version stands
 * (a DynamoDB ConditionExpression on AWS, one SQLite statement locally), so a duplicate run changes nothing.
 */
export class ImageTable extends Context.Tag('ImageTable')<
  ImageTable,
  {
    readonly get: (key: string) => Effect.Effect<ImageRecord | undefined, TransientError>
    readonly putVersion: (record: ImageRecord) => Effect.Effect<ConditionalWrite, TransientError>
  }
>() {}
