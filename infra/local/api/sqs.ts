import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Schema } from 'effect'
import * as Sqs from '../../../contracts/aws/sqs'
import { firstServed } from '../kernel/db'
import { LocalAccount } from '../model/template'
import type { LocalRuntime } from '../runtime'
import {
  InvalidMessage,
  hasOnlyValidCharacters,
  md5OfAttributes,
  messageSize,
  readReceiptHandle,
  type MessageAttributeMap,
  type ReceivedMessage,
} from '../sqs/queues'
import { MessageMoveTasks, MoveTaskRefused } from '../sqs/move-tasks'
import type { LocalQueue } from '../model/template'
import { waitingAside } from '../http/durable-answers'
import type { AwsServiceHandler } from './aws-api'
import { AwsApiError } from './errors'
import { asAwsApiError, serveJson, type JsonCall, type JsonOperation } from './json-protocol'
import { readQueryParams, sendQueryError } from './query-protocol'
import { pageOf } from './paging'
import { decodeInput, type InputIssue } from './validate'

/*
 * SQS on the local endpoint, in the AWS JSON 1.0 protocol current SDKs and the AWS CLI speak (`X-Amz-Target:
 * AmazonSQS.SendMessage`): https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html.
 * Every operation goes through the runtime's queues (`sqs/queues.ts`), the same ones the orders queue's event source
 * mapping reads and `POST /queues/{queue}/messages` sends to.
 */

// ---------------------------------------------------------------------------------------------------------------
// Errors, as SQS's JSON protocol carries them: the shape in `__type`, the query protocol's code in x-amzn-query-error

const SqsNamespace = 'com.amazonaws.sqs'
/** SQS's errors common to AWS services carry the Coral namespace (InvalidParameterValue, MissingParameter). */
const CoralNamespace = 'com.amazon.coral.service'

const sqsError = (status: number, shape: string, queryCode: string, message: string, namespace = SqsNamespace) =>
  new AwsApiError(status, `${namespace}#${shape}`, message, { queryError: `${queryCode};Sender`, fault: 'Sender' })

/** The errors of https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html and each operation's page. */
export const SqsErrors = {
  queueDoesNotExist: () =>
    sqsError(
      400,
      'QueueDoesNotExist',
      'AWS.SimpleQueueService.NonExistentQueue',
      'The specified queue does not exist.',
    ),
  invalidParameterValue: (message: string) =>
    sqsError(400, 'InvalidParameterValueException', 'InvalidParameterValue', message, CoralNamespace),
  missingParameter: (name: string) =>
    sqsError(
      400,
      'MissingRequiredParameterException',
      'MissingParameter',
      `The request must contain the parameter ${name}.`,
      CoralNamespace,
    ),
  invalidMessageContents: (message: string) =>
    sqsError(400, 'InvalidMessageContents', 'InvalidMessageContents', message),
  receiptHandleIsInvalid: (handle: string) =>
    sqsError(
      404,
      'ReceiptHandleIsInvalid',
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    ),
  invalidAttributeName: (name: string) =>
    sqsError(400, 'InvalidAttributeName', 'InvalidAttributeName', `Unknown Attribute ${name}.`),
  emptyBatchRequest: (entry: string) =>
    sqsError(
      400,
      'EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest',
      `There should be at least one ${entry} in the request.`,
    ),
  tooManyEntriesInBatchRequest: (count: number) =>
    sqsError(
      400,
      'TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${count}.`,
    ),
  batchEntryIdsNotDistinct: (id: string) =>
    sqsError(400, 'BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', `Id ${id} repeated.`),
  invalidBatchEntryId: () =>
    sqsError(
      400,
      'InvalidBatchEntryId',
      'AWS.SimpleQueueService.InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
    ),
  batchRequestTooLong: (maximum: number, sent: number) =>
    sqsError(
      400,
      'BatchRequestTooLong',
      'AWS.SimpleQueueService.BatchRequestTooLong',
      `Batch requests cannot be longer than ${maximum} bytes. You have sent ${sent} bytes.`,
    ),
  purgeQueueInProgress: (queue: string) =>
    sqsError(
      403,
      'PurgeQueueInProgress',
      'AWS.SimpleQueueService.PurgeQueueInProgress',
      `Only one PurgeQueue operation on ${queue} is allowed every 60 seconds.`,
    ),
  messageNotInflight: () =>
    sqsError(
      400,
      'MessageNotInflight',
      'AWS.SimpleQueueService.MessageNotInflight',
      'The specified message is not in flight.',
    ),
  resourceNotFound: (message: string) =>
    sqsError(404, 'ResourceNotFoundException', 'ResourceNotFoundException', message),
  unsupportedOperation: (message: string) =>
    sqsError(400, 'UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', message),
}

