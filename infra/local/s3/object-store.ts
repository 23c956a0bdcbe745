import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { ObjectCreatedType, ObjectDeletedType, S3Source } from '../../../contracts/sources'
import type { LocalBus } from '../eventbridge/bus'
import { transaction } from '../kernel/db'
import { LocalAccount, LocalRegion, type LocalModel } from '../model/template'
import { receiveToFile } from './receive'
import { S3Refusal } from './refusal'

export interface StoredObject {
  readonly bucket: string
  readonly key: string
  readonly size: number
  readonly etag: string
  readonly contentType: string
  readonly lastModified: string
  /** What S3 keeps besides the content type, when there is any. */
  readonly attributes?: ObjectAttributes
}

/** What S3 keeps with an object and gives back on GetObject and HeadObject, besides its content type. */
export interface ObjectAttributes {
  /** User-defined metadata (`x-amz-meta-*`), names in lower case as S3 keeps them. */
  readonly metadata?: Readonly<Record<string, string>>
  /** The standard headers S3 stores: `cache-control`, `content-disposition`, `content-encoding`, `content-language`, `expires`. */
  readonly headers?: Readonly<Record<string, string>>
  /** The sizes of the parts, in order, of an object completed from a multipart upload. */
  readonly partSizes?: ReadonlyArray<number>
}

/** Why an object was created, as S3's `Object Created` event says it (`detail.reason`). */
export type CreatedBy = 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload'

/** A streamed PutObject: the body, its limit and what to store with it. */
export interface PutStreamOptions {
  /** The largest body taken: MAX_UPLOAD_BYTES, the one limit every way in shares. */
  readonly limit: number
  /** The length the request declares, refused at once when over the limit. */
  readonly declaredSize?: number
  readonly contentType: string
  readonly attributes?: ObjectAttributes
  /** Checks what was received (a checksum the client sent) before the object is committed; throws to refuse it. */
  readonly verify?: (received: { readonly size: number; readonly md5: Buffer }) => void
  /** A condition on the object standing under the key (If-None-Match), checked in the commit's transaction. */
  readonly precondition?: (current: StoredObject | undefined) => void
}

/** One page of a listing, as ListObjectsV2 pages: keys and common prefixes in UTF-8 binary order. */
export interface ListPage {
  readonly objects: ReadonlyArray<StoredObject>
  readonly commonPrefixes: ReadonlyArray<string>
  /** More keys or prefixes follow; `last` is then where the next page starts after. */
  readonly truncated: boolean
  readonly last?: { readonly key: string } | { readonly prefix: string }
}

export interface ListOptions {
  readonly prefix?: string
  readonly delimiter?: string
  /** Keys after this one (exclusive): StartAfter, a marker, or where a previous page ended. */
  readonly after?: string
  /** A common prefix a previous page ended on: none of its keys come again. */
  readonly afterPrefix?: string
  /** Keys and common prefixes together, as S3 counts them against MaxKeys. */
  readonly maxKeys: number
}

