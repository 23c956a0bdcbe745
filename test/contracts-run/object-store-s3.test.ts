/**
 * ObjectStoreS3 over the S3 protocol: the ObjectStore contract against s3rver, a real S3Client (path style, dummy
 * credentials) sending real HTTP, so the ETag, the content type and the error names the SDK gives each 404 are the
 * SDK's own, not a mock's; then what only this adapter does. The request shapes are asserted in
 * test/unit/infra/aws/layers/object-store-s3.test.ts.
 */
import { S3Client } from '@aws-sdk/client-s3'
import { Exit, type Effect } from 'effect'
import { ObjectNotFound } from '../../contracts/images'
import { ObjectStoreS3 } from '../../infra/aws/layers/object-store-s3'
import { ObjectStore } from '../../steps/services/object-store'
import { objectStoreContract } from '../contracts/object-store'
import {
  clientSettings,
  s3SlowDown,
  startS3,
  unavailableEndpoint,
  type S3Emulator,
  type UnavailableEndpoint,
} from '../support/emulators'
import { defectOf, failureOf } from '../support/exits'
import { runWith } from '../support/run-with'

const buckets = Array.from({ length: 20 }, (_, index) => `uploads-bucket-${index}`)
let s3: S3Emulator
let unavailable: UnavailableEndpoint
let failingClient: S3Client
let made = 0

beforeAll(async () => {
  s3 = await startS3(buckets)
  unavailable = await unavailableEndpoint(s3SlowDown)
  failingClient = new S3Client({ ...clientSettings(unavailable.endpoint), forcePathStyle: true })
})
afterAll(async () => {
  failingClient.destroy()
  await unavailable.stop()
  await s3.stop()
})

// s3rver creates its buckets at start: each test takes the next empty one.
let bucket = ''
const freshBucket = () => {
  bucket = buckets[made++]!
  if (bucket === undefined) throw new Error('add buckets to object-store-s3.test.ts: every test needs an empty one')
  return bucket
}

objectStoreContract('S3 (s3rver)', () => ObjectStoreS3(s3.client, freshBucket()), {
  // The bucket of the layer made last, which is the one the test at hand uses.
  get bucket() {
    return bucket
  },
  backendFailure: { failing: () => ObjectStoreS3(failingClient, 'uploads-bucket') },
})

describe('ObjectStoreS3 on s3rver, beyond the contract', () => {
  const run = <A, E>(inBucket: string, use: (store: typeof ObjectStore.Service) => Effect.Effect<A, E>) =>
    runWith(ObjectStoreS3(s3.client, inBucket), ObjectStore)(use)
  const binary = new TextEncoder().encode('cat')

  it.each<[string, (store: typeof ObjectStore.Service) => Effect.Effect<unknown, unknown>]>([
    ['get', (store) => store.get('uploads/cat.jpg')],
    ['put', (store) => store.put('uploads/cat.jpg', binary, 'image/jpeg')],
  ])(
    'dies on %s in a bucket that does not exist (NoSuchBucket), neither a TransientError nor ObjectNotFound',
    async (_, call) => {
      const exit = await run('no-such-bucket', call)

      expect(failureOf(exit)).toBeUndefined()
      expect(defectOf(exit)).toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })
    },
  )

  // Reported, not fixed here: HeadObject answers a missing bucket with the same body-less 404 as a missing key, so the
  // SDK names both NotFound and the adapter (object-store-s3.ts, `head`, through classify.ts isObjectNotFound) answers
  // ObjectNotFound where a misconfigured bucket should be a defect. This pins what happens today, so that a fix
  // (telling the two apart with another request) shows up here.
  it('answers head in a bucket that does not exist as ObjectNotFound, since HeadObject cannot tell a bucket from a key', async () => {
    const exit = await run('no-such-bucket', (store) => store.head('uploads/cat.jpg'))

    expect(exit).toEqual(Exit.fail(new ObjectNotFound({ key: 'uploads/cat.jpg' })))
  })
})
