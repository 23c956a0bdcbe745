import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AwsApiError } from './errors'
import { xmlDocument, type XmlElements } from './xml'

/** The largest query-protocol request the endpoint reads; a larger one is a 413. */
export const MaxQueryRequestBytes = 1024 * 1024

/**
 * The parameters of a query-protocol request (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html): the
 * form-encoded body of a POST, with those of the URL's query string (a GET carries them there).
 */
export const readQueryParams = async (
  req: IncomingMessage,
  limit = MaxQueryRequestBytes,
): Promise<Readonly<Record<string, string>>> => {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit)
      throw new AwsApiError(413, 'RequestEntityTooLarge', `Request body is over ${limit} bytes`, { fault: 'Sender' })
    chunks.push(chunk as Buffer)
  }
  const fromUrl = new URLSearchParams((req.url ?? '').split('?')[1] ?? '')
  const fromBody = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
  return Object.fromEntries([...fromUrl, ...fromBody])
}

const headers = (body: string, requestId: string) => ({
  'content-type': 'text/xml',
  'content-length': Buffer.byteLength(body),
  'x-amzn-requestid': requestId,
})

/** `<ActionResponse xmlns><ActionResult>…</ActionResult><ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>`. */
export const sendQueryResult = (res: ServerResponse, action: string, namespace: string, result: XmlElements): void => {
  const requestId = randomUUID()
  const body = xmlDocument(`${action}Response`, namespace, {
    [`${action}Result`]: result,
    ResponseMetadata: { RequestId: requestId },
  })
  res.writeHead(200, headers(body, requestId))
  res.end(body)
}

/** `<ErrorResponse xmlns><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export const sendQueryError = (res: ServerResponse, namespace: string, error: AwsApiError): void => {
  if (res.headersSent) return void res.destroy()
  const requestId = randomUUID()
  const body = xmlDocument('ErrorResponse', namespace, {
    Error: {
      Type: error.details.fault ?? (error.status >= 500 ? 'Receiver' : 'Sender'),
      Code: error.code,
      Message: error.message,
    },
    RequestId: requestId,
  })
  res.writeHead(error.status, headers(body, requestId))
  res.end(body)
}
