/**
 * ObjectStoreS3 over the S3 protocol, against s3rver: a real S3Client (path style, dummy credentials) sending real
 * HTTP, so the ETag, the content type, the error names the SDK gives each 404 and their classification are the
 * SDK's own, not a mock's.
 *
 * Suite scope (test/integration/aws-adapters): every DynamoDB and S3 adapter runs here against dynalite and s3rver.
 * EventPublisherEventBridge and QueueDepthsSqs have no emulator here and stay on aws-sdk-client-mock only
 * (test/unit/infra/aws/layers), as do UserTableDynamoDB's TransactWriteItems paths (see user-table-dynamodb.test.ts).
 */
import { Effect, Exit } from 'effect'
import { createHash } from 'node:crypto'
import { ObjectNotFound } from '../../../contracts/images'
import { ObjectStoreS3 } from '../../../infra/aws/layers/object-store-s3'
import { ObjectStore } from '../../../steps/services/object-store'
import { startS3, type S3Emulator } from '../../support/emulators'
import { defectOf, failureOf } from '../../unit/infra/aws/layers/exits'

const bucket = 'uploads-bucket'
let s3: S3Emulator

beforeAll(async () => {
  s3 = await startS3([bucket])
})
afterAll(() => s3.stop())

const run = <A, E>(use: (store: typeof ObjectStore.Service) => Effect.Effect<A, E>, inBucket = bucket) =>
  Effect.runPromiseExit(Effect.flatMap(ObjectStore, use).pipe(Effect.provide(ObjectStoreS3(s3.client, inBucket))))

/** One call of the port, whatever it answers: the cases of an `it.each` differ in that. */
type Call = (store: typeof ObjectStore.Service) => Effect.Effect<unknown, unknown>

const md5 = (body: Uint8Array) => createHash('md5').update(body).digest('hex')

// Every byte value, so a text decoding anywhere on the way would show.
const binary = Uint8Array.from({ length: 4096 }, (_, index) => (index * 7) % 256)

describe('ObjectStoreS3 against s3rver', () => {
  it('puts an object and reads it back: the ETag is the MD5 of the body, unquoted, and the content type is kept', async () => {
    const put = await run((store) => store.put('uploads/cat.jpg', binary, 'image/jpeg'))
    const head = await run((store) => store.head('uploads/cat.jpg'))
    const get = await run((store) => store.get('uploads/cat.jpg'))

    expect(put).toEqual(Exit.succeed({ etag: md5(binary) }))
    expect(head).toEqual(Exit.succeed({ size: binary.length, etag: md5(binary), contentType: 'image/jpeg' }))
    expect(Exit.isSuccess(get) && Buffer.from(get.value).equals(Buffer.from(binary))).toBe(true)
  })

  it('replaces the object on a second put of the same key, so head and get see the new body', async () => {
    const first = new TextEncoder().encode('first version')
    const second = new TextEncoder().encode('the second, longer version')

    await run((store) => store.put('renditions/cat-web.webp', first, 'image/webp'))
    const put = await run((store) => store.put('renditions/cat-web.webp', second, 'image/webp'))
    const head = await run((store) => store.head('renditions/cat-web.webp'))
    const get = await run((store) => store.get('renditions/cat-web.webp'))

    expect(put).toEqual(Exit.succeed({ etag: md5(second) }))
    expect(head).toEqual(Exit.succeed({ size: second.length, etag: md5(second), contentType: 'image/webp' }))
    expect(Exit.map(get, (bytes) => new TextDecoder().decode(bytes))).toEqual(
      Exit.succeed('the second, longer version'),
    )
  })

  it('round-trips an empty object, and a key with spaces, non-ASCII letters and characters URLs escape', async () => {
    const key = 'uploads/été 2026/photo (1)+#?.png'
    const empty = new Uint8Array(0)

    const put = await run((store) => store.put(key, empty, 'image/png'))
    const head = await run((store) => store.head(key))
    const get = await run((store) => store.get(key))

    expect(put).toEqual(Exit.succeed({ etag: md5(empty) }))
    expect(head).toEqual(Exit.succeed({ size: 0, etag: md5(empty), contentType: 'image/png' }))
    expect(Exit.map(get, (bytes) => bytes.length)).toEqual(Exit.succeed(0))
  })

  it.each<[string, Call]>([
    [
      'head (HeadObject: a 404 without a body, which the SDK names NotFound)',
      (store) => store.head('uploads/missing.jpg'),
    ],
    ['get (GetObject: NoSuchKey)', (store) => store.get('uploads/missing.jpg')],
  ])('answers ObjectNotFound for a missing key on %s', async (_, call) => {
    const exit = await run(call)

    expect(exit).toEqual(Exit.fail(new ObjectNotFound({ key: 'uploads/missing.jpg' })))
  })

  it.each<[string, Call]>([
    ['get', (store) => store.get('uploads/cat.jpg')],
    ['put', (store) => store.put('uploads/cat.jpg', binary, 'image/jpeg')],
  ])(
    'dies on %s in a bucket that does not exist (NoSuchBucket), neither a TransientError nor ObjectNotFound',
    async (_, call) => {
      const exit = await run(call, 'no-such-bucket')

      expect(failureOf(exit)).toBeUndefined()
      expect(defectOf(exit)).toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })
    },
  )

  // Reported, not fixed here: HeadObject answers a missing bucket with the same body-less 404 as a missing key, so the
  // SDK names both NotFound and the adapter (object-store-s3.ts, `head`, through classify.ts isObjectNotFound) answers
  // ObjectNotFound where a misconfigured bucket should be a defect. This pins what happens today, so that a fix
  // (telling the two apart with another request) shows up here.
  it('answers head in a bucket that does not exist as ObjectNotFound, since HeadObject cannot tell a bucket from a key', async () => {
    const exit = await run((store) => store.head('uploads/cat.jpg'), 'no-such-bucket')

    expect(exit).toEqual(Exit.fail(new ObjectNotFound({ key: 'uploads/cat.jpg' })))
  })
})
