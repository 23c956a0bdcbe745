import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { Readable } from 'node:stream'
import { Schema } from 'effect'
import type { AnyEvent } from '../../../../../contracts/envelope'
import { uploadBucketNotifications, imageUploaded } from '../../../../../contracts/patterns'
import { ObjectCreated } from '../../../../../contracts/s3'
import { LocalBus } from '../../../../../infra/local/eventbridge/bus'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import {
  checkObjectKey,
  InvalidObjectKey,
  LocalObjectStore,
  NoSuchBucket,
} from '../../../../../infra/local/s3/object-store'
import { LocalAccount, LocalRegion, type LocalModel } from '../../../../../infra/local/model/template'
import { awsEvent } from '../../../../support/fixtures'

const busArn = (name: string) => `arn:aws:events:${LocalRegion}:${LocalAccount}:event-bus/${name}`
const stateMachineArn = `arn:aws:states:${LocalRegion}:${LocalAccount}:stateMachine:ImageWorkflow`

/** S3 notifies the default bus; a rule forwards the bucket's events to the pipeline bus, where a rule starts the workflow. */
const model: LocalModel = {
  buses: [
    { name: 'default', arn: busArn('default') },
    { name: 'pipeline', arn: busArn('pipeline') },
  ],
  archives: [],
  rules: [
    {
      name: 'ForwardUploads',
      bus: 'default',
      pattern: uploadBucketNotifications('uploads'),
      targets: [
        { id: 'PipelineBus', arn: busArn('pipeline'), maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 },
      ],
    },
    {
      name: 'StartImageWorkflow',
      bus: 'pipeline',
      pattern: imageUploaded('uploads'),
      targets: [{ id: 'Workflow', arn: stateMachineArn, maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 }],
    },
  ],
  stateMachines: [],
  functions: [],
  queues: [],
  buckets: [
    { name: 'uploads', eventBridge: true },
    { name: 'quiet', eventBridge: false },
  ],
}

const fixture = (): AnyEvent => awsEvent('s3/object-created.json')

/** The keys of an object and of every object inside it, as dotted paths: the shape of an event, values aside. */
const shapeOf = (value: unknown, prefix = ''): string[] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value)
        .flatMap(([key, child]) => [`${prefix}${key}`, ...shapeOf(child, `${prefix}${key}.`)])
        .sort()
    : []

let dataDir: string
let db: DatabaseSync
let started: Array<{ arn: string; event: AnyEvent }>
let store: LocalObjectStore

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'object-store-test-'))
  db = openDatabase(dataDir)
  started = []
  const bus = new LocalBus(db, model, {
    startExecution: (arn, event) => void started.push({ arn, event }),
    sendToQueue: () => undefined,
  })
  store = new LocalObjectStore(db, path.join(dataDir, 'objects'), model, bus)
})

