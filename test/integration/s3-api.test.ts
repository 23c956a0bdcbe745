/**
 * The S3 API on the local endpoint, end to end: the real runtime and HTTP server, the real SDK v3 client configured
 * only by endpoint, path style, a region and dummy credentials. Each test names the S3 API reference page it checks.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketAclCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn'
import sharp from 'sharp'
import { getJson, settle, startPipeline, type RunningPipeline } from '../support/pipeline'

const Bucket = 'uploads'
const MiB = 1024 * 1024

let pipeline: RunningPipeline
let s3: S3Client

const clientFor = (url: string) =>
  new S3Client({
    endpoint: url,
    forcePathStyle: true,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })

beforeAll(async () => {
  pipeline = await startPipeline()
  s3 = clientFor(pipeline.url)
})
afterAll(async () => {
  s3.destroy()
  await pipeline.close()
})

const md5 = (body: Uint8Array) => createHash('md5').update(body).digest()
const text = async (body: { transformToString: () => Promise<string> } | undefined) => body!.transformToString()

/** The S3 error an SDK call ends with: its code, HTTP status and message. */
const failureOf = async (call: Promise<unknown>) => {
  try {
    await call
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error
    return { code: error.name, status: error.$metadata.httpStatusCode, message: error.message }
  }
  throw new Error('the call succeeded')
}

/** A request as an SDK sends it (any SigV4 signature names the service), for bodies no SDK would send. */
const signedFetch = (pathAndQuery: string, init: RequestInit = {}) =>
  fetch(`${pipeline.url}${pathAndQuery}`, {
    ...init,
    headers: {
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      ...(init.headers as Record<string, string> | undefined),
    },
  })

/** A request sent exactly as written (a WHATWG URL, as fetch uses, would resolve dots and set the host). */
const rawRequest = (method: string, requestPath: string, headers: Record<string, string>, body = '') =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(
      pipeline.url,
      {
        method,
        path: requestPath,
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        let text = ''
        response.on('data', (chunk: Buffer) => (text += chunk.toString()))
        response.on('end', () => resolve({ status: response.statusCode!, body: text }))
      },
    )
    request.on('error', reject)
    request.end(body)
  })

const partsFolder = (uploadId: string) => path.join(pipeline.dataDir, 'objects', Bucket, '.multipart', uploadId)

describe('buckets', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
  it("lists the template's buckets, owned by the local account", async () => {
    const listed = await s3.send(new ListBucketsCommand({}))

    expect(listed.Buckets?.map((bucket) => bucket.Name)).toEqual(['accesslogs', 'uploads'])
    expect(listed.Owner?.ID).toMatch(/^[0-9a-f]{64}$/)
    expect(listed.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/)
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
  it("answers HeadBucket with the bucket's region and GetBucketLocation with us-east-1's empty constraint", async () => {
    const head = await s3.send(new HeadBucketCommand({ Bucket }))
    const location = await s3.send(new GetBucketLocationCommand({ Bucket }))

    expect(head.BucketRegion).toBe('us-east-1')
    expect(location.LocationConstraint).toBeUndefined()
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    })
  })
})

