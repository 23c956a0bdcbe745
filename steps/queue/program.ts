import { Array as Arr, Effect, Either, Schema } from 'effect'
import type { PutEventsEntry } from '../../contracts/envelope'
import { OrderMessage, PlacedOrder } from '../../contracts/orders'
import { OrderMessageReceivedType, QueueSource } from '../../contracts/sources'
import { StepNames } from '../kit/catalog'
import { now } from '../services/clock'
import { PipelineConfig } from '../services/config'
import { EventPublisher } from '../services/event-publisher'
import { defineStep } from '../kit/step'
import { describeParseError } from '../orders/issues'
import { fieldsNestedTooDeep, nestedTooDeep } from '../kit/json-depth'

/**
 * One SQS message as Lambda's event source mapping delivers it
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event).
 * The step reads `messageId` and `body`; the rest is declared for readers and left optional, so a local queue that
 * omits a field it has no use for still delivers.
 */
export const SqsRecord = Schema.Struct({
  messageId: Schema.String,
  receiptHandle: Schema.optional(Schema.String),
  body: Schema.String,
  attributes: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  messageAttributes: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  md5OfBody: Schema.optional(Schema.String),
  eventSource: Schema.optional(Schema.String),
  eventSourceARN: Schema.optional(Schema.String),
  awsRegion: Schema.optional(Schema.String),
})
export type SqsRecord = typeof SqsRecord.Type

/** The batch Lambda receives from SQS. */
export const SqsEvent = Schema.Struct({ Records: Schema.Array(SqsRecord) })
export type SqsEvent = typeof SqsEvent.Type

/**
 * A message Lambda should hand back to the queue. Lambda reads `itemIdentifier` only
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting);
 * the local runtime also reads `reason` and writes it into the DLQ record when the message runs out of receives.
 */
export interface BatchItemFailure {
  readonly itemIdentifier: string
  readonly reason: string
}

/** Lambda's partial batch response (`ReportBatchItemFailures`). */
export interface SqsBatchResponse {
  readonly batchItemFailures: ReadonlyArray<BatchItemFailure>
}

/** PutEvents takes at most 10 entries a call. */
export const PublishChunkSize = 10

const encodeReceived = Schema.encodeSync(Schema.Struct({ messageId: Schema.String, order: PlacedOrder }))
const decodeMessage = Schema.decodeUnknownEither(OrderMessage, { errors: 'all', onExcessProperty: 'ignore' })

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value)

/** The order a message body carries, or why it carries none. */
export const readOrderMessage = (body: string): Either.Either<OrderMessage, string> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (error) {
    return Either.left(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return Either.left(`the body must be a JSON object with an order, got ${kindOf(parsed)}`)
  }
  // Decoding a deeply nested field overflows the stack while formatting its error: name it without decoding.
  const tooDeep = fieldsNestedTooDeep(parsed as Record<string, unknown>)
  if (tooDeep.length > 0)
    return Either.left(`invalid order: ${tooDeep.map((name) => `${name}: ${nestedTooDeep}`).join('; ')}`)
  return Either.mapLeft(decodeMessage(parsed), (error) => `invalid order: ${describeParseError(error)}`)
}

/**
 * The `receive-orders` step: the orders queue's consumer. Each message body must be an `OrderMessage` (JSON); each
 * valid one becomes an `OrderMessageReceived` event (origin `queue`, placed now) published to the pipeline bus, 10 a
 * call. Answers the partial batch response: a message whose body is malformed or invalid, or whose chunk failed to
 * publish, is a batch item failure with its reason, so SQS delivers it again after the visibility timeout and, past
 * `maxReceiveCount`, moves it to the DLQ. Bad messages never fail the batch as a whole; only the other messages of a
 * failed chunk come back with them. A message published twice (a redelivery) is one order: the order workflow
 * de-duplicates by `orderId`.
 */
export const receiveOrders = defineStep({
  name: StepNames.receiveOrders,
  input: SqsEvent,
  run: ({ Records }) =>
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const { busName } = yield* PipelineConfig
      const placedAt = yield* now
      const failures = new Map<string, string>()
      const valid: Array<{ readonly messageId: string; readonly entry: PutEventsEntry }> = []
      for (const record of Records) {
        const read = readOrderMessage(record.body)
        if (Either.isLeft(read)) {
          failures.set(record.messageId, read.left)
          continue
        }
        const { orderId, customerId, items, totalAmount, currency } = read.right
        const order: PlacedOrder = {
          orderId,
          customerId,
          currency,
          origin: 'queue',
          placedAt,
          ...(items === undefined ? {} : { items }),
          ...(totalAmount === undefined ? {} : { totalAmount }),
        }
        const detail = encodeReceived({ messageId: record.messageId, order })
        valid.push({
          messageId: record.messageId,
          entry: {
            EventBusName: busName,
            Source: QueueSource,
            DetailType: OrderMessageReceivedType,
            Detail: JSON.stringify(detail),
            Resources: [],
          },
        })
      }
      for (const chunk of Arr.chunksOf(valid, PublishChunkSize)) {
        const published = yield* Effect.either(publisher.publish(chunk.map(({ entry }) => entry)))
        if (Either.isLeft(published)) {
          for (const { messageId } of chunk)
            failures.set(messageId, `publish failed, the message will be received again: ${published.left.message}`)
        }
      }
      // In the batch's order, once per message id.
      const batchItemFailures = [...new Set(Records.map((record) => record.messageId))].flatMap((itemIdentifier) => {
        const reason = failures.get(itemIdentifier)
        return reason === undefined ? [] : [{ itemIdentifier, reason }]
      })
      const response: SqsBatchResponse = { batchItemFailures }
      return response
    }),
})
