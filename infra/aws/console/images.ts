import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { parseJson } from '../client/context'
import { uploadObject } from '../client/images'
import type { ImageRecord } from '../../../contracts/images'
import { RenditionsPrefix, UploadsPrefix } from '../../../contracts/sources'
import { type ImageView, type Page, type UploadResult } from '../../console/port'
import { badField, type ConsoleContext } from './context'
import { limitOf } from './executions'
import type { StackMap } from './stack-map'
import { HttpError } from '../../http/errors'

/**
 * Where the console server serves a rendition from the bucket. A presigned S3 URL would let the browser fetch it
 * directly, but the presigner is not among the dependencies: the server reads the object (S3 GetObject) and answers it.
 */
export const ObjectsRoute = '/console/aws/objects/'

export const thumbnailUrl = (key: string): string =>
  `${ObjectsRoute}${key.split('/').map(encodeURIComponent).join('/')}`

/** S3 allows 1024 bytes; a `..` or empty segment, or a leading slash, is no key a person meant. */
const checkKey = (field: string, key: string): void => {
  if (key === '' || Buffer.byteLength(key) > 1024) throw badField(field, 'between 1 and 1024 bytes')
  if (key.startsWith('/') || key.split('/').some((segment) => segment === '..' || segment === '.' || segment === ''))
    throw badField(field, `not a plain object key (got ${key})`)
  if ([...key].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f))
    throw badField(field, 'control characters are not allowed')
}

/** The image table and the bucket, for the console: records with their renditions, uploads, and the renditions' bytes. */
export class ConsoleImages {
  constructor(
    private readonly context: ConsoleContext,
    private readonly stack: StackMap,
  ) {}

  /**
   * A Scan of the image table, `limit` items at a time; the cursor is DynamoDB's LastEvaluatedKey. A Scan has no order:
   * each page is sorted newest first, the pages are not.
   */
  async list(query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ImageView>> {
    const limit = limitOf(query.limit)
    const start = query.cursor ? decodeKey(query.cursor) : undefined
    const table = await this.stack.imageTable()
    const answer = await this.context.aws.call('DynamoDB', () =>
      this.context.clients.dynamodb.send(
        new ScanCommand({ TableName: table, Limit: limit, ...(start ? { ExclusiveStartKey: start } : {}) }),
      ),
    )
    const items = (answer.Items ?? [])
      .map((item) => unmarshall(item) as Partial<ImageRecord>)
      .filter((record): record is Partial<ImageRecord> & { key: string } => typeof record.key === 'string')
      .map((record): ImageView => ({
        key: record.key,
        status: record.status === 'PROCESSED' || record.status === 'FAILED' ? record.status : 'PENDING',
        thumbnails: (record.renditions ?? []).map((rendition) => ({
          rendition: rendition.name,
          url: thumbnailUrl(rendition.key),
        })),
        ...(record.updatedAt ? { updatedAt: record.updatedAt } : {}),
      }))
      .sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''))
    return answer.LastEvaluatedKey
      ? { items, next: Buffer.from(JSON.stringify(answer.LastEvaluatedKey)).toString('base64url') }
      : { items }
  }

  /** S3 PutObject under `uploads/` (a key given with the prefix keeps it once), where the image workflow picks it up. */
  async upload(key: string, body: Uint8Array, contentType?: string): Promise<UploadResult> {
    const relative = key.startsWith(UploadsPrefix) ? key.slice(UploadsPrefix.length) : key
    checkKey('key', relative)
    const uploaded = await uploadObject(
      this.context.aws,
      relative,
      body,
      contentType?.trim() || 'application/octet-stream',
    )
    return {
      bucket: uploaded.bucket,
      key: uploaded.key,
      size: uploaded.size,
      ...(uploaded.etag ? { etag: uploaded.etag } : {}),
    }
  }

  /** A rendition's bytes (S3 GetObject); only keys under the renditions prefix are served. */
  async rendition(key: string): Promise<{ readonly body: Uint8Array; readonly contentType: string }> {
    checkKey('key', key)
    if (!key.startsWith(RenditionsPrefix))
      throw new HttpError(404, 'NotFound', `key: only renditions (${RenditionsPrefix}...) are served`)
    const bucket = await this.context.aws.stack.output('BucketName')
    const answer = await this.context.aws.call('S3', () =>
      this.context.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
    )
    return {
      body: (await answer.Body?.transformToByteArray()) ?? new Uint8Array(),
      contentType: answer.ContentType ?? 'application/octet-stream',
    }
  }
}

const decodeKey = (cursor: string): Record<string, AttributeValue> => {
  const key = parseJson(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (typeof key !== 'object' || key === null || Array.isArray(key) || Object.keys(key).length === 0)
    throw badField('cursor', 'not a cursor this console made')
  return key as Record<string, AttributeValue>
}
