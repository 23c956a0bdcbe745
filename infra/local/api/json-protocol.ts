import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AwsApiError } from './errors'

/** The AWS JSON protocols (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html): 1.0 or 1.1. */
export type JsonVersion = '1.0' | '1.1'

/** The largest request body an API takes: 256 KB payloads plus their envelope (PutEvents, SendMessageBatch). */
export const MaxJsonRequestBytes = 1024 * 1024

/** The HTTP exchange an operation runs in: for what the input does not say (the Host a URL is built on, a closed connection). */
export interface JsonCall {
  readonly req: IncomingMessage
  readonly res: ServerResponse
}

/** One operation of a JSON-protocol service: its decoded input in, its output out, or an AwsApiError. */
export type JsonOperation = (input: Record<string, unknown>, call: JsonCall) => Promise<unknown> | unknown

/** A JSON-protocol service: its operations by name, and how its errors reach the wire. */
export interface JsonService {
  readonly version: JsonVersion
  /** The name its unknown-operation error gives (`AWSStepFunctions`). */
  readonly targetPrefix: string
  readonly operations: Readonly<Record<string, JsonOperation>>
  /** The largest request body it reads (default MaxJsonRequestBytes); larger is a 413. */
  readonly maxRequestBytes?: number
}

/** Reads the body as a JSON object: an empty body is `{}`; anything else that is not an object is a SerializationException. */
export const readJsonInput = async (
  req: IncomingMessage,
  limit = MaxJsonRequestBytes,
): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new AwsApiError(413, 'RequestEntityTooLarge', `Request body is over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new AwsApiError(400, 'SerializationException', 'Start of structure or map found where not expected.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new AwsApiError(400, 'SerializationException', 'Start of structure or map found where not expected.')
  return parsed as Record<string, unknown>
}

const contentType = (version: JsonVersion) => `application/x-amz-json-${version}`

/** A successful answer: 200 with the output as JSON and a request id. */
export const sendJsonOutput = (res: ServerResponse, version: JsonVersion, output: unknown): void => {
  // The caller hung up while the operation ran (a long poll): nobody is there to answer.
  if (res.destroyed) return
  const body = JSON.stringify(output ?? {})
  res.writeHead(200, {
    'content-type': contentType(version),
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  })
  res.end(body)
}

/** An error answer: its status, `{__type, message}`, and the headers SDKs read the code from. */
export const sendJsonError = (res: ServerResponse, version: JsonVersion, error: AwsApiError): void => {
  if (res.headersSent) return void res.destroy()
  const body = JSON.stringify({ __type: error.code, message: error.message })
  res.writeHead(error.status, {
    'content-type': contentType(version),
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': error.code,
    ...(error.details.queryError ? { 'x-amzn-query-error': error.details.queryError } : {}),
  })
  res.end(body)
}

/** Runs one request of a JSON-protocol service: decode, dispatch on the operation, encode. */
export const serveJson = async (
  service: JsonService,
  operation: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> => {
  try {
    if (req.method !== 'POST') throw new AwsApiError(405, 'MethodNotAllowed', `${req.method} is not supported: POST`)
    const handler = operation === undefined ? undefined : service.operations[operation]
    if (!handler)
      throw new AwsApiError(
        400,
        'UnknownOperationException',
        `${service.targetPrefix}.${operation ?? ''} is not an operation the local runtime answers`,
      )
    const input = await readJsonInput(req, service.maxRequestBytes)
    sendJsonOutput(res, service.version, await handler(input, { req, res }))
  } catch (error) {
    sendJsonError(res, service.version, asAwsApiError(error))
  }
}

/** What is not already an AwsApiError is the server's own failure: logged, answered without a stack trace. */
export const asAwsApiError = (error: unknown): AwsApiError => {
  if (error instanceof AwsApiError) return error
  console.error('AWS API request failed:', error)
  return new AwsApiError(500, 'InternalFailure', 'The request failed inside the local runtime; see its log', {
    fault: 'Receiver',
  })
}
