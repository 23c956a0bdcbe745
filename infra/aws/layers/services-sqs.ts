import { SQSClient } from '@aws-sdk/client-sqs'
import { Either, ParseResult, Schema } from 'effect'
import { QueueDepths } from '../../../steps/services/queue-depths'
import { lazily, setting, type AwsClient, type AwsService, type Setting } from './aws-layer'
import { QueueDepthsSqs } from './queue-depths-sqs'

const sqs: AwsClient<SQSClient> = { make: () => new SQSClient({}) }

const QueueUrls = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.NonEmptyString }))

const queueUrls = (raw: string): Setting<Readonly<Record<string, string>>> =>
  Schema.decodeUnknownEither(QueueUrls)(raw).pipe(
    Either.mapLeft(
      (error) =>
        `which must be a JSON object of queue name to URL: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
    ),
  )

export const AwsQueueDepths: AwsService<QueueDepths, SQSClient> = {
  client: sqs,
  layer: (sqs, env) =>
    lazily(QueueDepths, 'QueueDepths', Either.flatMap(setting(env, 'QueueDepths'), queueUrls), {}, (urls) =>
      QueueDepthsSqs(sqs, urls),
    ),
}
