import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { LocalAccount } from '../../model/template'
import { AwsApiError } from '../errors'
import { escapeXml, xmlDocument, xmlElements, type XmlElements } from '../xml'

/** The namespace of S3's response documents. */
export const S3Namespace = 'http://s3.amazonaws.com/doc/2006-03-01/'

/** The ids S3 gives every answer: `x-amz-request-id` (16 characters) and `x-amz-id-2` (the host id, base64). */
export interface RequestIds {
  readonly requestId: string
  readonly hostId: string
}

export const newRequestIds = (): RequestIds => ({
  requestId: randomBytes(8).toString('hex').toUpperCase(),
  hostId: randomBytes(48).toString('base64'),
})

const idHeaders = (ids: RequestIds): OutgoingHttpHeaders => ({
  'x-amz-request-id': ids.requestId,
  'x-amz-id-2': ids.hostId,
  server: 'AmazonS3',
})

/** The owner S3 names in listings: the local account's canonical user id (64 hex digits). */
export const LocalOwner = {
  ID: createHash('sha256').update(LocalAccount).digest('hex'),
  DisplayName: 'local',
} as const

/** An answer without a body (PutObject, DeleteObject, HeadObject): the status and the headers. */
export const sendEmpty = (res: ServerResponse, ids: RequestIds, status: number, headers: OutgoingHttpHeaders = {}) => {
  res.writeHead(status, { ...idHeaders(ids), 'content-length': 0, ...headers })
  res.end()
}

/** An XML answer: `<root xmlns="…S3…">…</root>`, as S3 writes its results. */
export const sendXml = (
  res: ServerResponse,
  ids: RequestIds,
  root: string,
  elements: XmlElements,
  headers: OutgoingHttpHeaders = {},
  status = 200,
) => {
  const body = xmlDocument(root, S3Namespace, elements)
  res.writeHead(status, {
    ...idHeaders(ids),
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...headers,
  })
  res.end(body)
}

/** A document whose root holds only text (GetBucketLocation's `<LocationConstraint>`). */
export const sendXmlText = (res: ServerResponse, ids: RequestIds, root: string, text: string) => {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3Namespace}">${escapeXml(text)}</${root}>`
  res.writeHead(200, {
    ...idHeaders(ids),
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

/**
 * An error as S3 writes it (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses):
 * `<Error>` with Code, Message, the error's own elements (Key, BucketName, UploadId…), RequestId and HostId; a HEAD
 * answer has no body, so the SDKs read its status. A body still arriving is not read: the connection is closed after
 * the answer, as S3 does.
 */
export const sendS3Error = (req: IncomingMessage, res: ServerResponse, ids: RequestIds, error: AwsApiError) => {
  if (res.headersSent) return void res.destroy()
  const unread = !req.complete
  const closing: OutgoingHttpHeaders = unread ? { connection: 'close' } : {}
  if (req.method === 'HEAD') {
    res.writeHead(error.status, { ...idHeaders(ids), ...closing })
    res.end()
  } else {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${xmlElements({
      Code: error.code,
      Message: error.message,
      ...error.details.fields,
      RequestId: ids.requestId,
      HostId: ids.hostId,
    })}</Error>`
    res.writeHead(error.status, {
      ...idHeaders(ids),
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
      ...closing,
    })
    res.end(body)
  }
  if (unread) res.once('finish', () => req.destroy())
}

/** An S3 error with its extra elements. */
export const s3Error = (
  status: number,
  code: string,
  message: string,
  fields: Readonly<Record<string, string>> = {},
): AwsApiError => new AwsApiError(status, code, message, { fields })

export const noSuchBucket = (bucket: string) =>
  s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket })

export const invalidArgument = (message: string, name: string, value: string | undefined) =>
  s3Error(400, 'InvalidArgument', message, {
    ArgumentName: name,
    ...(value === undefined ? {} : { ArgumentValue: value }),
  })

export const malformedXml = () =>
  s3Error(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  )

export const notImplemented = (what: string) =>
  s3Error(501, 'NotImplemented', `${what} is not implemented by the local runtime`)

/** An `ETag` header or element: S3 quotes it. */
export const quoted = (etag: string) => `"${etag}"`

/** `Last-Modified` and other date headers: RFC 7231 (`Wed, 12 Oct 2009 17:50:00 GMT`), to the second. */
export const httpDate = (iso: string) => new Date(iso).toUTCString()

/** Timestamps in XML bodies: ISO 8601 with milliseconds (`2009-10-12T17:50:30.000Z`). */
export const xmlTimestamp = (iso: string) => new Date(iso).toISOString()

/**
 * `encoding-type=url`: keys and prefixes percent-encoded as UTF-8, a space as `+`, letters, digits, `-_.~` and `/`
 * left as they are (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html#AmazonS3-ListObjectsV2-request-querystring-EncodingType).
 */
export const urlEncode = (text: string): string =>
  encodeURIComponent(text)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)

/** Text for an XML element, encoded when the request asked for `encoding-type=url`. */
export const encodedWhen = (url: boolean) => (text: string | undefined) =>
  text === undefined ? undefined : url ? urlEncode(text) : text
