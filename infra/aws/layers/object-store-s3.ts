import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Effect, Layer } from 'effect'
import type { TransientError } from '../../../contracts/errors'
import { ObjectNotFound } from '../../../contracts/images'
import { ObjectStore, type ObjectHead } from '../../../steps/services/object-store'
import { failTransientOrDie, isObjectNotFound, tryAws } from './classify'

/** S3 quotes ETags (`"abc"`) while S3 event notifications do not; strip them so both compare equal. */
export const unquoteEtag = (etag: string): string => etag.replace(/^"(.*)"$/, '$1')

/** S3 always returns these fields; a response without one is a broken contract, not a retryable failure. */
const required = <A>(operation: string, field: string, value: A | undefined): A => {
  if (value === undefined) throw new Error(`S3 ${operation} response has no ${field}`)
  return value
}

// Reading the body inside the same promise means a connection dropped mid-stream is classified like any other.
const readBody = async (body: GetObjectCommandOutput['Body']): Promise<Uint8Array> =>
  required('GetObject', 'Body', body).transformToByteArray()

/** A missing key becomes `ObjectNotFound`, the rest goes through the shared classification. */
const orObjectNotFound =
  (operation: string, key: string) =>
  (error: unknown): Effect.Effect<never, ObjectNotFound | TransientError> =>
    isObjectNotFound(error) ? Effect.fail(new ObjectNotFound({ key })) : failTransientOrDie(operation)(error)

/**
 * The {@link ObjectStore} port over one S3 bucket:
 * `head` is HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html),
 * `get` is GetObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html) read fully into memory,
 * `put` is PutObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), which replaces the object,
 * so writing the same deterministic key twice is idempotent.
 * A missing key is `ObjectNotFound` (`NoSuchKey`, or `NotFound` from HeadObject); note that without
 * `s3:ListBucket` S3 answers 403 instead of 404, which surfaces as a defect.
 */
export const ObjectStoreS3 = (client: S3Client, bucket: string): Layer.Layer<ObjectStore> =>
  Layer.succeed(ObjectStore, {
    bucket,
    head: (key) =>
      tryAws((abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal })).pipe(
        Effect.map((out): ObjectHead => ({
          size: required('HeadObject', 'ContentLength', out.ContentLength),
          etag: unquoteEtag(required('HeadObject', 'ETag', out.ETag)),
          ...(out.ContentType === undefined ? {} : { contentType: out.ContentType }),
        })),
        Effect.catchAll(orObjectNotFound('ObjectStore.head', key)),
      ),
    get: (key) =>
      tryAws((abortSignal) =>
        client
          .send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal })
          .then((out) => readBody(out.Body)),
      ).pipe(Effect.catchAll(orObjectNotFound('ObjectStore.get', key))),
    put: (key, body, contentType) =>
      tryAws((abortSignal) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), {
          abortSignal,
        }),
      ).pipe(
        Effect.map((out) => ({ etag: unquoteEtag(required('PutObject', 'ETag', out.ETag)) })),
        Effect.catchAll(failTransientOrDie('ObjectStore.put')),
      ),
  })
