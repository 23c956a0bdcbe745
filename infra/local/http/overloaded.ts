import type { ServerResponse } from 'node:http'
import { AwsApiError } from '../api/errors'
import type { AwsService } from '../api/identify'
import { sendJsonError } from '../api/json-protocol'
import { sendError } from '../../http/respond'
import { HttpError } from '../../http/errors'
import { xmlDocument } from '../api/xml'

/**
 * The answer to a request refused for load, in the shape its caller reads: S3's `SlowDown` (503), the JSON APIs'
 * `ThrottlingException`, the project's routes a 503; each with Retry-After, which SDKs and HTTP clients honour.
 */
export const refuseOverloaded = (res: ServerResponse, retryAfterSeconds: number, service?: AwsService): void => {
  const retryAfter = { 'retry-after': String(retryAfterSeconds) }
  if (service === 's3') {
    const body = xmlDocument('Error', undefined, {
      Code: 'SlowDown',
      Message: 'Please reduce your request rate.',
    })
    res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...retryAfter })
    return void res.end(body)
  }
  if (service !== undefined) {
    res.setHeader('retry-after', retryAfter['retry-after'])
    return sendJsonError(res, '1.0', new AwsApiError(400, 'ThrottlingException', 'Rate exceeded'))
  }
  sendError(
    res,
    new HttpError(
      503,
      'ServiceUnavailable',
      `The pipeline is at capacity: retry after ${retryAfterSeconds} s (nothing of this request was done)`,
      { headers: retryAfter },
    ),
  )
}
