import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { DatabaseSync } from 'node:sqlite'
import { transaction } from '../kernel/db'
import { checkObjectKey, type LocalObjectStore, type ObjectAttributes, type StoredObject } from './object-store'
import { receiveToFile, type Received } from './receive'
import { entityTooLarge, S3Refusal } from './refusal'

/** Every part but the last is at least 5 MiB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const MinPartBytes = 5 * 1024 * 1024
/** Part numbers run from 1 to 10,000 (same page). */
export const MaxPartNumber = 10_000

/** A multipart upload in progress: invisible in the bucket until it is completed. */
export interface MultipartUpload {
  readonly uploadId: string
  readonly bucket: string
  readonly key: string
  readonly contentType: string
  readonly attributes: ObjectAttributes
  readonly initiated: string
}

/** A checksum the client sent with a part, kept to compare with the one it names in CompleteMultipartUpload. */
export interface PartChecksum {
  /** `CRC32`, `CRC32C`, `CRC64NVME`, `SHA1` or `SHA256`. */
  readonly algorithm: string
  /** Base64, as the `x-amz-checksum-*` header carries it. */
  readonly value: string
}

export interface UploadedPart {
  readonly partNumber: number
  readonly size: number
  /** MD5 hex of the part: its ETag, unquoted. */
  readonly etag: string
  readonly checksum?: PartChecksum
  readonly lastModified: string
}

/** A part as CompleteMultipartUpload lists it. */
export interface CompletedPart {
  readonly partNumber: number
  readonly etag: string
  readonly checksums?: Readonly<Record<string, string>>
}

/** S3's NoSuchUpload: unknown, aborted or completed, or for another key. */
export const noSuchUpload = (uploadId: string): S3Refusal =>
  new S3Refusal(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  )

const invalidPart = (uploadId: string, part: CompletedPart): S3Refusal =>
  new S3Refusal(
    'InvalidPart',
    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    { UploadId: uploadId, PartNumber: String(part.partNumber), ETag: part.etag },
  )

interface UploadRow {
  upload_id: string
  bucket: string
  key: string
  content_type: string
  attributes: string
  initiated: string
}

const multipartUpload = (row: UploadRow): MultipartUpload => ({
  uploadId: row.upload_id,
  bucket: row.bucket,
  key: row.key,
  contentType: row.content_type,
  attributes: JSON.parse(row.attributes) as ObjectAttributes,
  initiated: row.initiated,
})

/** ETags come quoted or not, and S3 compares them without the quotes. */
const bareEtag = (etag: string) => etag.trim().replace(/^"(.*)"$/, '$1')

/**
 * Multipart uploads (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html): the upload and its parts
 * in SQLite, each part's bytes in a file under `<bucket>/.multipart/<upload id>/`, a folder the server names by the id
 * it generated (never by anything a client sends). Completing concatenates the listed parts into a staged object,
 * commits it with its `Object Created` event and removes the upload's rows in the same transaction, then its folder;
 * aborting removes both. Parts go through the same streamed write, and the same limit, as every upload.
 */
export class LocalMultipartUploads {
  /** Uploads being completed: a part upload or an abort meanwhile waits for the outcome. */
  private readonly completing = new Map<string, Promise<unknown>>()

  constructor(
    private readonly db: DatabaseSync,
    private readonly store: LocalObjectStore,
  ) {}

