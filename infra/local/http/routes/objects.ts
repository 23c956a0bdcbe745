import type { IncomingMessage, ServerResponse } from 'node:http'
import { ImportsPrefix, UploadsPrefix } from '../../../../contracts/sources'
import { checkObjectKey } from '../../s3/object-store'
import { S3Refusal } from '../../s3/refusal'
import type { LocalRuntime } from '../../runtime'
import { sendError, sendJson } from '../../../http/respond'
import { HttpError } from '../../../http/errors'
import type { Router } from '../../../http/router'

/** Uploads and imports (PutObject, streamed) and objects (GetObject); image records are the search API's (`sources.ts`). */
export const objectRoutes = (router: Router, runtime: LocalRuntime, maxUploadBytes: number): Router => {
  /** PutObject from a request body, streamed to disk: the local S3 then emits `Object Created` as S3 does. */
  const putObject = async (req: IncomingMessage, res: ServerResponse, key: string) => {
    try {
      checkObjectKey(key)
    } catch (error) {
      throw new HttpError(400, 'InvalidObjectKey', `key: ${(error as Error).message}`)
    }
    const declared = Number(req.headers['content-length'])
    try {
      const object = await runtime.store.putStream(runtime.uploadBucket, key, req, {
        limit: maxUploadBytes,
        ...(Number.isFinite(declared) ? { declaredSize: declared } : {}),
        contentType: req.headers['content-type'] ?? 'application/octet-stream',
      })
      sendJson(
        res,
        200,
        { bucket: object.bucket, key: object.key, etag: object.etag, size: object.size },
        { etag: `"${object.etag}"` },
      )
    } catch (error) {
      if (error instanceof S3Refusal && error.code === 'EntityTooLarge') {
        // Stop reading a body we refuse, and tell the client the connection ends here.
        const message = error.fields.ProposedSize
          ? `The upload is ${error.fields.ProposedSize} bytes, over the limit of ${maxUploadBytes}`
          : `The upload is over the limit of ${maxUploadBytes} bytes`
        sendError(res, new HttpError(413, 'EntityTooLarge', message, { headers: { connection: 'close' } }))
        req.destroy()
        return
      }
      throw error
    }
  }

  return router
    .on('PUT', /^\/uploads\/(.+)$/, ({ req, res, params }) => putObject(req, res, `${UploadsPrefix}${params[0]}`))
    .on('PUT', /^\/imports\/(.+)$/, ({ req, res, params }) => putObject(req, res, `${ImportsPrefix}${params[0]}`))
    .on('GET', /^\/objects\/(.+)$/, ({ res, params }) => {
      checkObjectKey(params[0]!)
      const found = runtime.store.get(runtime.uploadBucket, params[0]!)
      if (!found) throw new HttpError(404, 'NoSuchKey', `No object ${params[0]}`)
      res.writeHead(200, {
        'content-type': found.object.contentType,
        'content-length': found.object.size,
        etag: `"${found.object.etag}"`,
      })
      res.end(found.body)
    })
}
