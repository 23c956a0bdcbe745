import { Schema } from 'effect'

/**
 * A table change that cannot be turned into a typed change: an image that is not in AttributeValue form, does not
 * decode with the table's record schema, or is missing where its kind needs it (the stream must be NEW_AND_OLD_IMAGES).
 * Failing the enrichment makes EventBridge Pipes retry the batch and finally send it to the pipe's DLQ
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html), never drop it.
 */
export class UndecodableChange extends Schema.TaggedError<UndecodableChange>()('UndecodableChange', {
  sequenceNumber: Schema.String,
  reason: Schema.String,
}) {
  get message() {
    return `stream record ${this.sequenceNumber} does not decode: ${this.reason}`
  }
}