  /** CreateMultipartUpload: checks the bucket and key first, so a refused key leaves nothing behind. */
  create(bucket: string, key: string, contentType: string, attributes: ObjectAttributes = {}): MultipartUpload {
    checkObjectKey(key)
    const uploadId = randomBytes(48).toString('base64url')
    const folder = this.store.partsFolder(bucket, uploadId)
    const upload: MultipartUpload = {
      uploadId,
      bucket,
      key,
      contentType,
      attributes,
      initiated: new Date().toISOString(),
    }
    mkdirSync(folder, { recursive: true })
    transaction(this.db, () => {
      this.db
        .prepare(
          'INSERT INTO multipart_uploads (upload_id, bucket, key, content_type, attributes, initiated) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(uploadId, bucket, key, contentType, JSON.stringify(attributes), upload.initiated)
    })
    return upload
  }

  /** The upload of that id for that bucket and key; S3 answers NoSuchUpload for an id used with another key. */
  find(uploadId: string, bucket: string, key: string): MultipartUpload | undefined {
    const row = this.db
      .prepare(
        'SELECT upload_id, bucket, key, content_type, attributes, initiated FROM multipart_uploads WHERE upload_id = ?',
      )
      .get(uploadId) as UploadRow | undefined
    return row && row.bucket === bucket && row.key === key ? multipartUpload(row) : undefined
  }

  private require(uploadId: string, bucket: string, key: string): MultipartUpload {
    const upload = this.find(uploadId, bucket, key)
    if (!upload) throw noSuchUpload(uploadId)
    return upload
  }

  /** The parts uploaded so far, by part number. */
  parts(uploadId: string): UploadedPart[] {
    const rows = this.db
      .prepare(
        'SELECT part_number, size, etag, checksum, last_modified FROM multipart_parts WHERE upload_id = ? ORDER BY part_number',
      )
      .all(uploadId) as Array<{
      part_number: number
      size: number
      etag: string
      checksum: string | null
      last_modified: string
    }>
    return rows.map((row) => ({
      partNumber: row.part_number,
      size: row.size,
      etag: row.etag,
      ...(row.checksum ? { checksum: JSON.parse(row.checksum) as PartChecksum } : {}),
      lastModified: row.last_modified,
    }))
  }

  /** The uploads in progress in a bucket, by key and then by when they started (ListMultipartUploads' order). */
  list(bucket: string): MultipartUpload[] {
    const rows = this.db
      .prepare(
        `SELECT upload_id, bucket, key, content_type, attributes, initiated FROM multipart_uploads
         WHERE bucket = ? ORDER BY key, initiated, upload_id`,
      )
      .all(bucket) as unknown as UploadRow[]
    return rows.map(multipartUpload)
  }

  /**
   * UploadPart: the body streamed into a file of the upload's folder through the shared streamed write, at most
   * `limit` bytes; uploading a part number again replaces that part, as S3 does. The part becomes visible in one step
   * (its file renamed into place and its row written), and only while the upload still exists.
   */
  async uploadPart(
    uploadId: string,
    bucket: string,
    key: string,
    partNumber: number,
    body: AsyncIterable<Buffer> | NodeJS.ReadableStream,
    options: {
      readonly limit: number
      readonly declaredSize?: number
      readonly verify?: (received: Received) => void
      /** The checksum the client sent with the part, once `verify` has checked it. */
      readonly checksum?: () => PartChecksum | undefined
    },
  ): Promise<UploadedPart> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MaxPartNumber)
      throw new Error(`Not a part number: ${partNumber}`)
    const upload = this.require(uploadId, bucket, key)
    const folder = this.store.partsFolder(upload.bucket, upload.uploadId)
    const staged = path.join(folder, `${partNumber}.${randomUUID()}.receiving`)
    try {
      let received: Received
      try {
        received = await receiveToFile(body, staged, options.limit, options.declaredSize)
      } catch (error) {
        // Aborted while the part was arriving: its folder is gone, and so is the upload.
        if (!this.find(upload.uploadId, bucket, key)) throw noSuchUpload(uploadId)
        throw error
      }
      options.verify?.(received)
      await this.completing.get(upload.uploadId)
      // Synchronous from here: nothing else runs between the check and the row.
      if (!this.find(upload.uploadId, bucket, key)) throw noSuchUpload(uploadId)
      const checksum = options.checksum?.()
      const part: UploadedPart = {
        partNumber,
        size: received.size,
        etag: received.md5.toString('hex'),
        ...(checksum ? { checksum } : {}),
        lastModified: new Date().toISOString(),
      }
      renameSync(staged, path.join(folder, String(partNumber)))
      transaction(this.db, () => {
        this.db
          .prepare(
            `INSERT INTO multipart_parts (upload_id, part_number, size, etag, checksum, last_modified) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag, checksum = excluded.checksum, last_modified = excluded.last_modified`,
          )
          .run(
            upload.uploadId,
            partNumber,
            part.size,
            part.etag,
            part.checksum ? JSON.stringify(part.checksum) : null,
            part.lastModified,
          )
      })
      return part
    } finally {
      rmSync(staged, { force: true })
    }
  }

  /**
   * CompleteMultipartUpload: checks the list as S3 does (ascending part numbers, each part uploaded with that ETag,
   * every part but the last at least 5 MiB, the whole within the upload limit), concatenates the parts into the
   * object, whose ETag is the MD5 of the parts' binary MD5s followed by `-` and their count
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html), and leaves no part behind.
   */
  async complete(
    uploadId: string,
    bucket: string,
    key: string,
    listed: ReadonlyArray<CompletedPart>,
    limit: number,
  ): Promise<StoredObject> {
    await this.completing.get(uploadId)
    const upload = this.require(uploadId, bucket, key)
    const uploaded = new Map(this.parts(upload.uploadId).map((part) => [part.partNumber, part]))
    const chosen: UploadedPart[] = []
    listed.forEach((part, index) => {
      if (index > 0 && part.partNumber <= listed[index - 1]!.partNumber)
        throw new S3Refusal(
          'InvalidPartOrder',
          'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
          { UploadId: uploadId },
        )
      const found = uploaded.get(part.partNumber)
      if (!found || found.etag !== bareEtag(part.etag).toLowerCase()) throw invalidPart(uploadId, part)
      for (const [algorithm, value] of Object.entries(part.checksums ?? {}))
        if (found.checksum?.algorithm !== algorithm || found.checksum.value !== value) throw invalidPart(uploadId, part)
      chosen.push(found)
    })
    chosen.forEach((part, index) => {
      if (index < chosen.length - 1 && part.size < MinPartBytes)
        throw new S3Refusal('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MinPartBytes),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        })
    })
    const total = chosen.reduce((sum, part) => sum + part.size, 0)
    if (total > limit) throw entityTooLarge(limit, total)

    const assembling = this.assemble(upload, chosen)
    this.completing.set(
      upload.uploadId,
      assembling.catch(() => undefined),
    )
    try {
      return await assembling
    } finally {
      this.completing.delete(upload.uploadId)
    }
  }

  private async assemble(upload: MultipartUpload, parts: ReadonlyArray<UploadedPart>): Promise<StoredObject> {
    const folder = this.store.partsFolder(upload.bucket, upload.uploadId)
    const staged = this.store.stage(upload.bucket)
    try {
      const out = createWriteStream(staged)
      for (const part of parts)
        await pipeline(createReadStream(path.join(folder, String(part.partNumber))), out, { end: false })
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      )
      const digests = Buffer.concat(parts.map((part) => Buffer.from(part.etag, 'hex')))
      const etag = `${createHash('md5').update(digests).digest('hex')}-${parts.length}`
      const size = parts.reduce((sum, part) => sum + part.size, 0)
      const object = this.store.commit(upload.bucket, upload.key, staged, size, etag, upload.contentType, {
        attributes: { ...upload.attributes, partSizes: parts.map((part) => part.size) },
        reason: 'CompleteMultipartUpload',
        alsoInTransaction: () => this.forget(upload.uploadId),
      })
      rmSync(folder, { recursive: true, force: true })
      return object
    } finally {
      this.store.discard(staged)
    }
  }

  /** AbortMultipartUpload: the upload and every part of it are gone; a part still arriving is refused. */
  async abort(uploadId: string, bucket: string, key: string): Promise<void> {
    await this.completing.get(uploadId)
    const upload = this.require(uploadId, bucket, key)
    transaction(this.db, () => this.forget(upload.uploadId))
    rmSync(this.store.partsFolder(upload.bucket, upload.uploadId), { recursive: true, force: true })
  }

  private forget(uploadId: string): void {
    this.db.prepare('DELETE FROM multipart_parts WHERE upload_id = ?').run(uploadId)
    this.db.prepare('DELETE FROM multipart_uploads WHERE upload_id = ?').run(uploadId)
  }
}