/** A request's members, worded as SQS words what is wrong with them: the first problem only, as SQS reports it. */
const wordIssues = (issues: ReadonlyArray<InputIssue>): AwsApiError => {
  const issue = issues.find((candidate) => candidate.kind === 'missing') ?? issues[0]!
  // SQS names a member of a list entry by its 1-based position: Entries.1.Id.
  const name = issue.path.map((key) => (typeof key === 'number' ? String(key + 1) : String(key))).join('.')
  if (issue.kind === 'missing') return SqsErrors.missingParameter(name)
  if (issue.kind === 'constraint')
    return SqsErrors.invalidParameterValue(
      `Value ${String(issue.value)} for parameter ${name} is invalid. Reason: ${issue.message}`,
    )
  return new AwsApiError(400, `${CoralNamespace}#SerializationException`, `${name}: ${issue.message}`)
}

const decode = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => decodeInput(schema, input, wordIssues)

// ---------------------------------------------------------------------------------------------------------------
// Queue URLs

/**
 * The URL a client uses for a queue: AWS's form (`/<account>/<name>`) on the address the client reached this endpoint
 * at, so an SDK that sends requests to its QueueUrl's host (SDK v3 does when no endpoint is configured on the client)
 * still reaches this endpoint.
 */
export const queueUrlOn = (req: IncomingMessage, name: string): string =>
  `http://${req.headers.host ?? '127.0.0.1'}/${LocalAccount}/${name}`

/**
 * The queue a QueueUrl names: any URL whose path is `/<account>/<queue name>` (the one GetQueueUrl answers, AWS's own
 * `https://sqs.<region>.amazonaws.com/...`, the template's `http://sqs.<region>.localhost/...`).
 */
const queueNamed = (runtime: LocalRuntime, queueUrl: string): LocalQueue => {
  let path: string
  try {
    path = new URL(queueUrl).pathname
  } catch {
    throw SqsErrors.queueDoesNotExist()
  }
  const [account, name, ...rest] = path.split('/').filter(Boolean)
  const queue = name === undefined ? undefined : runtime.queues.find(decodeURIComponent(name))
  if (account !== LocalAccount || rest.length > 0 || !queue || queue.name !== decodeURIComponent(name!))
    throw SqsErrors.queueDoesNotExist()
  return queue
}

// ---------------------------------------------------------------------------------------------------------------
// Message attributes