describe('objects', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
  it('puts an object and gets it back with its quoted MD5 ETag, content type, metadata and Last-Modified', async () => {
    // Prepare
    const body = 'the quick brown fox'

    // Act
    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'notes/fox 1+1.txt',
        Body: body,
        ContentType: 'text/plain',
        ContentDisposition: 'attachment',
        Metadata: { author: 'ada' },
      }),
    )
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'notes/fox 1+1.txt' }))
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'notes/fox 1+1.txt' }))

    // Assess
    const etag = `"${md5(Buffer.from(body)).toString('hex')}"`
    expect(put.ETag).toBe(etag)
    expect(put.ServerSideEncryption).toBe('AES256')
    expect(await text(got.Body)).toBe(body)
    expect(got).toMatchObject({
      ETag: etag,
      ContentType: 'text/plain',
      ContentLength: body.length,
      ContentDisposition: 'attachment',
      AcceptRanges: 'bytes',
      Metadata: { author: 'ada' },
    })
    expect(got.LastModified).toBeInstanceOf(Date)
    expect(Math.abs(got.LastModified!.getTime() - Date.now())).toBeLessThan(60_000)
    expect(head).toMatchObject({ ETag: etag, ContentLength: body.length, Metadata: { author: 'ada' } })
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (a streamed body: aws-chunked, CRC32 in a trailer)
  it('takes a streamed body, which the SDK sends aws-chunked with its checksum in a trailer', async () => {
    const chunks = [Buffer.alloc(70_000, 1), Buffer.alloc(30_000, 2)]

    const put = await s3.send(
      new PutObjectCommand({ Bucket, Key: 'notes/streamed.bin', Body: Readable.from(chunks), ContentLength: 100_000 }),
    )

    expect(put.ETag).toBe(`"${md5(Buffer.concat(chunks)).toString('hex')}"`)
    expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/)
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'notes/streamed.bin' }))
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(Buffer.concat(chunks))
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Range; https://www.rfc-editor.org/rfc/rfc9110#name-range-requests)
  it.each([
    ['the first bytes', 'bytes=0-3', 'abcd', 'bytes 0-3/26'],
    ['a middle range', 'bytes=10-12', 'klm', 'bytes 10-12/26'],
    ['from an offset to the end', 'bytes=20-', 'uvwxyz', 'bytes 20-25/26'],
    ['the last bytes (a suffix)', 'bytes=-3', 'xyz', 'bytes 23-25/26'],
    ['a range past the end, cut to the end', 'bytes=24-99', 'yz', 'bytes 24-25/26'],
  ])('answers %s with 206 and Content-Range', async (_name, range, expected, contentRange) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'ranges/alphabet.txt', Body: 'abcdefghijklmnopqrstuvwxyz' }))

    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'ranges/alphabet.txt', Range: range }))

    expect(got.$metadata.httpStatusCode).toBe(206)
    expect(got.ContentRange).toBe(contentRange)
    expect(got.ContentLength).toBe(expected.length)
    expect(await text(got.Body)).toBe(expected)
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (If-None-Match, If-Match)
  it('answers 304 when If-None-Match holds the ETag, and 412 PreconditionFailed when If-Match does not', async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'conditions/a.txt', Body: 'a' }))

    await expect(
      s3.send(new GetObjectCommand({ Bucket, Key: 'conditions/a.txt', IfNoneMatch: ETag })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } })
    expect(await failureOf(s3.send(new GetObjectCommand({ Bucket, Key: 'conditions/a.txt', IfMatch: '"0"' })))).toEqual(
      {
        code: 'PreconditionFailed',
        status: 412,
        message: 'At least one of the pre-conditions you specified did not hold',
      },
    )
    const matched = await s3.send(new GetObjectCommand({ Bucket, Key: 'conditions/a.txt', IfMatch: ETag }))
    expect(await text(matched.Body)).toBe('a')
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (If-None-Match: * for a conditional write)
  it('refuses a conditional write (If-None-Match: *) over an existing key with 412, keeping the first', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'conditions/once.txt', Body: 'first', IfNoneMatch: '*' }))

    const second = await failureOf(
      s3.send(new PutObjectCommand({ Bucket, Key: 'conditions/once.txt', Body: 'second', IfNoneMatch: '*' })),
    )

    expect(second).toMatchObject({ code: 'PreconditionFailed', status: 412 })
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'conditions/once.txt' }))
    expect(await text(got.Body)).toBe('first')
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
  it('reads the bucket from the host of a virtual-hosted-style request, and the whole path as the key', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'uploads/virtual/host.txt', Body: 'by host' }))

    const answer = await rawRequest('GET', '/uploads/virtual/host.txt', {
      host: `uploads.localhost:${new URL(pipeline.url).port}`,
    })

    expect(answer).toEqual({ status: 200, body: 'by host' })
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
  it("copies an object with its metadata (COPY), or with the request's (REPLACE)", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'copies/source.txt',
        Body: 'copy me',
        ContentType: 'text/plain',
        Metadata: { a: '1' },
      }),
    )

    const copied = await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'copies/kept.txt', CopySource: `${Bucket}/copies/source.txt` }),
    )
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'copies/replaced.txt',
        CopySource: `${Bucket}/copies/source.txt`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/markdown',
        Metadata: { b: '2' },
      }),
    )

    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5(Buffer.from('copy me')).toString('hex')}"`)
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date)
    const kept = await s3.send(new HeadObjectCommand({ Bucket, Key: 'copies/kept.txt' }))
    const replaced = await s3.send(new GetObjectCommand({ Bucket, Key: 'copies/replaced.txt' }))
    expect(kept).toMatchObject({ ContentType: 'text/plain', Metadata: { a: '1' } })
    expect(replaced).toMatchObject({ ContentType: 'text/markdown', Metadata: { b: '2' } })
    expect(await text(replaced.Body)).toBe('copy me')
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (copying an object onto itself)
  it('refuses to copy an object onto itself without changing it', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'copies/self.txt', Body: 'me' }))

    const failure = await failureOf(
      s3.send(new CopyObjectCommand({ Bucket, Key: 'copies/self.txt', CopySource: `${Bucket}/copies/self.txt` })),
    )

    expect(failure).toMatchObject({ code: 'InvalidRequest', status: 400 })
    expect(failure.message).toMatch(/copy an object to itself/)
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
  it('deletes objects one by one (204 even for a missing key) and in a batch, emitting Object Deleted', async () => {
    for (const key of ['deletes/a', 'deletes/b', 'deletes/c'])
      await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: key }))

    const one = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'deletes/a' }))
    const missing = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'deletes/never-there' }))
    const batch = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'deletes/b' }, { Key: 'deletes/c' }] } }),
    )

    expect(one.$metadata.httpStatusCode).toBe(204)
    expect(missing.$metadata.httpStatusCode).toBe(204)
    expect(batch.Deleted?.map((deleted) => deleted.Key)).toEqual(['deletes/b', 'deletes/c'])
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'deletes/' }))
    expect(listed.KeyCount).toBe(0)
    const deletedEvents = pipeline.events.filter(
      ({ bus, event }) =>
        bus === 'default' &&
        event['detail-type'] === 'Object Deleted' &&
        (event.detail as { object: { key: string } }).object.key.startsWith('deletes/'),
    )
    expect(deletedEvents.map(({ event }) => (event.detail as { reason: string }).reason)).toEqual([
      'DeleteObject',
      'DeleteObject',
      'DeleteObject',
    ])
  })
})

