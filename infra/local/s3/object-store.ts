import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { ObjectCreatedType, S3Source } from '../../../contracts/sources'
import type { LocalBus } from '../eventbridge/bus'
import { transaction } from '../kernel/db'
import { LocalAccount, LocalRegion, type LocalModel } from '../model/template'

export interface StoredObject {
  readonly bucket: string
  readonly key: string
  readonly size: number
  readonly etag: string
  readonly contentType: string
  readonly lastModified: string
}

/** A key S3 would refuse or that could reach outside its bucket folder: answered as a 400 naming the key. */
export class InvalidObjectKey extends Error {
  override readonly name = 'InvalidObjectKey'
}

export class NoSuchBucket extends Error {
  override readonly name = 'NoSuchBucket'
}

/**
 * Rejects keys that S3 would not take (empty, over 1024 bytes, control characters) and keys a user could
 * mean as a path escape (`.`/`..` segments, backslashes, a leading slash). Files are named by a hash of the
 * key anyway, so no key ever becomes a path.
 */
export const checkObjectKey = (key: string): void => {
  if (key.length === 0) throw new InvalidObjectKey('The object key is empty')
  if (Buffer.byteLength(key) > 1024) throw new InvalidObjectKey('The object key is longer than 1024 bytes')
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidObjectKey('The object key contains control characters')
  if (key.startsWith('/') || key.includes('\\'))
    throw new InvalidObjectKey('The object key must be relative and use "/" separators')
  if (key.split('/').some((segment) => segment === '.' || segment === '..'))
    throw new InvalidObjectKey('The object key must not contain "." or ".." segments')
}

/**
 * The local S3: objects as files under `<data>/objects/<bucket>/`, metadata in SQLite. A bucket with
 * EventBridge notifications on emits `Object Created` to the default bus, as S3 does, in the same transaction
 * that records the object, so an acknowledged upload always has its event.
 */
export class LocalObjectStore {
  private readonly buckets: ReadonlyMap<string, { eventBridge: boolean }>

  constructor(
    private readonly db: DatabaseSync,
    private readonly root: string,
    model: LocalModel,
    private readonly bus: LocalBus,
  ) {
    this.buckets = new Map(model.buckets.map((bucket) => [bucket.name, { eventBridge: bucket.eventBridge }]))
    for (const bucket of this.buckets.keys()) mkdirSync(path.join(root, bucket), { recursive: true })
  }

  get bucketNames(): ReadonlyArray<string> {
    return [...this.buckets.keys()]
  }

  /** Each version of an object gets a file of its own, so a failed overwrite never touches the standing version. */
  private newFileFor(bucket: string, key: string): string {
    const digest = createHash('sha256').update(key).digest('hex')
    return path.join(this.root, bucket, digest.slice(0, 2), `${digest}-${randomUUID()}`)
  }

  private checkBucket(bucket: string): { eventBridge: boolean } {
    const found = this.buckets.get(bucket)
    if (!found) throw new NoSuchBucket(`The bucket ${bucket} does not exist`)
    return found
  }

  /** PutObject from bytes in memory. */
  put(bucket: string, key: string, body: Uint8Array, contentType: string): StoredObject {
    checkObjectKey(key)
    const staged = this.stage(bucket)
    try {
      writeFileSync(staged, body)
      return this.commit(
        bucket,
        key,
        staged,
        body.byteLength,
        createHash('md5').update(body).digest('hex'),
        contentType,
      )
    } finally {
      this.discard(staged)
    }
  }

  /** A temporary file inside the bucket folder for a streamed upload; `commit` moves it in place atomically. */
  stage(bucket: string): string {
    this.checkBucket(bucket)
    const dir = path.join(this.root, bucket, '.staging')
    mkdirSync(dir, { recursive: true })
    return path.join(dir, randomUUID())
  }

  discard(staged: string): void {
    rmSync(staged, { force: true })
  }

  /**
   * Makes a staged file the object's content, records it and emits its `Object Created` event. The file moves
   * to a name of its own first; only a committed transaction points the key at it, so a failure leaves the
   * previous version whole (and at worst an orphan file, never a wrong one).
   */
  commit(bucket: string, key: string, staged: string, size: number, etag: string, contentType: string): StoredObject {
    checkObjectKey(key)
    const { eventBridge } = this.checkBucket(bucket)
    const file = this.newFileFor(bucket, key)
    mkdirSync(path.dirname(file), { recursive: true })
    renameSync(staged, file)
    const object: StoredObject = { bucket, key, size, etag, contentType, lastModified: new Date().toISOString() }
    let previous: string | undefined
    try {
      transaction(this.db, () => {
        previous = this.row(bucket, key)?.file
        this.db
          .prepare(
            `INSERT INTO objects (bucket, key, file, size, etag, content_type, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (bucket, key) DO UPDATE SET file = excluded.file, size = excluded.size, etag = excluded.etag, content_type = excluded.content_type, last_modified = excluded.last_modified`,
          )
          .run(bucket, key, path.relative(this.root, file), size, etag, contentType, object.lastModified)
        if (eventBridge) this.bus.publishServiceEvent('default', objectCreatedEvent(object))
      })
    } catch (error) {
      rmSync(file, { force: true })
      throw error
    }
    if (previous) rmSync(path.join(this.root, previous), { force: true })
    return object
  }

  private row(bucket: string, key: string) {
    return this.db
      .prepare(
        'SELECT bucket, key, file, size, etag, content_type, last_modified FROM objects WHERE bucket = ? AND key = ?',
      )
      .get(bucket, key) as
      | {
          bucket: string
          key: string
          file: string
          size: number
          etag: string
          content_type: string
          last_modified: string
        }
      | undefined
  }

  head(bucket: string, key: string): StoredObject | undefined {
    const row = this.row(bucket, key)
    return row && storedObject(row)
  }

  get(bucket: string, key: string): { readonly object: StoredObject; readonly body: Buffer } | undefined {
    const row = this.row(bucket, key)
    return row && { object: storedObject(row), body: readFileSync(path.join(this.root, row.file)) }
  }
}

const storedObject = (row: {
  bucket: string
  key: string
  size: number
  etag: string
  content_type: string
  last_modified: string
}): StoredObject => ({
  bucket: row.bucket,
  key: row.key,
  size: row.size,
  etag: row.etag,
  contentType: row.content_type,
  lastModified: row.last_modified,
})

let sequence = 0
/** S3's `sequencer`: a hex number that grows with every event of a key, so consumers can order them. */
const sequencer = () =>
  (BigInt(Date.now()) * 1000n + BigInt(sequence++ % 1000)).toString(16).toUpperCase().padStart(18, '0')

/** The `Object Created` event S3 sends through EventBridge (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
export const objectCreatedEvent = (object: StoredObject) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': ObjectCreatedType,
  source: S3Source,
  account: LocalAccount,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: LocalRegion,
  resources: [`arn:aws:s3:::${object.bucket}`],
  detail: {
    version: '0',
    bucket: { name: object.bucket },
    object: { key: object.key, size: object.size, etag: object.etag, sequencer: sequencer() },
    'request-id': randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
    requester: LocalAccount,
    'source-ip-address': '127.0.0.1',
    reason: 'PutObject',
  },
})