afterEach(() => {
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const bytes = (text: string) => new TextEncoder().encode(text)
const md5 = (text: string) => createHash('md5').update(text).digest('hex')

describe('checkObjectKey', () => {
  it.each([
    ['a key under a prefix', 'uploads/cat.jpg'],
    ['a deep key', 'uploads/2026/01/02/cat.jpg'],
    ['dots inside a name', 'uploads/cat..jpg'],
    ['a dot file', 'uploads/.hidden'],
    ['a segment starting with two dots', 'uploads/..cat'],
    ['the encoded form of ".." (kept as literal characters)', 'uploads/%2e%2e/cat.jpg'],
    ['spaces and unicode', 'uploads/my cät 🐱.jpg'],
    ['an empty segment', 'uploads//cat.jpg'],
    ['a trailing slash', 'uploads/folder/'],
    ['exactly 1024 bytes', `uploads/${'a'.repeat(1016)}`],
  ])('accepts %s', (_name, key) => {
    expect(() => checkObjectKey(key)).not.toThrow()
  })

  it.each([
    ['an empty key', '', 'empty'],
    ['a key over 1024 bytes', `uploads/${'a'.repeat(1017)}`, 'longer than 1024 bytes'],
    ['a key over 1024 bytes in UTF-8 but not in characters', 'é'.repeat(513), 'longer than 1024 bytes'],
    ['a NUL byte', 'uploads/cat\u0000.jpg', 'control characters'],
    ['a newline', 'uploads/cat\n.jpg', 'control characters'],
    ['DEL', 'uploads/cat\u007f.jpg', 'control characters'],
    ['a leading slash', '/uploads/cat.jpg', 'relative'],
    ['a backslash', 'uploads\\cat.jpg', 'relative'],
    ['a Windows escape', '..\\..\\etc\\passwd', 'relative'],
    ['a leading ".."', '../etc/passwd', 'segments'],
    ['a ".." segment in the middle', 'uploads/../../etc/passwd', 'segments'],
    ['a trailing ".."', 'uploads/..', 'segments'],
    ['a leading "."', './uploads/cat.jpg', 'segments'],
    ['a "." segment', 'uploads/./cat.jpg', 'segments'],
    ['a decoded %2e%2e%2f', decodeURIComponent('uploads/%2e%2e%2fsecret'), 'segments'],
    ['a key that is ".."', '..', 'segments'],
  ])('refuses %s', (_name, key, reason) => {
    expect(() => checkObjectKey(key)).toThrow(InvalidObjectKey)
    expect(() => checkObjectKey(key)).toThrow(reason)
  })
})

describe('LocalObjectStore', () => {
  it('puts an object and reads it back by head and get', () => {
    // Act
    const stored = store.put('uploads', 'uploads/cat.jpg', bytes('meow'), 'image/jpeg')

    // Assess
    const expected = {
      bucket: 'uploads',
      key: 'uploads/cat.jpg',
      size: 4,
      etag: md5('meow'),
      contentType: 'image/jpeg',
      lastModified: stored.lastModified,
    }
    expect(stored).toEqual(expected)
    expect(store.head('uploads', 'uploads/cat.jpg')).toEqual(expected)
    const got = store.get('uploads', 'uploads/cat.jpg')
    expect(got?.object).toEqual(expected)
    expect(got?.body.toString()).toBe('meow')
  })

  it('replaces an object put again under the same key', () => {
    store.put('uploads', 'uploads/cat.jpg', bytes('meow'), 'image/jpeg')

    store.put('uploads', 'uploads/cat.jpg', bytes('purr purr'), 'image/png')

    expect(store.head('uploads', 'uploads/cat.jpg')).toMatchObject({
      size: 9,
      etag: md5('purr purr'),
      contentType: 'image/png',
    })
    expect(store.get('uploads', 'uploads/cat.jpg')?.body.toString()).toBe('purr purr')
    expect(db.prepare('SELECT COUNT(*) AS n FROM objects').get()).toEqual({ n: 1 })
  })

  it('answers undefined for a key never put', () => {
    expect(store.head('uploads', 'uploads/none.jpg')).toBeUndefined()
    expect(store.get('uploads', 'uploads/none.jpg')).toBeUndefined()
  })

  it('keeps objects of different buckets apart', () => {
    store.put('uploads', 'same/key', bytes('one'), 'text/plain')
    store.put('quiet', 'same/key', bytes('two'), 'text/plain')

    expect(store.get('uploads', 'same/key')?.body.toString()).toBe('one')
    expect(store.get('quiet', 'same/key')?.body.toString()).toBe('two')
  })

  it('keeps the standing version whole when an overwrite fails, and leaves no staged file behind', () => {
    // Prepare: a store whose bus fails inside the commit's transaction, so the overwrite fails.
    store.put('uploads', 'uploads/a.txt', bytes('version one'), 'text/plain')
    const brokenBus = {
      publishServiceEvent: () => {
        throw new Error('bus down')
      },
    } as unknown as LocalBus
    const failing = new LocalObjectStore(db, path.join(dataDir, 'objects'), model, brokenBus)

    // Act
    expect(() => failing.put('uploads', 'uploads/a.txt', bytes('v2'), 'text/plain')).toThrow('bus down')

    // Assess
    const found = failing.get('uploads', 'uploads/a.txt')!
    expect(found.body.toString()).toBe('version one')
    expect(found.object).toMatchObject({ size: 11, etag: md5('version one') })
    expect(readdirSync(path.join(dataDir, 'objects', 'uploads', '.staging'))).toEqual([])
  })

  it('stages nothing for a key it refuses', () => {
    expect(() => store.put('uploads', '../x', bytes('x'), 'text/plain')).toThrow(InvalidObjectKey)
    expect(
      existsSync(path.join(dataDir, 'objects', 'uploads', '.staging'))
        ? readdirSync(path.join(dataDir, 'objects', 'uploads', '.staging'))
        : [],
    ).toEqual([])
  })

  it('names files by a hash of the key, so a key never becomes a path', () => {
    store.put('uploads', 'uploads/%2e%2e/cat.jpg', bytes('meow'), 'image/jpeg')

    const { file } = db.prepare('SELECT file FROM objects').get() as { file: string }
    expect(file).toMatch(/^uploads\/[0-9a-f]{2}\/[0-9a-f]{64}-[0-9a-f-]{36}$/)
  })

  it.each([
    ['an unknown bucket', 'nope', 'uploads/cat.jpg', NoSuchBucket],
    ['an invalid key', 'uploads', '../cat.jpg', InvalidObjectKey],
  ])('refuses %s, storing nothing and emitting nothing', (_name, bucket, key, error) => {
    expect(() => store.put(bucket, key, bytes('meow'), 'image/jpeg')).toThrow(error)

    expect(db.prepare('SELECT COUNT(*) AS n FROM objects').get()).toEqual({ n: 0 })
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 })
    expect(started).toEqual([])
  })

  it("emits an Object Created event shaped like S3's, which the rules forward to the pipeline bus and the workflow", () => {
    // Act
    const stored = store.put('uploads', 'uploads/cat.jpg', bytes('meow'), 'image/jpeg')

    // Assess
    expect(started).toHaveLength(1)
    const [{ arn, event }] = started
    expect(arn).toBe(stateMachineArn)
    expect(shapeOf(event)).toEqual(shapeOf(fixture()))
    expect(Schema.decodeUnknownEither(ObjectCreated)(event)._tag).toBe('Right')
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: LocalAccount,
      region: LocalRegion,
      resources: ['arn:aws:s3:::uploads'],
      detail: {
        version: '0',
        bucket: { name: 'uploads' },
        object: { key: 'uploads/cat.jpg', size: 4, etag: stored.etag },
        requester: LocalAccount,
        reason: 'PutObject',
      },
    })
    expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    expect((event.detail as { object: { sequencer: string } }).object.sequencer).toMatch(/^[0-9A-F]{18}$/)
    expect(db.prepare('SELECT bus, source, detail_type FROM events ORDER BY seq').all()).toEqual([
      { bus: 'default', source: 'aws.s3', detail_type: 'Object Created' },
      { bus: 'pipeline', source: 'aws.s3', detail_type: 'Object Created' },
    ])
  })

  it('gives later events of a key a greater sequencer', () => {
    store.put('uploads', 'uploads/cat.jpg', bytes('one'), 'image/jpeg')
    store.put('uploads', 'uploads/cat.jpg', bytes('two'), 'image/jpeg')

    const [first, second] = started.map(
      ({ event }) => (event.detail as { object: { sequencer: string } }).object.sequencer,
    )
    expect(second > first).toBe(true)
  })

  it('emits nothing for a bucket without EventBridge notifications', () => {
    store.put('quiet', 'uploads/cat.jpg', bytes('meow'), 'image/jpeg')

    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 })
    expect(started).toEqual([])
  })

  it('starts no workflow for a rendition, whose event stays on the default bus (the forwarding rule leaves it)', () => {
    store.put('uploads', 'thumbnails/cat.jpg', bytes('meow'), 'image/jpeg')

    expect(started).toEqual([])
    expect(db.prepare('SELECT bus FROM events ORDER BY seq').all()).toEqual([{ bus: 'default' }])
  })
})