describe('ListObjectsV2', () => {
  const keys = [
    'listing/a.txt',
    'listing/b/1.txt',
    'listing/b/2.txt',
    'listing/c/1.txt',
    'listing/d.txt',
    'listing/e/f/g.txt',
  ]
  beforeAll(async () => {
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: key }))
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (delimiter, max-keys, continuation-token)
  it('pages keys and common prefixes with a delimiter, two to a page, by continuation token', async () => {
    // Act
    const pages: Array<{ keys: string[]; prefixes: string[]; truncated: boolean | undefined; count?: number }> = []
    let token: string | undefined
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket, Prefix: 'listing/', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }),
      )
      pages.push({
        keys: (page.Contents ?? []).map((object) => object.Key!),
        prefixes: (page.CommonPrefixes ?? []).map((common) => common.Prefix!),
        truncated: page.IsTruncated,
        ...(page.KeyCount === undefined ? {} : { count: page.KeyCount }),
      })
      token = page.NextContinuationToken
    } while (token)

    // Assess
    expect(pages).toEqual([
      { keys: ['listing/a.txt'], prefixes: ['listing/b/'], truncated: true, count: 2 },
      { keys: ['listing/d.txt'], prefixes: ['listing/c/'], truncated: true, count: 2 },
      { keys: [], prefixes: ['listing/e/'], truncated: false, count: 1 },
    ])
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (start-after)
  it('starts after a given key, and lists every key with its size, ETag and storage class', async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'listing/', StartAfter: 'listing/b/2.txt' }))

    expect(page.StartAfter).toBe('listing/b/2.txt')
    expect(page.Contents?.map((object) => object.Key)).toEqual([
      'listing/c/1.txt',
      'listing/d.txt',
      'listing/e/f/g.txt',
    ])
    expect(page.Contents?.[0]).toMatchObject({
      Size: 'listing/c/1.txt'.length,
      ETag: `"${md5(Buffer.from('listing/c/1.txt')).toString('hex')}"`,
      StorageClass: 'STANDARD',
    })
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (encoding-type)
  it('URL-encodes keys and prefixes with encoding-type=url', async () => {
    const key = 'listing-encoded/a b&c+d é.txt'
    await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'x' }))

    const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'listing-encoded/', EncodingType: 'url' }))

    expect(page.EncodingType).toBe('url')
    expect(page.Contents?.map((object) => object.Key)).toEqual(['listing-encoded/a+b%26c%2Bd+%C3%A9.txt'])
    expect(decodeURIComponent(page.Contents![0]!.Key!.replace(/\+/g, ' '))).toBe(key)
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (continuation-token, max-keys)
  it.each([
    ['a continuation token it never gave', { ContinuationToken: 'bm90IGEgdG9rZW4=' }, 'InvalidArgument'],
    ['max-keys that is not a number', { MaxKeys: -1 }, 'InvalidArgument'],
  ])('refuses %s', async (_name, input, code) => {
    expect(await failureOf(s3.send(new ListObjectsV2Command({ Bucket, ...input })))).toMatchObject({
      code,
      status: 400,
    })
  })
})

