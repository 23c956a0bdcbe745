import type { IncomingMessage } from 'node:http'
import type { DatabaseSync } from 'node:sqlite'
import { LocalMultipartUploads } from '../../s3/multipart'
import type { LocalObjectStore } from '../../s3/object-store'
import type { AwsServiceHandler } from '../aws-api'
import type { S3Call, S3Operation } from './context'
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart'
import {
  copyObject,
  deleteObject,
  deleteObjects,
  getBucketLocation,
  getObject,
  headBucket,
  listBuckets,
  listObjects,
  listObjectsV2,
  putObject,
} from './objects'
import { MethodNotAllowed, parseS3Url, s3Operation, virtualHostBucket } from './operations'
import { asS3Error } from './refusals'
import { newRequestIds, notImplemented, s3Error, sendS3Error } from './wire'

/** The S3 operations the local endpoint answers; any other is S3's NotImplemented, naming it. */
export const S3Operations: Readonly<Record<string, S3Operation>> = {
  ListBuckets: listBuckets,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  ListObjectsV2: listObjectsV2,
  ListObjects: listObjects,
  GetObject: getObject,
  HeadObject: getObject,
  PutObject: putObject,
  CopyObject: copyObject,
  DeleteObject: deleteObject,
  DeleteObjects: deleteObjects,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
}

/** A body left unread by a refused request is read and dropped up to this much, so the client reads the answer. */
const DrainBytes = 16 * 1024 * 1024

/**
 * Reads and drops what is left of a small body (a refused PutObject's), so that a client still sending it reads S3's
 * answer rather than a reset connection; a larger one is not waited for, and the answer closes the connection.
 */
const drain = (req: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? req.headers['x-amz-decoded-content-length'])
    if (req.complete || req.readableEnded || req.destroyed || !(declared <= DrainBytes)) return resolve()
    req.unpipe()
    let size = 0
    const done = () => {
      req.off('data', count)
      resolve()
    }
    const count = (chunk: Buffer) => {
      size += chunk.length
      if (size > DrainBytes) done()
    }
    req.on('data', count)
    req.once('end', done)
    req.once('error', done)
    req.once('close', done)
    req.resume()
  })

/**
 * The S3 REST API, path-style (https://docs.aws.amazon.com/AmazonS3/latest/API/), over the local object store: the
 * operation is told from the method, the path and the query; every answer carries S3's request ids, and every failure
 * S3's XML error.
 */
export const s3Service = (
  db: DatabaseSync,
  store: LocalObjectStore,
  options: { readonly maxUploadBytes: number },
): AwsServiceHandler => {
  const uploads = new LocalMultipartUploads(db, store)
  const bucketsCreated = new Date().toISOString()
  return async (_request, req, res) => {
    const ids = newRequestIds()
    try {
      const target = parseS3Url(req.url ?? '/', virtualHostBucket(req.headers.host, store.bucketNames))
      const operation = s3Operation(req.method ?? 'GET', target, req.headers)
      const handler = S3Operations[operation]
      if (!handler) {
        if (operation === MethodNotAllowed)
          throw s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
            Method: req.method ?? '',
            ResourceType: target.key !== undefined ? 'OBJECT' : target.bucket !== undefined ? 'BUCKET' : 'SERVICE',
          })
        throw notImplemented(operation)
      }
      const call: S3Call = {
        req,
        res,
        ids,
        ...(target.bucket === undefined ? {} : { bucket: target.bucket }),
        ...(target.key === undefined ? {} : { key: target.key }),
        query: target.query,
        store,
        uploads,
        maxUploadBytes: options.maxUploadBytes,
        bucketsCreated,
      }
      await handler(call)
    } catch (error) {
      const answer = asS3Error(error)
      await drain(req)
      sendS3Error(req, res, ids, answer)
    }
  }
}
