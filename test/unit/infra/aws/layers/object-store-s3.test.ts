import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import { ObjectStoreS3 } from '../../../../../infra/aws/layers/object-store-s3'
import { ObjectStore } from '../../../../../steps/services/object-store'
import { runWith } from '../../../../support/run-with'
import { defectOf } from '../../../../support/exits'

const bucket = 'uploads-bucket'
const key = 'uploads/cat.jpg'
const client = new S3Client({ region: 'eu-west-1' })
const s3 = mockClient(client)

const run = runWith(ObjectStoreS3(client, bucket), ObjectStore)

// The SDK hands back a stream with helpers; the adapter only uses transformToByteArray.
const bodyOf = (bytes: Uint8Array) =>
  ({ transformToByteArray: async () => bytes }) as unknown as GetObjectCommandOutput['Body']

const serviceError = (name: string, httpStatusCode: number, fault: 'client' | 'server') =>
  new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode }, message: name })

beforeEach(() => s3.reset())

describe('ObjectStoreS3', () => {
  it('head sends HeadObject and unquotes the ETag', async () => {
    s3.on(HeadObjectCommand).resolves({
      ContentLength: 1234,
      ETag: '"d41d8cd98f00b204e9800998ecf8427e"',
      ContentType: 'image/jpeg',
    })

    const exit = await run((store) => store.head(key))

    expect(exit).toEqual(
      Exit.succeed({ size: 1234, etag: 'd41d8cd98f00b204e9800998ecf8427e', contentType: 'image/jpeg' }),
    )
    expect(s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: bucket, Key: key }])
  })

  it('get sends GetObject and reads the whole body', async () => {
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(new Uint8Array([0xff, 0xd8, 0xff])) })

    const exit = await run((store) => store.get(key))

    expect(exit).toEqual(Exit.succeed(new Uint8Array([0xff, 0xd8, 0xff])))
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: bucket, Key: key }])
  })

  it('put sends PutObject with the content type and returns the unquoted ETag', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"abc123"' })
    const body = new Uint8Array([1, 2, 3])

    const exit = await run((store) => store.put('thumbnails/cat-thumbnail.jpeg', body, 'image/jpeg'))

    expect(exit).toEqual(Exit.succeed({ etag: 'abc123' }))
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: bucket, Key: 'thumbnails/cat-thumbnail.jpeg', Body: body, ContentType: 'image/jpeg' },
    ])
  })

  it.each([
    ['SlowDown (503)', serviceError('SlowDown', 503, 'server'), 'SlowDown: SlowDown'],
    ['InternalError (500)', serviceError('InternalError', 500, 'server'), 'InternalError: InternalError'],
    [
      'a dropped connection',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'ECONNRESET: socket hang up',
    ],
    [
      'a request timeout',
      Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }),
      'TimeoutError: Connection timed out after 5000 ms',
    ],
  ])('get fails with TransientError on %s', async (_name, error, message) => {
    s3.on(GetObjectCommand).rejects(error)

    const exit = await run((store) => store.get(key))

    expect(exit).toEqual(Exit.fail(new TransientError({ operation: 'ObjectStore.get', message })))
  })

  it('classifies a connection dropped while reading the body like any other', async () => {
    const broken = {
      transformToByteArray: () => Promise.reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })),
    }
    s3.on(GetObjectCommand).resolves({ Body: broken as unknown as GetObjectCommandOutput['Body'] })

    const exit = await run((store) => store.get(key))

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'ObjectStore.get', message: 'ECONNRESET: aborted' })),
    )
  })

  it('put fails with TransientError when S3 throttles', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('SlowDown', 503, 'server'))

    const exit = await run((store) => store.put('thumbnails/a.webp', new Uint8Array([1]), 'image/webp'))

    expect(exit).toEqual(Exit.fail(new TransientError({ operation: 'ObjectStore.put', message: 'SlowDown: SlowDown' })))
  })

  it('dies on AccessDenied, since a retry cannot fix a permission', async () => {
    const denied = serviceError('AccessDenied', 403, 'client')
    s3.on(HeadObjectCommand).rejects(denied)

    const exit = await run((store) => store.head(key))

    expect(defectOf(exit)).toBe(denied)
  })
})