describe('LocalObjectStore, as S3 lists, streams, copies and deletes', () => {
  const put = (key: string, body = key) => store.put('uploads', key, bytes(body), 'text/plain')
  const keysOf = (page: ReturnType<LocalObjectStore['list']>) => ({
    keys: page.objects.map((object) => object.key),
    prefixes: page.commonPrefixes,
    truncated: page.truncated,
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
  it('lists keys in UTF-8 binary order, under a prefix, rolling keys up to common prefixes at the delimiter', () => {
    for (const key of ['b/2', 'a', 'b/1', 'c/x/y', 'c', 'é', 'Z', 'd/']) put(key)

    expect(keysOf(store.list('uploads', { maxKeys: 1000 })).keys).toEqual([
      'Z',
      'a',
      'b/1',
      'b/2',
      'c',
      'c/x/y',
      'd/',
      'é',
    ])
    expect(keysOf(store.list('uploads', { prefix: 'b/', maxKeys: 1000 })).keys).toEqual(['b/1', 'b/2'])
    expect(keysOf(store.list('uploads', { delimiter: '/', maxKeys: 1000 }))).toEqual({
      keys: ['Z', 'a', 'c', 'é'],
      prefixes: ['b/', 'c/', 'd/'],
      truncated: false,
    })
    expect(keysOf(store.list('uploads', { prefix: 'c/', delimiter: '/', maxKeys: 1000 }))).toEqual({
      keys: [],
      prefixes: ['c/x/'],
      truncated: false,
    })
  })

  it('pages by maxKeys, counting a common prefix as one, and resumes after a key or a prefix', () => {
    for (const key of ['a', 'b/1', 'b/2', 'b/3', 'c', 'd/1']) put(key)

    const first = store.list('uploads', { delimiter: '/', maxKeys: 2 })
    const second = store.list('uploads', { delimiter: '/', maxKeys: 2, afterPrefix: 'b/' })
    const third = store.list('uploads', { delimiter: '/', maxKeys: 2, after: 'c' })

    expect([keysOf(first), first.last]).toEqual([{ keys: ['a'], prefixes: ['b/'], truncated: true }, { prefix: 'b/' }])
    expect([keysOf(second), second.last]).toEqual([
      { keys: ['c'], prefixes: ['d/'], truncated: false },
      { prefix: 'd/' },
    ])
    expect(keysOf(third)).toEqual({ keys: [], prefixes: ['d/'], truncated: false })
    expect(keysOf(store.list('uploads', { maxKeys: 0 }))).toEqual({ keys: [], prefixes: [], truncated: true })
  })

  it('streams a body into an object, refusing one over the limit and storing nothing', async () => {
    const stored = await store.putStream(
      'uploads',
      'uploads/streamed.txt',
      Readable.from([Buffer.from('ab'), Buffer.from('cd')]),
      {
        limit: 4,
        contentType: 'text/plain',
        attributes: { metadata: { owner: 'ada' } },
      },
    )
    const refused = store.putStream('uploads', 'uploads/big.txt', Readable.from([Buffer.from('abcde')]), {
      limit: 4,
      contentType: 'text/plain',
    })

    expect(stored).toMatchObject({ size: 4, etag: md5('abcd'), attributes: { metadata: { owner: 'ada' } } })
    expect(store.head('uploads', 'uploads/streamed.txt')?.attributes).toEqual({ metadata: { owner: 'ada' } })
    await expect(refused).rejects.toMatchObject({ code: 'EntityTooLarge', fields: { MaxSizeAllowed: '4' } })
    expect(store.head('uploads', 'uploads/big.txt')).toBeUndefined()
    expect(readdirSync(path.join(dataDir, 'objects', 'uploads', '.staging'))).toEqual([])
  })

  it('copies an object under a new key with a CopyObject event, and deletes with an Object Deleted event', async () => {
    const source = put('uploads/a.txt', 'meow')

    const copy = await store.copy(
      { bucket: 'uploads', key: 'uploads/a.txt' },
      { bucket: 'uploads', key: 'copies/a.txt' },
      { contentType: 'text/markdown' },
    )
    const deleted = store.delete('uploads', 'uploads/a.txt')

    expect(copy).toMatchObject({ key: 'copies/a.txt', etag: source.etag, contentType: 'text/markdown' })
    expect(store.get('uploads', 'copies/a.txt')?.body.toString()).toBe('meow')
    expect(deleted?.key).toBe('uploads/a.txt')
    expect(store.head('uploads', 'uploads/a.txt')).toBeUndefined()
    expect(store.delete('uploads', 'uploads/a.txt')).toBeUndefined()
    const events = db.prepare(`SELECT event FROM events WHERE bus = 'default' ORDER BY seq`).all() as Array<{
      event: string
    }>
    expect(
      events.map(({ event }) => {
        const parsed = JSON.parse(event) as AnyEvent
        const detail = parsed.detail as { reason: string; 'deletion-type'?: string; object: { key: string } }
        return [parsed['detail-type'], detail.reason, detail.object.key, detail['deletion-type']]
      }),
    ).toEqual([
      ['Object Created', 'PutObject', 'uploads/a.txt', undefined],
      ['Object Created', 'CopyObject', 'copies/a.txt', undefined],
      ['Object Deleted', 'DeleteObject', 'uploads/a.txt', 'Permanently Deleted'],
    ])
  })
})
