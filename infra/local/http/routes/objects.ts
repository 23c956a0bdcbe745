import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ImportsPrefix, UploadsPrefix } from '../../../../contracts/sources'
import { checkObjectKey } from '../../s3/object-store'
import type { LocalRuntime } from '../../runtime'
import { sendError, sendJson } from '../../../http/respond'
import { HttpError } from '../../../http/errors'
import type { Router } from '../../../http/router'

/** Streams a request body into a staged object file, counting and hashing it, and stops at the limit. */
const receiveUpload = async (req: IncomingMessage, staged: string, limit: number) => {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit)
    throw new HttpError(413, 'EntityTooLarge', `The upload is ${declared} bytes, over the limit of ${limit}`)
  const md5 = createHash('md5')
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > limit)
        return callback(new HttpError(413, 'EntityTooLarge', `The upload is over the limit of ${limit} bytes`))
      md5.update(chunk)
      callback(null, chunk)
    },
  })
  await pipeline(req, meter, createWriteStream(staged))
  return { size, etag: md5.digest('hex') }
}

/** Uploads and imports (PutObject, streamed) and objects (GetObject); image records are the search API's (`sources.ts`). */
export const objectRoutes = (router: Router, runtime: LocalRuntime, maxUploadBytes: number): Router => {
  /** PutObject from a request body, streamed to disk: the local S3 then emits `Object Created` as S3 does. */
  const putObject = async (req: IncomingMessage, res: ServerResponse, key: string) => {
    try {
      checkObjectKey(key)
    } catch (error) {
      throw new HttpError(400, 'InvalidObjectKey', `key: ${(error as Error).message}`)
    }
    const staged = runtime.store.stage(runtime.uploadBucket)
    try {
      const { size, etag } = await receiveUpload(req, staged, maxUploadBytes)
      const contentType = req.headers['content-type'] ?? 'application/octet-stream'
      const object = runtime.store.commit(runtime.uploadBucket, key, staged, size, etag, contentType)
      sendJson(
        res,
        200,
        { bucket: object.bucket, key: object.key, etag: object.etag, size: object.size },
        { etag: `"${object.etag}"` },
      )
    } catch (error) {
      runtime.store.discard(staged)
      if (error instanceof HttpError && error.status === 413) {
        // Stop reading a body we refuse, and tell the client the connection ends here.
        sendError(res, new HttpError(413, error.code, error.message, { headers: { connection: 'close' } }))
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
