import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AwsUnavailable } from '../client/errors'
import { DefaultMaxUploadBytes } from '../../console/routes'
import { mountConsole } from '../../console/server'

import { sendError } from '../../http/respond'
import { HttpError } from '../../http/errors'
import { Router } from '../../http/router'
import type { AwsConsoleData } from './console-data'
import { ObjectsRoute } from './images'

const objectsPattern = new RegExp(`^${ObjectsRoute.replace(/\//g, '\\/')}(.+)$`)

/**
 * The console over a deployed stack: the same page and JSON routes as the local runtime's (`mountConsole`), plus the
 * renditions read from the bucket for the image thumbnails. An AWS failure the console cannot act on (no credentials,
 * AWS unreachable, a 5xx) is a 502 saying so in AWS's words; anything else a 500 logged here, never a stack trace.
 */
export const createAwsConsoleServer = (
  data: AwsConsoleData,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Server => {
  const router = new Router()
  router.on('GET', objectsPattern, async ({ res, params }) => {
    try {
      const object = await data.imageStore.rendition(params[0] ?? '')
      res.writeHead(200, {
        'content-type': object.contentType,
        'content-length': object.body.byteLength,
        'cache-control': 'private, max-age=300',
      })
      res.end(object.body)
    } catch (error) {
      throw asServed(error)
    }
  })
  mountConsole(router, data, { maxUploadBytes: DefaultMaxUploadBytes })
  return createServer({ requestTimeout: 120_000, headersTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    router.handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError && error.source === undefined) return sendError(res, error)
      if (error instanceof AwsUnavailable) return sendError(res, new HttpError(502, 'AwsUnavailable', error.message))
      // A service's own failure (a 5xx) reaches the page as a bad gateway, in the service's words.
      if (error instanceof HttpError && error.source !== undefined)
        return sendError(
          res,
          new HttpError(502, error.code, `${error.source} answered ${error.status} ${error.code}: ${error.message}`),
        )
      log(`${req.method} ${req.url} failed: ${error instanceof Error ? error.message : String(error)}`)
      sendError(res, new HttpError(500, 'InternalError', 'The request failed inside the console; see its log'))
    })
  })
}

/** An S3 refusal of a rendition (NoSuchKey) as 404; the rest as the server answers it. */
const asServed = (error: unknown): unknown =>
  error instanceof HttpError && error.source !== undefined && (error.code === 'NoSuchKey' || error.status === 404)
    ? new HttpError(404, 'NotFound', `key: no such rendition (${error.message})`)
    : error

/** Listens on `host:port` (0: any free port) and answers the console's URL, and how to stop it. */
export const serveConsole = async (
  data: AwsConsoleData,
  options: { readonly host: string; readonly port: number; readonly log?: (line: string) => void },
): Promise<{ readonly url: string; close(): Promise<void> }> => {
  const server = createAwsConsoleServer(data, options.log)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}/console`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