/** An object opened for reading: its descriptor stays valid even if the object is replaced meanwhile. */
export interface OpenObject {
  readonly object: StoredObject
  readonly fd: number
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

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket)
  }

  /**
   * PutObject from a stream: the key is checked before a byte is read, the body streamed to a staged file (counted,
   * hashed once, stopped at the limit), then committed with its `Object Created` event. The project's
   * `PUT /uploads/{key}` and S3's PutObject both come through here.
   */
  async putStream(
    bucket: string,
    key: string,
    body: AsyncIterable<Buffer> | NodeJS.ReadableStream,
    options: PutStreamOptions,
  ): Promise<StoredObject> {
    checkObjectKey(key)
    const staged = this.stage(bucket)
    try {
      const received = await receiveToFile(body, staged, options.limit, options.declaredSize)
      options.verify?.(received)
      return this.commit(bucket, key, staged, received.size, received.md5.toString('hex'), options.contentType, {
        ...(options.attributes ? { attributes: options.attributes } : {}),
        ...(options.precondition ? { precondition: options.precondition } : {}),
      })
    } finally {
      this.discard(staged)
    }
  }

  /**
   * CopyObject: the source's bytes streamed into a new object (a new single-part ETag, the MD5 of the content, as S3
   * gives a copy), with the metadata given; `Object Created` says `CopyObject`.
   */
  async copy(
    from: { readonly bucket: string; readonly key: string },
    to: { readonly bucket: string; readonly key: string },
    options: { readonly contentType: string; readonly attributes?: ObjectAttributes },
  ): Promise<StoredObject> {
    checkObjectKey(to.key)
    this.checkBucket(to.bucket)
    const source = this.open(from.bucket, from.key)
    if (!source) throw noSuchKey(from.key)
    const staged = this.stage(to.bucket)
    try {
      const received = await receiveToFile(createReadStream('', { fd: source.fd }), staged, Number.POSITIVE_INFINITY)
      return this.commit(to.bucket, to.key, staged, received.size, received.md5.toString('hex'), options.contentType, {
        ...(options.attributes ? { attributes: options.attributes } : {}),
        reason: 'CopyObject',
      })
    } finally {
      this.discard(staged)
    }
  }

  /**
   * Opens an object for a streamed read. The descriptor is opened right after the row is read; if an overwrite removed
   * that file in between, the row is read again, so a reader always gets one whole version.
   */
  open(bucket: string, key: string): OpenObject | undefined {
    this.checkBucket(bucket)
    for (let attempt = 0; ; attempt++) {
      const row = this.row(bucket, key)
      if (!row) return undefined
      try {
        return { object: storedObject(row), fd: openSync(path.join(this.root, row.file), 'r') }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error
      }
    }
  }

  /**
   * DeleteObject: removes the object and, on a bucket with EventBridge notifications, emits `Object Deleted` as S3
   * does for an unversioned delete. Deleting a key that does not exist does nothing, as in S3.
   */
  delete(bucket: string, key: string): StoredObject | undefined {
    const { eventBridge } = this.checkBucket(bucket)
    const deleted = transaction(this.db, () => {
      const row = this.row(bucket, key)
      if (!row) return undefined
      this.db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?').run(bucket, key)
      this.db.prepare('DELETE FROM object_attributes WHERE bucket = ? AND key = ?').run(bucket, key)
      if (eventBridge) this.bus.publishServiceEvent('default', objectDeletedEvent(bucket, key, row.etag))
      return row
    })
    if (!deleted) return undefined
    rmSync(path.join(this.root, deleted.file), { force: true })
    return storedObject(deleted)
  }

  /**
   * One page of keys in UTF-8 binary order (SQLite's BINARY collation is that order), keys under `prefix` only; with a
   * delimiter, the keys that contain it after the prefix are rolled up into one common prefix each, which counts as one
   * entry against `maxKeys`, as ListObjectsV2 counts them.
   */
  list(bucket: string, options: ListOptions): ListPage {
    this.checkBucket(bucket)
    const prefix = options.prefix ?? ''
    const delimiter = options.delimiter || undefined
    const objects: StoredObject[] = []
    const commonPrefixes: string[] = []
    let last: ListPage['last']
    let lastPrefix = options.afterPrefix
    let cursor = options.afterPrefix ?? options.after ?? ''
    if (options.after !== undefined && options.afterPrefix !== undefined && options.after > options.afterPrefix)
      cursor = options.after
    const batch = this.db.prepare(
      `SELECT o.bucket, o.key, o.file, o.size, o.etag, o.content_type, o.last_modified, a.attributes
       FROM objects o LEFT JOIN object_attributes a ON a.bucket = o.bucket AND a.key = o.key
       WHERE o.bucket = ? AND o.key > ? AND o.key >= ? ORDER BY o.key LIMIT 1000`,
    )
    const page = (truncated: boolean): ListPage => ({ objects, commonPrefixes, truncated, ...(last ? { last } : {}) })
    for (;;) {
      const rows = batch.all(bucket, cursor, prefix) as unknown as ObjectRow[]
      if (rows.length === 0) return page(false)
      for (const row of rows) {
        cursor = row.key
        if (!row.key.startsWith(prefix)) return page(false)
        const cut = delimiter === undefined ? -1 : row.key.indexOf(delimiter, prefix.length)
        if (cut >= 0) {
          const common = row.key.slice(0, cut + delimiter!.length)
          if (common !== lastPrefix) {
            if (objects.length + commonPrefixes.length >= options.maxKeys) return page(true)
            commonPrefixes.push(common)
            lastPrefix = common
            last = { prefix: common }
          }
          // Skip the rest of this prefix's keys in one seek: U+10FFFF sorts after every other character in UTF-8.
          const beyond = `${common}\u{10FFFF}`
          if (!row.key.startsWith(beyond)) {
            cursor = beyond
            break
          }
          continue
        }
        if (objects.length + commonPrefixes.length >= options.maxKeys) return page(true)
        objects.push(storedObject(row))
        last = { key: row.key }
      }
    }
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
  commit(
    bucket: string,
    key: string,
    staged: string,
    size: number,
    etag: string,
    contentType: string,
    options: {
      readonly attributes?: ObjectAttributes
      readonly reason?: CreatedBy
      /** More writes that belong to the same commit (a completed upload's rows removed). */
      readonly alsoInTransaction?: () => void
      /** A condition on the object standing under the key, checked first in the transaction; throws to refuse. */
      readonly precondition?: (current: StoredObject | undefined) => void
    } = {},
  ): StoredObject {
    checkObjectKey(key)
    const { eventBridge } = this.checkBucket(bucket)
    const file = this.newFileFor(bucket, key)
    mkdirSync(path.dirname(file), { recursive: true })
    renameSync(staged, file)
    const attributes = options.attributes && hasAttributes(options.attributes) ? options.attributes : undefined
    const object: StoredObject = {
      bucket,
      key,
      size,
      etag,
      contentType,
      lastModified: new Date().toISOString(),
      ...(attributes ? { attributes } : {}),
    }
    let previous: string | undefined
    try {
      transaction(this.db, () => {
        const current = this.row(bucket, key)
        options.precondition?.(current && storedObject(current))
        previous = current?.file
        this.db
          .prepare(
            `INSERT INTO objects (bucket, key, file, size, etag, content_type, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (bucket, key) DO UPDATE SET file = excluded.file, size = excluded.size, etag = excluded.etag, content_type = excluded.content_type, last_modified = excluded.last_modified`,
          )
          .run(bucket, key, path.relative(this.root, file), size, etag, contentType, object.lastModified)
        this.db.prepare('DELETE FROM object_attributes WHERE bucket = ? AND key = ?').run(bucket, key)
        if (attributes)
          this.db
            .prepare('INSERT INTO object_attributes (bucket, key, attributes) VALUES (?, ?, ?)')
            .run(bucket, key, JSON.stringify(attributes))
        options.alsoInTransaction?.()
        if (eventBridge)
          this.bus.publishServiceEvent('default', objectCreatedEvent(object, options.reason ?? 'PutObject'))
      })
    } catch (error) {
      rmSync(file, { force: true })
      throw error
    }
    if (previous) rmSync(path.join(this.root, previous), { force: true })
    return object
  }

  private row(bucket: string, key: string): ObjectRow | undefined {
    return this.db
      .prepare(
        `SELECT o.bucket, o.key, o.file, o.size, o.etag, o.content_type, o.last_modified, a.attributes
         FROM objects o LEFT JOIN object_attributes a ON a.bucket = o.bucket AND a.key = o.key
         WHERE o.bucket = ? AND o.key = ?`,
      )
      .get(bucket, key) as ObjectRow | undefined
  }

  /** A folder for one multipart upload's parts, named by the upload id the server generated. */
  partsFolder(bucket: string, uploadId: string): string {
    this.checkBucket(bucket)
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(uploadId)) throw new Error(`Not an upload id of this server: ${uploadId}`)
    return path.join(this.root, bucket, '.multipart', uploadId)
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

interface ObjectRow {
  bucket: string
  key: string
  file: string
  size: number
  etag: string
  content_type: string
  last_modified: string
  attributes?: string | null
}

const storedObject = (row: ObjectRow): StoredObject => ({
  bucket: row.bucket,
  key: row.key,
  size: row.size,
  etag: row.etag,
  contentType: row.content_type,
  lastModified: row.last_modified,
  ...(row.attributes ? { attributes: JSON.parse(row.attributes) as ObjectAttributes } : {}),
})

const hasAttributes = (attributes: ObjectAttributes): boolean =>
  Object.keys(attributes.metadata ?? {}).length > 0 ||
  Object.keys(attributes.headers ?? {}).length > 0 ||
  (attributes.partSizes?.length ?? 0) > 0

/** S3's NoSuchKey, naming the key. */
export const noSuchKey = (key: string): S3Refusal =>
  new S3Refusal('NoSuchKey', 'The specified key does not exist.', { Key: key })

let sequence = 0
/** S3's `sequencer`: a hex number that grows with every event of a key, so consumers can order them. */
const sequencer = () =>
  (BigInt(Date.now()) * 1000n + BigInt(sequence++ % 1000)).toString(16).toUpperCase().padStart(18, '0')

/** The `Object Created` event S3 sends through EventBridge (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
export const objectCreatedEvent = (object: StoredObject, reason: CreatedBy = 'PutObject') => ({
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
    reason,
  },
})

/** The `Object Deleted` event S3 sends through EventBridge for a DeleteObject on an unversioned bucket (same page). */
export const objectDeletedEvent = (bucket: string, key: string, etag: string) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': ObjectDeletedType,
  source: S3Source,
  account: LocalAccount,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: LocalRegion,
  resources: [`arn:aws:s3:::${bucket}`],
  detail: {
    version: '0',
    bucket: { name: bucket },
    object: { key, etag, sequencer: sequencer() },
    'request-id': randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
    requester: LocalAccount,
    'source-ip-address': '127.0.0.1',
    reason: 'DeleteObject',
    'deletion-type': 'Permanently Deleted',
  },
})
