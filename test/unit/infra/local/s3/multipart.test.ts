import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { Readable } from 'node:stream'
import { LocalBus } from '../../../../../infra/local/eventbridge/bus'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { LocalAccount, LocalRegion, type LocalModel } from '../../../../../infra/local/model/template'
import { LocalMultipartUploads, MinPartBytes } from '../../../../../infra/local/s3/multipart'
import { InvalidObjectKey, LocalObjectStore, NoSuchBucket } from '../../../../../infra/local/s3/object-store'

const model: LocalModel = {
  buses: [{ name: 'default', arn: `arn:aws:events:${LocalRegion}:${LocalAccount}:event-bus/default` }],
  archives: [],
  rules: [],
  stateMachines: [],
  functions: [],
  queues: [],
  buckets: [{ name: 'uploads', eventBridge: true }],
}

let dataDir: string
let db: DatabaseSync
let store: LocalObjectStore
let uploads: LocalMultipartUploads

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'multipart-test-'))
  db = openDatabase(dataDir)
  const bus = new LocalBus(db, model, { startExecution: () => undefined, sendToQueue: () => undefined })
  store = new LocalObjectStore(db, path.join(dataDir, 'objects'), model, bus)
  uploads = new LocalMultipartUploads(db, store)
})

afterEach(() => {
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const md5 = (body: Buffer) => createHash('md5').update(body).digest()
const multipartFolder = () => path.join(dataDir, 'objects', 'uploads', '.multipart')
const sendPart = (uploadId: string, partNumber: number, body: Buffer, limit = 100 * 1024 * 1024) =>
  uploads.uploadPart(uploadId, 'uploads', 'big.bin', partNumber, Readable.from([body]), { limit })

describe('LocalMultipartUploads', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html (multipart ETag)
  it("completes parts into one object whose ETag is the MD5 of the parts' MD5s and their count, leaving no part behind", async () => {
    // Prepare
    const upload = uploads.create('uploads', 'big.bin', 'application/octet-stream', { metadata: { a: '1' } })
    const first = Buffer.alloc(MinPartBytes, 1)
    const second = Buffer.from('the rest')
    const one = await sendPart(upload.uploadId, 1, first)
    const two = await sendPart(upload.uploadId, 2, second)

    // Act
    const object = await uploads.complete(
      upload.uploadId,
      'uploads',
      'big.bin',
      [
        { partNumber: 1, etag: `"${one.etag}"` },
        { partNumber: 2, etag: two.etag },
      ],
      100 * 1024 * 1024,
    )

    // Assess
    const expected = `${createHash('md5')
      .update(Buffer.concat([md5(first), md5(second)]))
      .digest('hex')}-2`
    expect(object).toMatchObject({ size: first.length + second.length, etag: expected })
    expect(object.attributes).toEqual({ metadata: { a: '1' }, partSizes: [first.length, second.length] })
    expect(store.get('uploads', 'big.bin')?.body.equals(Buffer.concat([first, second]))).toBe(true)
    expect(uploads.find(upload.uploadId, 'uploads', 'big.bin')).toBeUndefined()
    expect(readdirSync(multipartFolder())).toEqual([])
    expect(db.prepare('SELECT COUNT(*) AS n FROM multipart_parts').get()).toEqual({ n: 0 })
  })

  it('replaces a part uploaded again under the same number', async () => {
    const upload = uploads.create('uploads', 'big.bin', 'text/plain')
    await sendPart(upload.uploadId, 1, Buffer.from('first try'))

    const again = await sendPart(upload.uploadId, 1, Buffer.from('second'))

    expect(uploads.parts(upload.uploadId).map((part) => [part.partNumber, part.size, part.etag])).toEqual([
      [1, 6, again.etag],
    ])
    expect(readdirSync(path.join(multipartFolder(), upload.uploadId))).toEqual(['1'])
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html (Special errors)
  it.each([
    ['InvalidPartOrder for a list out of order', [2, 1], 'InvalidPartOrder'],
    ['InvalidPart for a part never uploaded', [1, 3], 'InvalidPart'],
    ['EntityTooSmall for a small part that is not the last', [1, 2], 'EntityTooSmall'],
  ])('refuses %s, keeping the upload', async (_name, numbers, code) => {
    const upload = uploads.create('uploads', 'big.bin', 'text/plain')
    const etags = [
      (await sendPart(upload.uploadId, 1, Buffer.from('small'))).etag,
      (await sendPart(upload.uploadId, 2, Buffer.from('last'))).etag,
    ]
    const listed = numbers.map((partNumber) => ({ partNumber, etag: etags[partNumber - 1] ?? 'none' }))

    await expect(uploads.complete(upload.uploadId, 'uploads', 'big.bin', listed, 1000)).rejects.toMatchObject({ code })
    expect(uploads.find(upload.uploadId, 'uploads', 'big.bin')).toBeDefined()
    expect(store.head('uploads', 'big.bin')).toBeUndefined()
  })

  it('refuses parts that add up to more than the upload limit, as the part and as the whole', async () => {
    const upload = uploads.create('uploads', 'big.bin', 'text/plain')

    await expect(sendPart(upload.uploadId, 1, Buffer.alloc(11), 10)).rejects.toMatchObject({ code: 'EntityTooLarge' })
    const part = await sendPart(upload.uploadId, 1, Buffer.alloc(10))
    await expect(
      uploads.complete(upload.uploadId, 'uploads', 'big.bin', [{ partNumber: 1, etag: part.etag }], 9),
    ).rejects.toMatchObject({ code: 'EntityTooLarge' })
    expect(readdirSync(path.join(multipartFolder(), upload.uploadId))).toEqual(['1'])
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html
  it('aborts an upload: its parts and folder are gone, and its id answers NoSuchUpload from then on', async () => {
    const upload = uploads.create('uploads', 'big.bin', 'text/plain')
    await sendPart(upload.uploadId, 1, Buffer.from('part'))

    await uploads.abort(upload.uploadId, 'uploads', 'big.bin')

    expect(existsSync(path.join(multipartFolder(), upload.uploadId))).toBe(false)
    await expect(sendPart(upload.uploadId, 2, Buffer.from('late'))).rejects.toMatchObject({ code: 'NoSuchUpload' })
    await expect(uploads.abort(upload.uploadId, 'uploads', 'big.bin')).rejects.toMatchObject({ code: 'NoSuchUpload' })
  })

  it('answers NoSuchUpload for an upload id used with another key', async () => {
    const upload = uploads.create('uploads', 'big.bin', 'text/plain')

    expect(uploads.find(upload.uploadId, 'uploads', 'other.bin')).toBeUndefined()
    await expect(uploads.abort(upload.uploadId, 'uploads', 'other.bin')).rejects.toMatchObject({ code: 'NoSuchUpload' })
  })

  it('names part folders by the ids it generates, never by a path a client could send', () => {
    const upload = uploads.create('uploads', 'big.bin', 'text/plain')

    expect(upload.uploadId).toMatch(/^[A-Za-z0-9_-]{64}$/)
    expect(() => store.partsFolder('uploads', '../../../etc')).toThrow()
    expect(() => store.partsFolder('uploads', 'a/b')).toThrow()
  })

  it('creates nothing for a key the store refuses or a bucket it does not have', () => {
    expect(() => uploads.create('uploads', '../escape', 'text/plain')).toThrow(InvalidObjectKey)
    expect(() => uploads.create('nope', 'a', 'text/plain')).toThrow(NoSuchBucket)
    expect(db.prepare('SELECT COUNT(*) AS n FROM multipart_uploads').get()).toEqual({ n: 0 })
  })
})
