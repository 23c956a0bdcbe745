import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { ObjectNotFound } from '../../contracts/images'

export interface ObjectHead {
  readonly size: number
  readonly etag: string
  readonly contentType?: string
}

/** An S3-like bucket: S3 itself on AWS, a directory under the data folder locally. */
export class ObjectStore extends Context.Tag('ObjectStore')<
  ObjectStore,
  {
    readonly bucket: string
    readonly head: (key: string) => Effect.Effect<ObjectHead, ObjectNotFound | TransientError>
    readonly get: (key: string) => Effect.Effect<Uint8Array, ObjectNotFound | TransientError>
    readonly put: (
      key: string,
      body: Uint8Array,
      contentType: string,
    ) => Effect.Effect<{ readonly etag: string }, TransientError>
  }
>() {}