describe('multipart upload', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html (multipart ETag)
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
  it('uploads a 12 MB JPEG in parts under uploads/, with the multipart ETag, and the image workflow processes it, its history read back through GetExecutionHistory', async () => {
    // Prepare: a real JPEG of noise, over 12 MB, so the SDK sends three parts (5 MiB, 5 MiB and the rest).
    const photo = await sharp({
      create: {
        width: 2200,
        height: 2100,
        channels: 3,
        background: { r: 128, g: 128, b: 128 },
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer()
    expect(photo.length).toBeGreaterThan(12 * MiB)
    const parts = [photo.subarray(0, 5 * MiB), photo.subarray(5 * MiB, 10 * MiB), photo.subarray(10 * MiB)]
    const expectedEtag = `"${createHash('md5')
      .update(Buffer.concat(parts.map(md5)))
      .digest('hex')}-3"`

    // Act
    const done = await new Upload({
      client: s3,
      params: { Bucket, Key: 'uploads/big/noise.jpg', Body: photo, ContentType: 'image/jpeg' },
      partSize: 5 * MiB,
    }).done()
    await settle(pipeline)

    // Assess
    expect(done.ETag).toBe(expectedEtag)
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'uploads/big/noise.jpg' }))
    expect(head).toMatchObject({ ETag: expectedEtag, ContentLength: photo.length, ContentType: 'image/jpeg' })
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'uploads/big/noise.jpg', PartNumber: 2 }))
    expect(got).toMatchObject({ $metadata: { httpStatusCode: 206 }, PartsCount: 3, ContentLength: 5 * MiB })
    await got.Body!.transformToByteArray()
    const record = (
      await getJson<{ status: string; etag: string; width: number }>(`${pipeline.url}/images/big/noise.jpg`)
    ).body
    expect(record).toMatchObject({ status: 'PROCESSED', etag: expectedEtag.slice(1, -1), width: 2200 })
    const created = pipeline.events.filter(
      ({ bus, event }) =>
        bus === 'default' && (event.detail as { object?: { key?: string } }).object?.key === 'uploads/big/noise.jpg',
    )
    expect(created.map(({ event }) => (event.detail as { reason: string }).reason)).toEqual(['CompleteMultipartUpload'])
    expect(readdirSync(path.join(pipeline.dataDir, 'objects', Bucket, '.multipart'))).toEqual([])
    const sfn = new SFNClient({
      endpoint: pipeline.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    try {
      const image = pipeline.runtime.executor.stateMachines.find((machine) => machine.workflow === 'image')!
      const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: image.arn }))
      const histories = await Promise.all(
        executions!.map((execution) =>
          sfn.send(
            new GetExecutionHistoryCommand({ executionArn: execution.executionArn, includeExecutionData: true }),
          ),
        ),
      )
      const history = histories.find((candidate) =>
        candidate.events![0]!.executionStartedEventDetails!.input!.includes('uploads/big/noise.jpg'),
      )!
      const types = history.events!.map((event) => event.type)
      expect(types[0]).toBe('ExecutionStarted')
      expect(types.at(-1)).toBe('ExecutionSucceeded')
      expect(
        history.events!.flatMap((event) =>
          event.stateEnteredEventDetails ? [event.stateEnteredEventDetails.name] : [],
        ),
      ).toEqual(['ValidateAndRender', 'PersistImage', 'IndexImage'])
    } finally {
      sfn.destroy()
    }
  }, 120_000)

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html
  it('keeps an upload invisible until completed, lists its parts, and leaves nothing behind when aborted', async () => {
    // Prepare
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'parts/aborted.bin' }))
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'parts/aborted.bin', UploadId, PartNumber: 1, Body: Buffer.alloc(1000, 7) }),
    )

    // Assess, before: the parts are there, the object is not.
    expect(part.ETag).toBe(`"${md5(Buffer.alloc(1000, 7)).toString('hex')}"`)
    const listed = await s3.send(new ListPartsCommand({ Bucket, Key: 'parts/aborted.bin', UploadId }))
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, 1000, part.ETag]])
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'parts/' }))
    expect(uploads.Uploads?.map((upload) => upload.UploadId)).toEqual([UploadId])
    await expect(s3.send(new HeadObjectCommand({ Bucket, Key: 'parts/aborted.bin' }))).rejects.toMatchObject({
      name: 'NotFound',
    })
    expect(existsSync(partsFolder(UploadId!))).toBe(true)

    // Act
    const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'parts/aborted.bin', UploadId }))

    // Assess, after
    expect(aborted.$metadata.httpStatusCode).toBe(204)
    expect(existsSync(partsFolder(UploadId!))).toBe(false)
    expect(
      await failureOf(s3.send(new ListPartsCommand({ Bucket, Key: 'parts/aborted.bin', UploadId }))),
    ).toMatchObject({ code: 'NoSuchUpload', status: 404 })
  })

  const uploadTwoParts = async (key: string, first: number, second: number) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }))
    const one = await s3.send(
      new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(first, 1) }),
    )
    const two = await s3.send(
      new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: 2, Body: Buffer.alloc(second, 2) }),
    )
    return { UploadId: UploadId!, etags: [one.ETag!, two.ETag!] }
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html (Special errors)
  it.each([
    [
      'EntityTooSmall for a part under 5 MiB that is not the last',
      100,
      ['1', '2'],
      'EntityTooSmall',
      /smaller than the minimum allowed object size/,
    ],
    ["InvalidPart for an ETag that is not the part's", 5 * MiB, ['wrong', '2'], 'InvalidPart', /could not be found/],
    ['InvalidPartOrder for parts out of order', 5 * MiB, ['2', '1'], 'InvalidPartOrder', /ascending order/],
  ])(
    'refuses with %s, and the upload can still be aborted',
    async (_name, firstSize, order, code, message) => {
      const key = `parts/${code}.bin`
      const { UploadId, etags } = await uploadTwoParts(key, firstSize, 10)
      const partsList = order.map((which) =>
        which === 'wrong'
          ? { PartNumber: 1, ETag: '"00000000000000000000000000000000"' }
          : { PartNumber: Number(which), ETag: etags[Number(which) - 1]! },
      )

      const failure = await failureOf(
        s3.send(
          new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: partsList } }),
        ),
      )

      expect(failure).toMatchObject({ code, status: 400 })
      expect(failure.message).toMatch(message)
      await expect(s3.send(new HeadObjectCommand({ Bucket, Key: key }))).rejects.toMatchObject({ name: 'NotFound' })
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId }))
      expect(existsSync(partsFolder(UploadId))).toBe(false)
    },
    60_000,
  )

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html (request body)
  it.each([
    ['an unclosed element', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'],
    ['not XML at all', 'parts: 1'],
    ['a DOCTYPE with an entity', '<!DOCTYPE x [<!ENTITY e "1">]><CompleteMultipartUpload/>'],
    [
      'an unknown element',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a"</ETag><Size>1</Size></Part></CompleteMultipartUpload>',
    ],
    [
      'a part number that is not a number',
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    ],
    ['no parts', '<CompleteMultipartUpload></CompleteMultipartUpload>'],
  ])('answers MalformedXML to a body with %s', async (_name, body) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'parts/malformed.bin' }))

    const response = await signedFetch(`/${Bucket}/parts/malformed.bin?uploadId=${UploadId}`, { method: 'POST', body })

    expect(response.status).toBe(400)
    expect(await response.text()).toContain('<Code>MalformedXML</Code>')
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'parts/malformed.bin', UploadId }))
  })
})