/** SQS's rules for message attributes (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html). */
const checkAttributes = (
  attributes: Readonly<Record<string, Sqs.MessageAttributeValue>> | undefined,
): MessageAttributeMap => {
  if (!attributes) return {}
  const names = Object.keys(attributes)
  if (names.length > 10)
    throw SqsErrors.invalidParameterValue(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [10].`,
    )
  for (const name of names) {
    if (name.length === 0 || Buffer.byteLength(name) > 256)
      throw SqsErrors.invalidParameterValue('Message (user) attribute names must be shorter than 256 Bytes')
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
      throw SqsErrors.invalidParameterValue(
        'Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores.',
      )
    if (/^(aws|amazon)\./i.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..'))
      throw SqsErrors.invalidParameterValue(
        "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.' or have consecutive periods.",
      )
    const value = attributes[name]!
    if (!/^(String|Number|Binary)(\.[^\s]+)?$/.test(value.DataType) || Buffer.byteLength(value.DataType) > 256)
      throw SqsErrors.invalidParameterValue(
        `Type for parameter MessageAttributes.Attribute_name.DataType must be prefixed with "String", "Binary", or "Number", but was: ${value.DataType}`,
      )
    if (value.StringListValues !== undefined || value.BinaryListValues !== undefined)
      throw SqsErrors.invalidParameterValue(`Message (user) attribute '${name}': list values are not supported.`)
    const binary = value.DataType.startsWith('Binary')
    const kind = value.DataType.split('.')[0]!
    const given = binary ? value.BinaryValue : value.StringValue
    if (given === undefined || given === '' || (binary ? value.StringValue : value.BinaryValue) !== undefined)
      throw SqsErrors.invalidParameterValue(
        `Message (user) attribute '${name}' must contain a non-empty value of type '${kind}'.`,
      )
    if (kind === 'Number' && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(given))
      throw SqsErrors.invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`)
    if (!binary && !hasOnlyValidCharacters(given))
      throw SqsErrors.invalidMessageContents(
        `Message (user) attribute '${name}' contains characters SQS does not allow: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
      )
  }
  return Object.fromEntries(
    names.map((name) => {
      const { DataType, StringValue, BinaryValue } = attributes[name]!
      return [
        name,
        {
          DataType,
          ...(StringValue === undefined ? {} : { StringValue }),
          ...(BinaryValue === undefined ? {} : { BinaryValue }),
        },
      ]
    }),
  )
}

/** SendMessage's system attributes: AWSTraceHeader, a String, is the only one. */
const traceHeaderOf = (system: Readonly<Record<string, Sqs.MessageAttributeValue>> | undefined): string | undefined => {
  if (!system) return undefined
  for (const [name, value] of Object.entries(system)) {
    if (name !== 'AWSTraceHeader')
      throw SqsErrors.invalidParameterValue(`Message system attribute name '${name}' is invalid.`)
    if (value.DataType !== 'String' || !value.StringValue)
      throw SqsErrors.invalidParameterValue(
        "Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.",
      )
  }
  return system.AWSTraceHeader?.StringValue
}

const refuseDeduplicationId = (id: string | undefined) => {
  if (id !== undefined)
    throw SqsErrors.invalidParameterValue(
      `Value ${id} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`,
    )
}

/** What queues.send refuses, as SQS's error. */
const asSendError = (error: unknown): unknown => {
  if (!(error instanceof InvalidMessage)) return error
  if (error.code === 'MissingParameter') return SqsErrors.missingParameter('MessageBody')
  if (error.code === 'InvalidMessageContents') return SqsErrors.invalidMessageContents(error.message)
  return SqsErrors.invalidParameterValue(error.message)
}

// ---------------------------------------------------------------------------------------------------------------
// Batches

const BatchEntryId = /^[A-Za-z0-9_-]{1,80}$/

/** A batch's own checks, before any entry is tried: not empty, at most 10, ids well formed and distinct. */
const checkBatch = (entries: ReadonlyArray<{ readonly Id: string }>, entryName: string): void => {
  if (entries.length === 0) throw SqsErrors.emptyBatchRequest(entryName)
  if (entries.length > 10) throw SqsErrors.tooManyEntriesInBatchRequest(entries.length)
  const seen = new Set<string>()
  for (const { Id } of entries) {
    if (!BatchEntryId.test(Id)) throw SqsErrors.invalidBatchEntryId()
    if (seen.has(Id)) throw SqsErrors.batchEntryIdsNotDistinct(Id)
    seen.add(Id)
  }
}

/** A batch entry's failure, as BatchResultErrorEntry gives it (the query protocol's code, not the JSON shape). */
const failedEntry = (Id: string, error: unknown) => {
  if (!(error instanceof AwsApiError)) throw error
  return {
    Id,
    SenderFault: true,
    Code: error.details.queryError?.split(';')[0] ?? error.code.split('#').pop()!,
    Message: error.message,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Queue attributes

/** The attributes GetQueueAttributes knows, for a standard queue (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html). */
const QueueAttributeNames = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'DelaySeconds',
  'LastModifiedTimestamp',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'QueueArn',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
] as const

/** The system attributes ReceiveMessage can return (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html). */
const systemAttributesOf = (message: ReceivedMessage): Record<string, string> => ({
  SenderId: LocalAccount,
  SentTimestamp: String(message.sentTimestamp),
  ApproximateReceiveCount: String(message.receiveCount),
  ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
  ...(message.traceHeader === undefined ? {} : { AWSTraceHeader: message.traceHeader }),
  ...(message.deadLetterSourceArn === undefined ? {} : { DeadLetterQueueSourceArn: message.deadLetterSourceArn }),
})

/** MessageAttributeNames: `All` or `.*` for every attribute, `prefix.*` for a prefix, else exact names. */
const selectAttributes = (attributes: MessageAttributeMap, names: ReadonlyArray<string>): MessageAttributeMap =>
  Object.fromEntries(
    Object.entries(attributes).filter(([name]) =>
      names.some((wanted) =>
        wanted === 'All' || wanted === '.*'
          ? true
          : wanted.endsWith('.*')
            ? name.startsWith(wanted.slice(0, -1))
            : wanted === name,
      ),
    ),
  )

const isTemplateValue = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'

// ---------------------------------------------------------------------------------------------------------------
// The service

/** The operations of SQS the local runtime does not answer: its queues are the CDK app's. */
const NotAnswered = [
  'AddPermission',
  'CancelMessageMoveTask',
  'CreateQueue',
  'DeleteQueue',
  'RemovePermission',
  'SetQueueAttributes',
  'TagQueue',
  'UntagQueue',
]

/** SQS over the runtime's queues, on the AWS JSON 1.0 protocol; a legacy query-protocol request is told to use JSON. */
export const sqsService = (runtime: LocalRuntime): AwsServiceHandler => {
  const { queues } = runtime
  const created = firstServed(
    runtime.db,
    queues.names.map((name) => queues.queue(name).arn),
  )
  const moveTasks = new MessageMoveTasks(runtime.db, queues, runtime.deadLetters)
  const lastPurge = new Map<string, number>()

  const queueAttributes = (queue: LocalQueue): Record<string, string> => {
    const properties = queue.properties ?? {}
    const counts = queues.counts(queue.name)
    const createdSeconds = String(Math.floor((created.get(queue.arn) ?? Date.now()) / 1000))
    const configured = (name: string, fallback?: string): Record<string, string> => {
      const value = properties[name]
      if (isTemplateValue(value)) return { [name]: String(value) }
      if (value !== undefined && value !== null) return { [name]: JSON.stringify(value) }
      return fallback === undefined ? {} : { [name]: fallback }
    }
    return {
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      CreatedTimestamp: createdSeconds,
      ...configured('DelaySeconds', '0'),
      LastModifiedTimestamp: createdSeconds,
      MaximumMessageSize: String(queues.maximumMessageSize(queue.name)),
      ...configured('MessageRetentionPeriod', '345600'),
      QueueArn: queue.arn,
      ...configured('ReceiveMessageWaitTimeSeconds', '0'),
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds ?? 30),
      ...(queue.redrive
        ? {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: queue.redrive.deadLetterArn,
              maxReceiveCount: queue.redrive.maxReceiveCount,
            }),
          }
        : {}),
      ...configured('RedriveAllowPolicy'),
      ...configured('KmsMasterKeyId'),
      ...configured('KmsDataKeyReusePeriodSeconds'),
      ...configured('SqsManagedSseEnabled', properties.KmsMasterKeyId === undefined ? 'true' : 'false'),
    }
  }

  /** Receives, waiting up to `waitMs` for a message without polling: woken by a send to the queue or a message coming back. */
  const receiveWaiting = async (
    queue: LocalQueue,
    max: number,
    waitMs: number,
    visibilityMs: number | undefined,
    { res }: JsonCall,
  ): Promise<ReadonlyArray<ReceivedMessage>> => {
    const deadline = Date.now() + waitMs
    const options = visibilityMs === undefined ? {} : { visibilityMs }
    for (;;) {
      const received = queues.receive(queue.name, max, Date.now(), options)
      const now = Date.now()
      if (received.length > 0 || now >= deadline || res.destroyed) return received
      const next = queues.nextVisibleAt(queue.name)
      const wakeAt = next !== undefined && next > now ? Math.min(next, deadline) : deadline
      await waitingAside(
        res,
        () =>
          new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer)
              stopListening()
              res.off('close', done)
              resolve()
            }
            const timer = setTimeout(done, Math.max(1, wakeAt - now))
            const stopListening = queues.onSend((name) => name === queue.name && done())
            res.once('close', done)
          }),
      )
      if (res.destroyed || !runtime.db.isOpen) return []
    }
  }

  const sendOne = (
    queue: LocalQueue,
    entry: Omit<Sqs.SendMessageBatchRequestEntry, 'Id'>,
  ): {
    MessageId: string
    MD5OfMessageBody: string
    MD5OfMessageAttributes?: string
    MD5OfMessageSystemAttributes?: string
  } => {
    refuseDeduplicationId(entry.MessageDeduplicationId)
    const attributes = checkAttributes(entry.MessageAttributes)
    const traceHeader = traceHeaderOf(entry.MessageSystemAttributes)
    let sent
    try {
      sent = queues.send(queue.name, entry.MessageBody, {
        attributes,
        ...(traceHeader === undefined ? {} : { traceHeader }),
        ...(entry.DelaySeconds === undefined ? {} : { delaySeconds: entry.DelaySeconds }),
      })
    } catch (error) {
      throw asSendError(error)
    }
    return {
      MessageId: sent.MessageId,
      MD5OfMessageBody: sent.md5OfBody,
      ...(Object.keys(attributes).length > 0 ? { MD5OfMessageAttributes: md5OfAttributes(attributes) } : {}),
      ...(traceHeader === undefined
        ? {}
        : {
            MD5OfMessageSystemAttributes: md5OfAttributes({
              AWSTraceHeader: { DataType: 'String', StringValue: traceHeader },
            }),
          }),
    }
  }

  /** A receipt handle of this queue, or ReceiptHandleIsInvalid. */
  const receiptHandleOf = (queue: LocalQueue, handle: string): string => {
    const read = readReceiptHandle(handle)
    if (!read || read.queue !== queue.name) throw SqsErrors.receiptHandleIsInvalid(handle)
    return handle
  }

  const changeVisibility = (queue: LocalQueue, handle: string, seconds: number): void => {
    const outcome = queues.changeVisibility(receiptHandleOf(queue, handle), seconds * 1000)
    if (outcome === 'stale')
      throw SqsErrors.invalidParameterValue(
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      )
    if (outcome === 'not-in-flight') throw SqsErrors.messageNotInflight()
  }

  const operations: Record<string, JsonOperation> = {
    GetQueueUrl: (input, { req }) => {
      const { QueueName, QueueOwnerAWSAccountId } = decode(Sqs.GetQueueUrlRequest, input)
      const queue = queues.find(QueueName)
      if (!queue || queue.name !== QueueName || (QueueOwnerAWSAccountId ?? LocalAccount) !== LocalAccount)
        throw SqsErrors.queueDoesNotExist()
      return { QueueUrl: queueUrlOn(req, queue.name) }
    },

    ListQueues: (input, { req }) => {
      const { QueueNamePrefix = '', NextToken, MaxResults } = decode(Sqs.ListQueuesRequest, input)
      const names = queues.names.filter((name) => name.startsWith(QueueNamePrefix))
      // Without MaxResults, SQS answers up to 1,000 queues and no token.
      const { page, nextToken } = pageOf(
        'ListQueues',
        names,
        (name) => name,
        { token: NextToken, limit: MaxResults ?? 1000 },
        () => SqsErrors.invalidParameterValue('Invalid NextToken value.'),
      )
      return {
        ...(page.length > 0 ? { QueueUrls: page.map((name) => queueUrlOn(req, name)) } : {}),
        ...(nextToken && MaxResults !== undefined ? { NextToken: nextToken } : {}),
      }
    },

    GetQueueAttributes: (input) => {
      const { QueueUrl, AttributeNames = [] } = decode(Sqs.GetQueueAttributesRequest, input)
      const queue = queueNamed(runtime, QueueUrl)
      for (const name of AttributeNames)
        if (name !== 'All' && !(QueueAttributeNames as ReadonlyArray<string>).includes(name))
          throw SqsErrors.invalidAttributeName(name)
      if (AttributeNames.length === 0) return {}
      const all = queueAttributes(queue)
      const wanted = AttributeNames.includes('All') ? Object.keys(all) : AttributeNames
      const Attributes = Object.fromEntries(wanted.flatMap((name) => (name in all ? [[name, all[name]!]] : [])))
      return Object.keys(Attributes).length > 0 ? { Attributes } : {}
    },

    ListQueueTags: (input) => {
      const { QueueUrl } = decode(Sqs.PurgeQueueRequest, input)
      const tags = (queueNamed(runtime, QueueUrl).properties?.Tags ?? []) as Array<{ Key: string; Value: string }>
      return tags.length > 0 ? { Tags: Object.fromEntries(tags.map(({ Key, Value }) => [Key, Value])) } : {}
    },

    SendMessage: (input) => {
      const request = decode(Sqs.SendMessageRequest, input)
      return sendOne(queueNamed(runtime, request.QueueUrl), request)
    },

    SendMessageBatch: (input) => {
      const { QueueUrl, Entries } = decode(Sqs.SendMessageBatchRequest, input)
      const queue = queueNamed(runtime, QueueUrl)
      checkBatch(Entries, 'SendMessageBatchRequestEntry')
      const maximum = queues.maximumMessageSize(queue.name)
      const total = Entries.reduce(
        (sum, entry) => sum + messageSize(entry.MessageBody, (entry.MessageAttributes ?? {}) as MessageAttributeMap),
        0,
      )
      if (total > maximum) throw SqsErrors.batchRequestTooLong(maximum, total)
      const Successful: unknown[] = []
      const Failed: unknown[] = []
      for (const { Id, ...entry } of Entries) {
        try {
          Successful.push({ Id, ...sendOne(queue, entry) })
        } catch (error) {
          const failed = failedEntry(Id, error)
          // In a batch, SQS words a message over the limit as a parameter it cannot validate.
          Failed.push({
            ...failed,
            Message: failed.Message.replace('parameters are invalid', 'parameters cannot be validated'),
          })
        }
      }
      return { Successful, Failed }
    },

    ReceiveMessage: async (input, call) => {
      const request = decode(Sqs.ReceiveMessageRequest, input)
      const queue = queueNamed(runtime, request.QueueUrl)
      const waitSeconds = request.WaitTimeSeconds ?? Number(queue.properties?.ReceiveMessageWaitTimeSeconds ?? 0)
      const received = await receiveWaiting(
        queue,
        request.MaxNumberOfMessages ?? 1,
        waitSeconds * 1000,
        request.VisibilityTimeout === undefined ? undefined : request.VisibilityTimeout * 1000,
        call,
      )
      if (received.length === 0) return {}
      const systemNames = [...(request.MessageSystemAttributeNames ?? []), ...(request.AttributeNames ?? [])]
      const attributeNames = request.MessageAttributeNames ?? []
      return {
        Messages: received.map((message) => {
          const system = systemAttributesOf(message)
          const Attributes = systemNames.includes('All')
            ? system
            : Object.fromEntries(Object.entries(system).filter(([name]) => systemNames.includes(name)))
          const MessageAttributes = selectAttributes(message.attributes ?? {}, attributeNames)
          const hasAttributes = Object.keys(MessageAttributes).length > 0
          return {
            MessageId: message.messageId,
            ReceiptHandle: message.receiptHandle,
            MD5OfBody: message.md5OfBody,
            Body: message.body,
            ...(Object.keys(Attributes).length > 0 ? { Attributes } : {}),
            ...(hasAttributes ? { MD5OfMessageAttributes: md5OfAttributes(MessageAttributes), MessageAttributes } : {}),
          }
        }),
      }
    },

    DeleteMessage: (input) => {
      const { QueueUrl, ReceiptHandle } = decode(Sqs.DeleteMessageRequest, input)
      const queue = queueNamed(runtime, QueueUrl)
      // A stale handle (the message was received again since, or is gone) deletes nothing and succeeds, as SQS does.
      queues.delete(receiptHandleOf(queue, ReceiptHandle))
      return {}
    },

    DeleteMessageBatch: (input) => {
      const { QueueUrl, Entries } = decode(Sqs.DeleteMessageBatchRequest, input)
      const queue = queueNamed(runtime, QueueUrl)
      checkBatch(Entries, 'DeleteMessageBatchRequestEntry')
      const Successful: unknown[] = []
      const Failed: unknown[] = []
      for (const { Id, ReceiptHandle } of Entries) {
        try {
          queues.delete(receiptHandleOf(queue, ReceiptHandle))
          Successful.push({ Id })
        } catch (error) {
          Failed.push(failedEntry(Id, error))
        }
      }
      return { Successful, Failed }
    },

    ChangeMessageVisibility: (input) => {
      const { QueueUrl, ReceiptHandle, VisibilityTimeout } = decode(Sqs.ChangeMessageVisibilityRequest, input)
      changeVisibility(queueNamed(runtime, QueueUrl), ReceiptHandle, VisibilityTimeout)
      return {}
    },

    ChangeMessageVisibilityBatch: (input) => {
      const { QueueUrl, Entries } = decode(Sqs.ChangeMessageVisibilityBatchRequest, input)
      const queue = queueNamed(runtime, QueueUrl)
      checkBatch(Entries, 'ChangeMessageVisibilityBatchRequestEntry')
      const Successful: unknown[] = []
      const Failed: unknown[] = []
      for (const { Id, ReceiptHandle, VisibilityTimeout = 0 } of Entries) {
        try {
          changeVisibility(queue, ReceiptHandle, VisibilityTimeout)
          Successful.push({ Id })
        } catch (error) {
          Failed.push(failedEntry(Id, error))
        }
      }
      return { Successful, Failed }
    },

    PurgeQueue: (input) => {
      const { QueueUrl } = decode(Sqs.PurgeQueueRequest, input)
      const queue = queueNamed(runtime, QueueUrl)
      const now = Date.now()
      if (now - (lastPurge.get(queue.name) ?? -Infinity) < 60_000) throw SqsErrors.purgeQueueInProgress(queue.name)
      lastPurge.set(queue.name, now)
      queues.purge(queue.name)
      return {}
    },

    ListDeadLetterSourceQueues: (input, { req }) => {
      const { QueueUrl, NextToken, MaxResults } = decode(Sqs.ListDeadLetterSourceQueuesRequest, input)
      const deadLetterQueue = queueNamed(runtime, QueueUrl)
      const sources = queues.names.filter((name) => queues.queue(name).redrive?.deadLetterArn === deadLetterQueue.arn)
      const { page, nextToken } = pageOf(
        'ListDeadLetterSourceQueues',
        sources,
        (name) => name,
        { token: NextToken, limit: MaxResults ?? 1000 },
        () => SqsErrors.invalidParameterValue('Invalid NextToken value.'),
      )
      return {
        queueUrls: page.map((name) => queueUrlOn(req, name)),
        ...(nextToken && MaxResults !== undefined ? { NextToken: nextToken } : {}),
      }
    },

    StartMessageMoveTask: (input) => {
      const request = decode(Sqs.StartMessageMoveTaskRequest, input)
      try {
        const task = moveTasks.start({
          sourceArn: request.SourceArn,
          ...(request.DestinationArn === undefined ? {} : { destinationArn: request.DestinationArn }),
          ...(request.MaxNumberOfMessagesPerSecond === undefined
            ? {}
            : { maxNumberOfMessagesPerSecond: request.MaxNumberOfMessagesPerSecond }),
        })
        return { TaskHandle: task.taskHandle }
      } catch (error) {
        throw asMoveTaskError(error)
      }
    },

    ListMessageMoveTasks: (input) => {
      const { SourceArn, MaxResults = 1 } = decode(Sqs.ListMessageMoveTasksRequest, input)
      let tasks
      try {
        tasks = moveTasks.list(SourceArn, MaxResults)
      } catch (error) {
        throw asMoveTaskError(error)
      }
      return {
        Results: tasks.map((task) => ({
          ...(task.status === 'RUNNING' ? { TaskHandle: task.taskHandle } : {}),
          Status: task.status,
          SourceArn: task.sourceArn,
          ...(task.destinationArn === undefined ? {} : { DestinationArn: task.destinationArn }),
          ...(task.maxNumberOfMessagesPerSecond === undefined
            ? {}
            : { MaxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond }),
          ApproximateNumberOfMessagesMoved: task.moved,
          ApproximateNumberOfMessagesToMove: task.toMove,
          ...(task.failureReason === undefined ? {} : { FailureReason: task.failureReason }),
          StartedTimestamp: task.startedMs,
        })),
      }
    },

    ...Object.fromEntries(
      NotAnswered.map((name): [string, JsonOperation] => [
        name,
        () => {
          throw SqsErrors.unsupportedOperation(
            `${name} is not supported by the local runtime: its queues are the CDK app's, read from the synthesized template.`,
          )
        },
      ]),
    ),
  }

  const service = {
    version: '1.0' as const,
    targetPrefix: 'AmazonSQS',
    operations,
    // A 1 MiB message, escaped in JSON, fits; SendMessage itself refuses a message over the queue's limit.
    maxRequestBytes: 8 * 1024 * 1024,
  }
  return async (request, req, res) => {
    if (request.operation === undefined && isQueryProtocol(req)) return refuseQueryProtocol(req, res)
    await serveJson(service, request.operation, req, res)
  }
}

