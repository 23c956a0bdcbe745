import { createHash } from 'node:crypto'
import { Effect, Layer } from 'effect'
import type { TransientError } from '../../contracts/errors'
import { ObjectNotFound } from '../../contracts/images'
import { ObjectStore } from '../../steps/services/object-store'

/** One object as the in-memory store keeps it. */
export interface StoredObject {
  readonly body: Uint8Array
  readonly etag: string
  readonly contentType: string
}

/** A store operation, in call order, so a test can assert what was (not) downloaded. */
export interface StoreCall {
  readonly op: 'head' | 'get' | 'put'
  readonly key: string
}

export interface MemoryStoreOptions {
  /** The bucket name the store reports (default `test-bucket`). */
  readonly bucket?: string
  /** Make an operation fail, as S3 throttling or a timeout would. */
  readonly fail?: Partial<Record<StoreCall['op'], TransientError>>
}

export interface MemoryStore {
  /** Provides `ObjectStore` over the map below. */
  readonly layer: Layer.Layer<ObjectStore>
  /** Every object by key: the initial ones, then whatever the program put. */
  readonly objects: ReadonlyMap<string, StoredObject>
  /** Only the objects the program wrote, by key. */
  readonly written: ReadonlyMap<string, StoredObject>
  /** Every call, in order. */
  readonly calls: ReadonlyArray<StoreCall>
}

/** S3's etag for a single-part upload: the MD5 of the body, in hex, without quotes. */
export const etagOf = (body: Uint8Array): string => createHash('md5').update(body).digest('hex')

/**
 * An in-memory `ObjectStore` for unit tests, seeded with `objects` (key → bytes). Missing keys fail with
 * `ObjectNotFound` like S3's 404; `options.fail` injects a `TransientError` into one operation.
 */
export const memoryStore = (objects: Record<string, Uint8Array>, options: MemoryStoreOptions = {}): MemoryStore => {
  const stored = new Map<string, StoredObject>(
    Object.entries(objects).map(([key, body]) => [
      key,
      { body, etag: etagOf(body), contentType: 'application/octet-stream' },
    ]),
  )
  const written = new Map<string, StoredObject>()
  const calls: StoreCall[] = []

  const call = <A, E>(op: StoreCall['op'], key: string, result: () => Effect.Effect<A, E>) =>
    Effect.suspend((): Effect.Effect<A, E | TransientError> => {
      calls.push({ op, key })
      const fault = options.fail?.[op]
      return fault ? Effect.fail(fault) : result()
    })
  const existing = (key: string) => {
    const object = stored.get(key)
    return object ? Effect.succeed(object) : Effect.fail(new ObjectNotFound({ key }))
  }

  const layer = Layer.succeed(ObjectStore, {
    bucket: options.bucket ?? 'test-bucket',
    head: (key) =>
      call('head', key, () =>
        Effect.map(existing(key), ({ body, etag, contentType }) => ({ size: body.length, etag, contentType })),
      ),
    get: (key) => call('get', key, () => Effect.map(existing(key), ({ body }) => body)),
    put: (key, body, contentType) =>
      call('put', key, () => {
        const object = { body, etag: etagOf(body), contentType }
        stored.set(key, object)
        written.set(key, object)
        return Effect.succeed({ etag: object.etag })
      }),
  })
  return { layer, objects: stored, written, calls }
}