describe('errors', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
  it.each([
    [
      'NoSuchKey for a missing key',
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'missing/key' })),
      'NoSuchKey',
      404,
    ],
    [
      'NoSuchBucket for a bucket the template does not have',
      () => s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'a' })),
      'NoSuchBucket',
      404,
    ],
    [
      'NoSuchBucket for a listing of a bucket the template does not have',
      () => s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' })),
      'NoSuchBucket',
      404,
    ],
    [
      'InvalidRange for a range past the end',
      async () => {
        await s3.send(new PutObjectCommand({ Bucket, Key: 'errors/short.txt', Body: 'short' }))
        return s3.send(new GetObjectCommand({ Bucket, Key: 'errors/short.txt', Range: 'bytes=5-' }))
      },
      'InvalidRange',
      416,
    ],
    [
      'NoSuchUpload for an upload id it never gave',
      () =>
        s3.send(new UploadPartCommand({ Bucket, Key: 'errors/x', UploadId: 'never-given', PartNumber: 1, Body: 'x' })),
      'NoSuchUpload',
      404,
    ],
    [
      'InvalidArgument for part number 10001',
      async () => {
        const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'errors/parts' }))
        return s3.send(new UploadPartCommand({ Bucket, Key: 'errors/parts', UploadId, PartNumber: 10_001, Body: 'x' }))
      },
      'InvalidArgument',
      400,
    ],
    [
      'BadDigest for a Content-MD5 of other bytes',
      () =>
        s3.send(
          new PutObjectCommand({
            Bucket,
            Key: 'errors/digest',
            Body: 'these bytes',
            ContentMD5: md5(Buffer.from('other bytes')).toString('base64'),
          }),
        ),
      'BadDigest',
      400,
    ],
    [
      'BadDigest for a CRC32 of other bytes',
      () =>
        s3.send(new PutObjectCommand({ Bucket, Key: 'errors/crc', Body: 'these bytes', ChecksumCRC32: 'AAAAAA==' })),
      'BadDigest',
      400,
    ],
  ])('answers %s', async (_name, call, code, status) => {
    expect(await failureOf(call())).toMatchObject({ code, status })
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (NotImplemented)
  it.each([
    ['CreateBucket', () => s3.send(new CreateBucketCommand({ Bucket: 'a-new-bucket' }))],
    ['DeleteBucket', () => s3.send(new DeleteBucketCommand({ Bucket }))],
    ['GetBucketVersioning', () => s3.send(new GetBucketVersioningCommand({ Bucket }))],
    ['ListObjectVersions', () => s3.send(new ListObjectVersionsCommand({ Bucket }))],
    ['PutBucketAcl', () => s3.send(new PutBucketAclCommand({ Bucket, ACL: 'private' }))],
    [
      'PutObjectTagging',
      () => s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'a', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } })),
    ],
  ])('answers NotImplemented (501) naming %s', async (operation, call) => {
    const failure = await failureOf(call())

    expect(failure).toEqual({
      code: 'NotImplemented',
      status: 501,
      message: `${operation} is not implemented by the local runtime`,
    })
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses
  it('writes errors as S3 does: XML with Code, Message, the resource, RequestId and HostId, and x-amz-request-id', async () => {
    const response = await signedFetch(`/${Bucket}/missing/other%20key`)

    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toBe('application/xml')
    const requestId = response.headers.get('x-amz-request-id')!
    expect(requestId).toMatch(/^[0-9A-F]{16}$/)
    expect(response.headers.get('x-amz-id-2')).toBeTruthy()
    const body = await response.text()
    expect(body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code>/)
    expect(body).toContain('<Message>The specified key does not exist.</Message>')
    expect(body).toContain('<Key>missing/other key</Key>')
    expect(body).toContain(`<RequestId>${requestId}</RequestId>`)
    expect(body).not.toMatch(/at .+\.ts:\d+/)
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html: the local runtime refuses keys that could
  // be read as a path outside the bucket, though S3 takes any UTF-8.
  it.each([
    ['a leading ".."', '../escape.txt'],
    ['".." segments that climb out', 'uploads/../../../../etc/passwd'],
    ['a "." segment', 'uploads/./cat.jpg'],
  ])('refuses a key with %s with a 400 naming why, and writes nothing', async (_name, key) => {
    const failure = await failureOf(s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'escape' })))

    expect(failure).toMatchObject({ code: 'InvalidArgument', status: 400 })
    expect(failure.message).toMatch(/segments/)
    const everything = await s3.send(new ListObjectsV2Command({ Bucket }))
    expect(everything.Contents?.some((object) => object.Key!.includes('..') || object.Key!.includes('/./'))).toBe(false)
    expect(existsSync(path.join(pipeline.dataDir, 'escape.txt'))).toBe(false)
    expect(existsSync(path.join(pipeline.dataDir, 'objects', 'escape.txt'))).toBe(false)
  })

  it('refuses a percent-encoded ".." in the path the same way', async () => {
    const answer = await rawRequest('PUT', `/${Bucket}/a/%2e%2e/%2e%2e/%2e%2e/escape.txt`, {}, 'x')

    expect(answer.status).toBe(400)
    expect(answer.body).toContain('<Code>InvalidArgument</Code>')
    expect(existsSync(path.join(pipeline.dataDir, 'escape.txt'))).toBe(false)
  })
})