const asMoveTaskError = (error: unknown): unknown => {
  if (!(error instanceof MoveTaskRefused)) return error
  return error.code === 'ResourceNotFoundException'
    ? SqsErrors.resourceNotFound(error.message)
    : SqsErrors.invalidParameterValue(error.message)
}

// ---------------------------------------------------------------------------------------------------------------
// The legacy query protocol

const isQueryProtocol = (req: IncomingMessage): boolean =>
  (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded') ||
  new URLSearchParams((req.url ?? '').split('?')[1] ?? '').has('Action')

/**
 * A query-protocol request (`Action=SendMessage&...`, older SDKs and CLIs) is answered in that protocol's XML with an
 * error that says which protocol the endpoint speaks, so the caller knows to upgrade rather than debug.
 */
const refuseQueryProtocol = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const namespace = 'http://queue.amazonaws.com/doc/2012-11-05/'
  let action: string
  try {
    action = (await readQueryParams(req, 8 * 1024 * 1024)).Action ?? 'this action'
  } catch (error) {
    return sendQueryError(res, namespace, asAwsApiError(error))
  }
  sendQueryError(
    res,
    namespace,
    new AwsApiError(
      400,
      'AWS.SimpleQueueService.UnsupportedOperation',
      `The local runtime speaks SQS's AWS JSON 1.0 protocol only (X-Amz-Target: AmazonSQS.${action}, content-type application/x-amz-json-1.0), as current AWS SDKs and the AWS CLI v2 do; this request uses the legacy query protocol. Upgrade the SDK or CLI.`,
      { fault: 'Sender' },
    ),
  )
}
