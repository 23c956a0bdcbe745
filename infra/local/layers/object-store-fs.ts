import { Effect, Layer } from 'effect'
import { ObjectNotFound } from '../../../contracts/images'
import { ObjectStore } from '../../../steps/services/object-store'
import type { LocalObjectStore } from '../s3/object-store'
import { attempt } from './attempt'

export const ObjectStoreFs = (store: LocalObjectStore, bucket: string) =>
  Layer.succeed(ObjectStore, {
    bucket,
    head: (key) =>
      attempt('s3:HeadObject', () => store.head(bucket, key)).pipe(
        Effect.flatMap((object) =>
          object
            ? Effect.succeed({ size: object.size, etag: object.etag, contentType: object.contentType })
            : Effect.fail(new ObjectNotFound({ key })),
        ),
      ),
    get: (key) =>
      attempt('s3:GetObject', () => store.get(bucket, key)).pipe(
        Effect.flatMap((found) =>
          found
            ? Effect.succeed(new Uint8Array(found.body.buffer, found.body.byteOffset, found.body.byteLength))
            : Effect.fail(new ObjectNotFound({ key })),
        ),
      ),
    put: (key, body, contentType) =>
      attempt('s3:PutObject', () => ({ etag: store.put(bucket, key, body, contentType).etag })),
  })