describe('imports', () => {
  it('starts the import workflow for an object put under imports/, as PUT /imports does', async () => {
    // Prepare
    const user = await fetch(`${pipeline.url}/users`, {
      method: 'POST',
      body: JSON.stringify({ username: 's3importer', email: 's3importer@example.com' }),
      headers: { 'content-type': 'application/json' },
    })
    const { userId } = (await user.json()) as { userId: string }
    const csv = `orderId,customerId,currency,totalAmount\ns3-1,${userId},EUR,10\ns3-2,${userId},EUR,-1\n`

    // Act
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'imports/s3-orders.csv', Body: csv }))
    await settle(pipeline)

    // Assess
    const report = await s3.send(new GetObjectCommand({ Bucket, Key: 'reports/s3-orders.csv.json' }))
    const parsed = JSON.parse(await text(report.Body)) as { etag: string; rows: number; accepted: number }
    expect(parsed).toMatchObject({ etag: put.ETag!.slice(1, -1), rows: 2, accepted: 1 })
  })
})

describe('the one upload limit', () => {
  let small: RunningPipeline
  let client: S3Client
  beforeAll(async () => {
    small = await startPipeline({ maxUploadBytes: MiB })
    client = clientFor(small.url)
  })
  afterAll(async () => {
    client.destroy()
    await small.close()
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (EntityTooLarge)
  it('refuses a PutObject and an upload part over MAX_UPLOAD_BYTES with EntityTooLarge, storing nothing', async () => {
    const put = await failureOf(
      client.send(new PutObjectCommand({ Bucket, Key: 'uploads/too-big.bin', Body: Buffer.alloc(MiB + 1) })),
    )
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'uploads/parts.bin' }))
    const part = await failureOf(
      client.send(
        new UploadPartCommand({
          Bucket,
          Key: 'uploads/parts.bin',
          UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(MiB + 1),
        }),
      ),
    )

    expect(put).toMatchObject({ code: 'EntityTooLarge', status: 400 })
    expect(part).toMatchObject({ code: 'EntityTooLarge', status: 400 })
    expect((await client.send(new ListObjectsV2Command({ Bucket }))).KeyCount).toBe(0)
    expect(
      (await client.send(new ListPartsCommand({ Bucket, Key: 'uploads/parts.bin', UploadId }))).Parts,
    ).toBeUndefined()
  })
})
