import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
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
