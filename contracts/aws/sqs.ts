import { Schema } from 'effect'

/*
 * The SQS requests the local endpoint answers, as the AWS JSON 1.0 protocol carries them
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html). A refinement's message
 * is SQS's reason for refusing the value ("Must be between 1 and 10, if provided."); the endpoint words the rest.
 */

/** An integer from `min` to `max`, refused with SQS's reason. */
const integerBetween = (min: number, max: number, reason = `Must be between ${min} and ${max}, if provided.`) =>
  Schema.Number.pipe(
    Schema.int({ message: () => reason }),
    Schema.greaterThanOrEqualTo(min, { message: () => reason }),
    Schema.lessThanOrEqualTo(max, { message: () => reason }),
  )

/** A message attribute (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html); binary values are base64. */
export const MessageAttributeValue = Schema.Struct({
  DataType: Schema.String,
  StringValue: Schema.optional(Schema.String),
  BinaryValue: Schema.optional(Schema.String),
  StringListValues: Schema.optional(Schema.Array(Schema.String)),
  BinaryListValues: Schema.optional(Schema.Array(Schema.String)),
})
export type MessageAttributeValue = typeof MessageAttributeValue.Type

const MessageAttributes = Schema.Record({ key: Schema.String, value: MessageAttributeValue })

/** The system attribute SendMessage takes: AWSTraceHeader, a String. */
const MessageSystemAttributes = Schema.Record({ key: Schema.String, value: MessageAttributeValue })

const QueueUrl = { QueueUrl: Schema.String }
const DelaySeconds = integerBetween(0, 900)

export const GetQueueUrlRequest = Schema.Struct({
  QueueName: Schema.String,
  QueueOwnerAWSAccountId: Schema.optional(Schema.String),
})

export const ListQueuesRequest = Schema.Struct({
  QueueNamePrefix: Schema.optional(Schema.String),
  NextToken: Schema.optional(Schema.String),
  MaxResults: Schema.optional(integerBetween(1, 1000)),
})

export const GetQueueAttributesRequest = Schema.Struct({
  ...QueueUrl,
  AttributeNames: Schema.optional(Schema.Array(Schema.String)),
})

export const SendMessageRequest = Schema.Struct({
  ...QueueUrl,
  MessageBody: Schema.String,
  DelaySeconds: Schema.optional(DelaySeconds),
  MessageAttributes: Schema.optional(MessageAttributes),
  MessageSystemAttributes: Schema.optional(MessageSystemAttributes),
  MessageDeduplicationId: Schema.optional(Schema.String),
  MessageGroupId: Schema.optional(Schema.String),
})

/** A batch entry: its Id names it in the answer's Successful or Failed list. */
export const SendMessageBatchRequestEntry = Schema.Struct({
  Id: Schema.String,
  MessageBody: Schema.String,
  DelaySeconds: Schema.optional(DelaySeconds),
  MessageAttributes: Schema.optional(MessageAttributes),
  MessageSystemAttributes: Schema.optional(MessageSystemAttributes),
  MessageDeduplicationId: Schema.optional(Schema.String),
  MessageGroupId: Schema.optional(Schema.String),
})
export type SendMessageBatchRequestEntry = typeof SendMessageBatchRequestEntry.Type

export const SendMessageBatchRequest = Schema.Struct({
  ...QueueUrl,
  Entries: Schema.Array(SendMessageBatchRequestEntry),
})

export const ReceiveMessageRequest = Schema.Struct({
  ...QueueUrl,
  /** Deprecated by SQS for MessageSystemAttributeNames, still honoured. */
  AttributeNames: Schema.optional(Schema.Array(Schema.String)),
  MessageSystemAttributeNames: Schema.optional(Schema.Array(Schema.String)),
  MessageAttributeNames: Schema.optional(Schema.Array(Schema.String)),
  MaxNumberOfMessages: Schema.optional(integerBetween(1, 10)),
  VisibilityTimeout: Schema.optional(integerBetween(0, 43_200)),
  WaitTimeSeconds: Schema.optional(integerBetween(0, 20, 'Must be >= 0 and <= 20, if provided.')),
  ReceiveRequestAttemptId: Schema.optional(Schema.String),
})

export const DeleteMessageRequest = Schema.Struct({ ...QueueUrl, ReceiptHandle: Schema.String })

export const DeleteMessageBatchRequest = Schema.Struct({
  ...QueueUrl,
  Entries: Schema.Array(Schema.Struct({ Id: Schema.String, ReceiptHandle: Schema.String })),
})

export const ChangeMessageVisibilityRequest = Schema.Struct({
  ...QueueUrl,
  ReceiptHandle: Schema.String,
  VisibilityTimeout: integerBetween(0, 43_200),
})

export const ChangeMessageVisibilityBatchRequest = Schema.Struct({
  ...QueueUrl,
  Entries: Schema.Array(
    Schema.Struct({
      Id: Schema.String,
      ReceiptHandle: Schema.String,
      VisibilityTimeout: Schema.optional(integerBetween(0, 43_200)),
    }),
  ),
})

export const PurgeQueueRequest = Schema.Struct(QueueUrl)

export const ListDeadLetterSourceQueuesRequest = Schema.Struct({
  ...QueueUrl,
  NextToken: Schema.optional(Schema.String),
  MaxResults: Schema.optional(integerBetween(1, 1000)),
})

export const StartMessageMoveTaskRequest = Schema.Struct({
  SourceArn: Schema.String,
  DestinationArn: Schema.optional(Schema.String),
  MaxNumberOfMessagesPerSecond: Schema.optional(integerBetween(1, 500)),
})

export const ListMessageMoveTasksRequest = Schema.Struct({
  SourceArn: Schema.String,
  MaxResults: Schema.optional(integerBetween(1, 10)),
})
