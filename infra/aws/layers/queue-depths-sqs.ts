import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs'
import { Effect, Layer } from 'effect'
import { QueueDepths } from '../../../steps/services/queue-depths'
import { callAws } from './classify'

/** SQS always answers the attribute it was asked for; a response without it is a broken contract, not a retry. */
const depthOf = (url: string, value: string | undefined): Effect.Effect<number> => {
  const depth = Number(value)
  return value === undefined || !Number.isInteger(depth)
    ? Effect.dieMessage(`GetQueueAttributes for ${url} answered ApproximateNumberOfMessages ${String(value)}`)
    : Effect.succeed(depth)
}

/**
 * The {@link QueueDepths} port over SQS: one GetQueueAttributes per dead-letter queue, asking only for
 * `ApproximateNumberOfMessages`, the messages available for retrieval
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html). The count is
 * approximate (SQS is distributed), which is all an alarm on dead letters needs. `queueUrls` maps the name each depth
 * is reported under to the queue's URL; the depths come back in that order. A missing queue (QueueDoesNotExist) or
 * a denied call is a defect; throttling and 5xx are a `TransientError`.
 */
export const QueueDepthsSqs = (
  client: SQSClient,
  queueUrls: Readonly<Record<string, string>>,
): Layer.Layer<QueueDepths> =>
  Layer.succeed(QueueDepths, {
    deadLetterDepths: () =>
      Effect.forEach(
        Object.entries(queueUrls),
        ([name, url]) =>
          callAws('QueueDepths.deadLetterDepths', (abortSignal) =>
            client.send(
              new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
              { abortSignal },
            ),
          ).pipe(
            Effect.flatMap((out) => depthOf(url, out.Attributes?.ApproximateNumberOfMessages)),
            Effect.map((depth) => ({ name, depth })),
          ),
        { concurrency: 10 },
      ),
  })
