import { createHash } from 'node:crypto'
import { Effect, Exit } from 'effect'
import type { TransientError } from '../../contracts/errors'
import { ObjectNotFound } from '../../contracts/images'
import { ObjectStore } from '../../steps/services/object-store'
import { runWith, type RunWithService } from '../support/run-with'
import { failingLayer, transientFailure, type ContractOptions, type MakeLayer } from './kit'

type Store = typeof ObjectStore.Service

/** S3's ETag of a single-part upload: the MD5 of the body, in hex (unquoted by the port). */
const md5 = (body: Uint8Array) => createHash('md5').update(body).digest('hex')

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

// Every byte value, so a text decoding anywhere on the way would show.
const binary = Uint8Array.from({ length: 4096 }, (_, index) => (index * 7) % 256)

/** Whatever the store answers to `head` and `get` of a key, with the bytes in hex so any Uint8Array compares. */
const readBack = (key: string) =>
  Effect.flatMap(ObjectStore, (store) => Effect.all({ head: store.head(key), body: Effect.map(store.get(key), hex) }))

export interface ObjectStoreContractOptions extends ContractOptions<ObjectStore> {
  /** The bucket the implementation was made for, which `bucket` must name. */
  readonly bucket: string
}

/**
 * What every {@link ObjectStore} promises (steps/services/object-store.ts), as S3 behaves:
 * - `put` stores the bytes whole and answers the ETag, the MD5 of the body for a single-part upload, unquoted
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html, ETag); a second put of the key replaces the
 *   object (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html);
 * - `head` answers the size, that ETag and the content type given to `put`
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html), `get` the bytes
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html);
 * - a missing key is `ObjectNotFound` on both (S3's 404: NoSuchKey, or NotFound for HeadObject, which has no body);
 * - a failing backend is a TransientError, never ObjectNotFound (which would reject the image for good).
 */
export const objectStoreContract = (name: string, layer: MakeLayer<ObjectStore>, options: ObjectStoreContractOptions) =>
  describe(`ObjectStore: ${name}`, () => {
    let run: RunWithService<Store, ObjectStore, never>
    beforeEach(async () => {
      run = runWith(await layer(), ObjectStore)
    })

    it('names its bucket', async () => {
      expect(await run((store) => Effect.succeed(store.bucket))).toEqual(Exit.succeed(options.bucket))
    })

    describe('put, head and get', () => {
      it('stores the bytes whole: the ETag is the MD5 of the body, unquoted, and the content type is kept', async () => {
        const put = await run((store) => store.put('uploads/cat.jpg', binary, 'image/jpeg'))

        expect(put).toEqual(Exit.succeed({ etag: md5(binary) }))
        expect(await run(readBack('uploads/cat.jpg'))).toEqual(
          Exit.succeed({
            head: { size: binary.length, etag: md5(binary), contentType: 'image/jpeg' },
            body: hex(binary),
          }),
        )
      })

      it('replaces the object on a second put of the same key', async () => {
        const first = new TextEncoder().encode('first version')
        const second = new TextEncoder().encode('the second, longer version')

        await run((store) => store.put('thumbnails/web/cat.jpg.webp', first, 'image/webp'))
        const put = await run((store) => store.put('thumbnails/web/cat.jpg.webp', second, 'image/png'))

        expect(put).toEqual(Exit.succeed({ etag: md5(second) }))
        expect(await run(readBack('thumbnails/web/cat.jpg.webp'))).toEqual(
          Exit.succeed({
            head: { size: second.length, etag: md5(second), contentType: 'image/png' },
            body: hex(second),
          }),
        )
      })

      it('round-trips an empty object under a key with spaces, non-ASCII letters and characters URLs escape', async () => {
        const key = 'uploads/été 2026/photo (1)+#?.png'
        const empty = new Uint8Array(0)

        expect(await run((store) => store.put(key, empty, 'image/png'))).toEqual(Exit.succeed({ etag: md5(empty) }))
        expect(await run(readBack(key))).toEqual(
          Exit.succeed({ head: { size: 0, etag: md5(empty), contentType: 'image/png' }, body: '' }),
        )
      })

      it('keeps keys apart', async () => {
        const cat = new TextEncoder().encode('cat')
        const dog = new TextEncoder().encode('dog')

        await run((store) => store.put('uploads/cat.jpg', cat, 'image/jpeg'))
        await run((store) => store.put('uploads/cat.jpg.bak', dog, 'image/jpeg'))

        expect(await run((store) => Effect.map(store.get('uploads/cat.jpg'), hex))).toEqual(Exit.succeed(hex(cat)))
      })
    })

    describe('not found', () => {
      it.each<[string, (store: Store) => Effect.Effect<unknown, ObjectNotFound | TransientError>]>([
        ['head', (store) => store.head('uploads/missing.jpg')],
        ['get', (store) => store.get('uploads/missing.jpg')],
      ])('answers ObjectNotFound to %s of a missing key', async (_, call) => {
        expect(await run(call)).toEqual(Exit.fail(new ObjectNotFound({ key: 'uploads/missing.jpg' })))
      })

      it('answers ObjectNotFound for a key that only prefixes a stored one', async () => {
        await run((store) => store.put('uploads/cat.jpg.bak', binary, 'image/jpeg'))

        expect(await run((store) => store.head('uploads/cat.jpg'))).toEqual(
          Exit.fail(new ObjectNotFound({ key: 'uploads/cat.jpg' })),
        )
      })
    })

    const failing = failingLayer(options.backendFailure)
    if (failing !== undefined)
      describe('transient failures', () => {
        it.each<[string, (store: Store) => Effect.Effect<unknown, ObjectNotFound | TransientError>]>([
          ['head', (store) => store.head('uploads/cat.jpg')],
          ['get', (store) => store.get('uploads/cat.jpg')],
          ['put', (store) => store.put('uploads/cat.jpg', binary, 'image/jpeg')],
        ])('fails %s with a TransientError when the backend fails', async (_, call) => {
          expect(await runWith(await failing(), ObjectStore)(call)).toEqual(transientFailure)
        })
      })
  })
