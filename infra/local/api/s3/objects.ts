import { createReadStream, closeSync } from 'node:fs'
import type { OutgoingHttpHeaders } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { Either, Schema } from 'effect'
import {
  ContinuationToken,
  DeleteObjectsBody,
  EncodingTypeParam,
  MetadataDirective,
} from '../../../../contracts/aws/s3'
import { LocalRegion } from '../../model/template'
import { checkObjectKey, type ObjectAttributes, type StoredObject } from '../../s3/object-store'
import { requestBody, readSmallBody } from './body'
import { bucketOf, headerOf, keyOf, maxItems, type S3Call } from './context'
import { expectRoot, fieldsOf, MalformedXml, parseXml } from './xml-input'
import {
  encodedWhen,
  httpDate,
  invalidArgument,
  LocalOwner,
  malformedXml,
  noSuchBucket,
  notImplemented,
  quoted,
  s3Error,
  sendEmpty,
  sendXml,
  sendXmlText,
  xmlTimestamp,
} from './wire'
import { asS3Error } from './refusals'

/** Every object is encrypted at rest with SSE-S3, as S3 does for every bucket since 2023; the answers say so. */
export const Encryption = { 'x-amz-server-side-encryption': 'AES256' } as const

/** The largest XML document a request may carry (a CompleteMultipartUpload of 10,000 parts fits). */
export const MaxXmlBodyBytes = 2 * 1024 * 1024

/** The stored headers S3 keeps with an object and gives back (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html). */
const StoredHeaders = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires']

/** User metadata is at most 2 KB, names and values together (same page). */
const MaxMetadataBytes = 2048

// ---------------------------------------------------------------------------------------------------------------
// Headers a request may carry that imply what the local runtime does not do: S3's NotImplemented names them.

/**
 * Headers that ask for something the local runtime does not keep (tags, object lock, customer or KMS keys, website
 * redirects, other storage classes): refused as S3 refuses functionality it does not implement, never ignored.
 */
export const refuseUnsupportedHeaders = (call: S3Call): void => {
  const headers = call.req.headers
  const refuse = (header: string) =>
    s3Error(501, 'NotImplemented', `A header you provided implies functionality that is not implemented: ${header}`, {
      Header: header,
    })
  for (const header of [
    'x-amz-tagging',
    'x-amz-object-lock-mode',
    'x-amz-object-lock-retain-until-date',
    'x-amz-object-lock-legal-hold',
    'x-amz-server-side-encryption-customer-algorithm',
    'x-amz-server-side-encryption-aws-kms-key-id',
    'x-amz-website-redirect-location',
    'x-amz-write-offset-bytes',
  ])
    if (headers[header] !== undefined) throw refuse(header)
  const encryption = headerOf(call, 'x-amz-server-side-encryption')
  if (encryption !== undefined && encryption !== 'AES256') throw refuse('x-amz-server-side-encryption')
  const storageClass = headerOf(call, 'x-amz-storage-class')
  if (storageClass !== undefined && storageClass !== 'STANDARD') throw refuse('x-amz-storage-class')
  // The template's buckets enforce bucket-owner ownership: ACLs other than the owner's are refused, as S3 refuses them.
  const acl = headerOf(call, 'x-amz-acl')
  const grants = Object.keys(headers).some((name) => name.startsWith('x-amz-grant-'))
  if (grants || (acl !== undefined && acl !== 'private' && acl !== 'bucket-owner-full-control'))
    throw s3Error(400, 'AccessControlListNotSupported', 'The bucket does not allow ACLs')
}

/** `x-amz-meta-*` and the stored headers of a request, as S3 keeps them with the object. */
export const attributesFromRequest = (call: S3Call, contentEncoding?: string): ObjectAttributes => {
  const metadata: Record<string, string> = {}
  let size = 0
  for (const [name, value] of Object.entries(call.req.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue
    const text = Array.isArray(value) ? value.join(',') : value
    metadata[name.slice('x-amz-meta-'.length)] = text
    size += Buffer.byteLength(name.slice('x-amz-meta-'.length)) + Buffer.byteLength(text)
  }
  if (size > MaxMetadataBytes)
    throw s3Error(400, 'MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', {
      Size: String(size),
      MaxSizeAllowed: String(MaxMetadataBytes),
    })
  const headers: Record<string, string> = {}
  for (const name of StoredHeaders) {
    const value = name === 'content-encoding' ? contentEncoding : headerOf(call, name)
    if (value !== undefined && value !== '') headers[name] = value
  }
  return {
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  }
}

/** S3's default content type for an object put without one. */
export const DefaultContentType = 'binary/octet-stream'

/** The headers of a GetObject or HeadObject answer: what S3 kept with the object. */
const objectHeaders = (object: StoredObject): OutgoingHttpHeaders => {
  const headers: OutgoingHttpHeaders = {
    'content-type': object.contentType,
    etag: quoted(object.etag),
    'last-modified': httpDate(object.lastModified),
    'accept-ranges': 'bytes',
    ...Encryption,
  }
  for (const [name, value] of Object.entries(object.attributes?.headers ?? {})) headers[name] = value
  for (const [name, value] of Object.entries(object.attributes?.metadata ?? {})) headers[`x-amz-meta-${name}`] = value
  return headers
}

// ---------------------------------------------------------------------------------------------------------------
// Conditional requests (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax)

const etagMatches = (condition: string, etag: string): boolean =>
  condition
    .split(',')
    .map((item) =>
      item
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .some((item) => item === '*' || item === etag)

/** A date header as epoch seconds, or undefined when it is not a date (S3 then ignores it). */
const secondsOf = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000)
}

/**
 * The outcome of If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since, with the precedence S3 documents:
 * If-Match true wins over If-Unmodified-Since false, If-None-Match false over If-Modified-Since true.
 */
export const evaluatePreconditions = (
  headers: {
    readonly ifMatch?: string
    readonly ifNoneMatch?: string
    readonly ifModifiedSince?: string
    readonly ifUnmodifiedSince?: string
  },
  object: Pick<StoredObject, 'etag' | 'lastModified'>,
): 'ok' | 'not-modified' | { readonly failed: string } => {
  const modified = Math.floor(Date.parse(object.lastModified) / 1000)
  if (headers.ifMatch !== undefined) {
    if (!etagMatches(headers.ifMatch, object.etag)) return { failed: 'If-Match' }
  } else {
    const since = secondsOf(headers.ifUnmodifiedSince)
    if (since !== undefined && modified > since) return { failed: 'If-Unmodified-Since' }
  }
  if (headers.ifNoneMatch !== undefined) {
    if (etagMatches(headers.ifNoneMatch, object.etag)) return 'not-modified'
  } else {
    const since = secondsOf(headers.ifModifiedSince)
    if (since !== undefined && modified <= since) return 'not-modified'
  }
  return 'ok'
}

const preconditionFailed = (condition: string) =>
  s3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
    Condition: condition,
  })

// ---------------------------------------------------------------------------------------------------------------
// Ranges (https://www.rfc-editor.org/rfc/rfc9110#name-range-requests, as GetObject takes them)

/**
 * A `Range: bytes=…` header against an object's size: one range (`a-b`, `a-`, `-n`) is served; a header that is not
 * one byte range is ignored and the whole object is served, as S3 does; a range that starts past the end is
 * unsatisfiable (S3's InvalidRange, 416).
 */
export const parseRange = (
  header: string,
  size: number,
): { readonly start: number; readonly end: number } | 'whole' | 'unsatisfiable' => {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return 'whole'
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  if (match[2] !== '' && Number(match[2]) < start) return 'whole'
  if (start >= size) return 'unsatisfiable'
  return { start, end: match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1) }
}

// ---------------------------------------------------------------------------------------------------------------
// Buckets

/** ListBuckets (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html): the template's buckets. */
export const listBuckets = (call: S3Call): void => {
  const prefix = call.query.get('prefix') ?? ''
  const after = call.query.get('continuation-token') ?? ''
  const max = call.query.has('max-buckets')
    ? maxItems(call, 'max-buckets', 'Provided max-buckets not an integer or within integer range')
    : 10_000
  const names = call.store.bucketNames.filter((name) => name.startsWith(prefix) && name > after).sort()
  const page = names.slice(0, max)
  sendXml(call.res, call.ids, 'ListAllMyBucketsResult', {
    Buckets: {
      Bucket: page.map((name) => ({ Name: name, CreationDate: call.bucketsCreated, BucketRegion: LocalRegion })),
    },
    Owner: LocalOwner,
    ContinuationToken: names.length > page.length ? page[page.length - 1] : undefined,
    Prefix: call.query.has('prefix') ? prefix : undefined,
  })
}

/** HeadBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html): 200 with its region, or 404. */
export const headBucket = (call: S3Call): void => {
  bucketOf(call)
  sendEmpty(call.res, call.ids, 200, { 'x-amz-bucket-region': LocalRegion, 'x-amz-access-point-alias': 'false' })
}

/** GetBucketLocation (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html): empty for us-east-1. */
export const getBucketLocation = (call: S3Call): void => {
  bucketOf(call)
  sendXmlText(call.res, call.ids, 'LocationConstraint', LocalRegion === 'us-east-1' ? '' : LocalRegion)
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

const encodingTypeOf = (call: S3Call): boolean => {
  const raw = call.query.get('encoding-type')
  if (raw === null) return false
  if (Either.isLeft(Schema.decodeUnknownEither(EncodingTypeParam)(raw)))
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', raw)
  return true
}

const contentsOf = (
  objects: ReadonlyArray<StoredObject>,
  encode: (text: string) => string | undefined,
  owner: boolean,
) =>
  objects.map((object) => ({
    Key: encode(object.key),
    LastModified: xmlTimestamp(object.lastModified),
    ETag: quoted(object.etag),
    Size: object.size,
    StorageClass: 'STANDARD',
    Owner: owner ? LocalOwner : undefined,
  }))

const encodeToken = (last: { key: string } | { prefix: string }) =>
  Buffer.from(JSON.stringify(last), 'utf8').toString('base64')

const decodeToken = (token: string): ContinuationToken => {
  const incorrect = () => invalidArgument('The continuation token provided is incorrect', 'continuation-token', token)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw incorrect()
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'))
  } catch {
    throw incorrect()
  }
  const decoded = Schema.decodeUnknownEither(ContinuationToken)(parsed, { onExcessProperty: 'error' })
  if (Either.isLeft(decoded)) throw incorrect()
  return decoded.right
}

/**
 * ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html): prefix, delimiter and
 * CommonPrefixes, max-keys (keys and prefixes together, at most 1,000), an opaque continuation token that resumes after
 * the last key or prefix, start-after, fetch-owner and encoding-type=url.
 */
export const listObjectsV2 = (call: S3Call): void => {
  const bucket = bucketOf(call)
  const url = encodingTypeOf(call)
  const encode = encodedWhen(url)
  const maxKeys = maxItems(call, 'max-keys', 'Provided max-keys not an integer or within integer range')
  const prefix = call.query.get('prefix') ?? ''
  const delimiter = call.query.get('delimiter') ?? undefined
  const token = call.query.get('continuation-token') ?? undefined
  const startAfter = call.query.get('start-after') ?? undefined
  if (token === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', '')
  const resume = token === undefined ? undefined : decodeToken(token)
  const page = call.store.list(bucket, {
    prefix,
    ...(delimiter ? { delimiter } : {}),
    ...(resume && 'key' in resume ? { after: resume.key } : {}),
    ...(resume && 'prefix' in resume ? { afterPrefix: resume.prefix } : {}),
    ...(!resume && startAfter ? { after: startAfter } : {}),
    maxKeys,
  })
  sendXml(call.res, call.ids, 'ListBucketResult', {
    Name: bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter ? encode(delimiter) : undefined,
    MaxKeys: maxKeys,
    EncodingType: url ? 'url' : undefined,
    KeyCount: page.objects.length + page.commonPrefixes.length,
    IsTruncated: page.truncated,
    ContinuationToken: token,
    NextContinuationToken: page.truncated && page.last ? encodeToken(page.last) : undefined,
    StartAfter: startAfter === undefined ? undefined : encode(startAfter),
    Contents: contentsOf(page.objects, encode, call.query.get('fetch-owner') === 'true'),
    CommonPrefixes: page.commonPrefixes.map((common) => ({ Prefix: encode(common) })),
  })
}

/** ListObjects, version 1 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html): a marker to resume. */
export const listObjects = (call: S3Call): void => {
  const bucket = bucketOf(call)
  const url = encodingTypeOf(call)
  const encode = encodedWhen(url)
  const maxKeys = maxItems(call, 'max-keys', 'Provided max-keys not an integer or within integer range')
  const prefix = call.query.get('prefix') ?? ''
  const delimiter = call.query.get('delimiter') ?? undefined
  const marker = call.query.get('marker') ?? ''
  const page = call.store.list(bucket, {
    prefix,
    ...(delimiter ? { delimiter } : {}),
    ...(marker ? { after: marker } : {}),
    maxKeys,
  })
  const last = page.last && ('key' in page.last ? page.last.key : page.last.prefix)
  sendXml(call.res, call.ids, 'ListBucketResult', {
    Name: bucket,
    Prefix: encode(prefix),
    Marker: encode(marker),
    // S3 gives NextMarker only with a delimiter; without one, the last key is the next marker.
    NextMarker: page.truncated && delimiter && last !== undefined ? encode(last) : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter ? encode(delimiter) : undefined,
    EncodingType: url ? 'url' : undefined,
    IsTruncated: page.truncated,
    Contents: contentsOf(page.objects, encode, true),
    CommonPrefixes: page.commonPrefixes.map((common) => ({ Prefix: encode(common) })),
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Objects

const refuseVersions = (call: S3Call): void => {
  const version = call.query.get('versionId')
  if (version !== null && version !== 'null') throw notImplemented('Reading or deleting an object version (versionId)')
}

const responseOverrides: Readonly<Record<string, string>> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
}

/**
 * GetObject and HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): the stored headers and metadata, conditional
 * requests (304, 412), one byte range (206 with Content-Range; 416 InvalidRange past the end) or one part of a
 * multipart object (`partNumber`), and the `response-*` overrides; the content streamed from its file.
 */
export const getObject = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  refuseVersions(call)
  const opened = call.store.open(bucket, key)
  if (!opened) throw s3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key })
  let fd: number | undefined = opened.fd
  try {
    const { object } = opened
    const outcome = evaluatePreconditions(
      {
        ...optional('ifMatch', headerOf(call, 'if-match')),
        ...optional('ifNoneMatch', headerOf(call, 'if-none-match')),
        ...optional('ifModifiedSince', headerOf(call, 'if-modified-since')),
        ...optional('ifUnmodifiedSince', headerOf(call, 'if-unmodified-since')),
      },
      object,
    )
    if (typeof outcome === 'object') throw preconditionFailed(outcome.failed)
    const headers = objectHeaders(object)
    if (outcome === 'not-modified') {
      call.res.writeHead(304, {
        'x-amz-request-id': call.ids.requestId,
        'x-amz-id-2': call.ids.hostId,
        server: 'AmazonS3',
        etag: headers.etag!,
        'last-modified': headers['last-modified']!,
      })
      call.res.end()
      return
    }
    for (const [parameter, header] of Object.entries(responseOverrides)) {
      const value = call.query.get(parameter)
      if (value !== null) headers[header] = value
    }

    let start = 0
    let end = object.size - 1
    let status = 200
    const rangeHeader = headerOf(call, 'range')
    const partParam = call.query.get('partNumber')
    if (partParam !== null) {
      if (rangeHeader !== undefined)
        throw s3Error(400, 'InvalidRequest', 'Cannot specify both Range header and partNumber query parameter')
      const parts = object.attributes?.partSizes ?? [object.size]
      const partNumber = /^\d{1,5}$/.test(partParam) ? Number(partParam) : Number.NaN
      if (!(partNumber >= 1 && partNumber <= 10_000))
        throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', partParam)
      if (partNumber > parts.length)
        throw s3Error(416, 'InvalidPartNumber', 'The requested partnumber is not satisfiable', {
          PartNumberRequested: partParam,
          ActualPartCount: String(parts.length),
        })
      start = parts.slice(0, partNumber - 1).reduce((sum, size) => sum + size, 0)
      end = start + parts[partNumber - 1]! - 1
      status = 206
      headers['x-amz-mp-parts-count'] = String(parts.length)
    } else if (rangeHeader !== undefined) {
      const range = parseRange(rangeHeader, object.size)
      if (range === 'unsatisfiable')
        throw s3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
          RangeRequested: rangeHeader,
          ActualObjectSize: String(object.size),
        })
      if (range !== 'whole') {
        start = range.start
        end = range.end
        status = 206
      }
    }
    if (status === 206) headers['content-range'] = `bytes ${start}-${Math.max(end, start - 1)}/${object.size}`
    const length = Math.max(0, end - start + 1)
    call.res.writeHead(status, {
      'x-amz-request-id': call.ids.requestId,
      'x-amz-id-2': call.ids.hostId,
      server: 'AmazonS3',
      ...headers,
      'content-length': length,
    })
    if (call.req.method === 'HEAD' || length === 0) {
      call.res.end()
      return
    }
    const stream = createReadStream('', { fd, start, end, autoClose: true })
    fd = undefined
    await pipeline(stream, call.res)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const optional = <K extends string>(name: K, value: string | undefined) =>
  (value === undefined ? {} : { [name]: value }) as Partial<Record<K, string>>

/**
 * PutObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html): streamed through the same write as
 * the project's `PUT /uploads/{key}` (one limit, one `Object Created` event), with S3's checks: the key, a length,
 * Content-MD5 and checksums, If-None-Match and If-Match. Answers the quoted MD5 ETag.
 */
export const putObject = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  checkObjectKey(key)
  refuseUnsupportedHeaders(call)
  const body = requestBody(call.req)
  const attributes = attributesFromRequest(call, body.contentEncoding)
  const ifNoneMatch = headerOf(call, 'if-none-match')
  const ifMatch = headerOf(call, 'if-match')
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*')
    throw notImplemented('If-None-Match on PutObject with a value other than "*"')
  const precondition = (current: StoredObject | undefined) => {
    if (ifNoneMatch === '*' && current) throw preconditionFailed('If-None-Match')
    if (ifMatch !== undefined) {
      if (!current) throw s3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key })
      if (!etagMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match')
    }
  }
  if (ifNoneMatch !== undefined || ifMatch !== undefined) precondition(call.store.head(bucket, key))
  const object = await call.store.putStream(bucket, key, body.stream, {
    limit: call.maxUploadBytes,
    ...(body.declaredSize === undefined ? {} : { declaredSize: body.declaredSize }),
    contentType: headerOf(call, 'content-type') ?? DefaultContentType,
    attributes,
    verify: (received) => body.verify(received),
    ...(ifNoneMatch !== undefined || ifMatch !== undefined ? { precondition } : {}),
  })
  const checksum = body.checksum()
  sendEmpty(call.res, call.ids, 200, {
    etag: quoted(object.etag),
    ...Encryption,
    ...(checksum ? { [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value } : {}),
  })
}

/** `x-amz-copy-source`: `bucket/key` or `/bucket/key`, percent-encoded, maybe with `?versionId=`. */
export const parseCopySource = (value: string): { readonly bucket: string; readonly key: string } => {
  const [path = '', query] = value.split('?', 2)
  const version = query === undefined ? null : new URLSearchParams(query).get('versionId')
  if (version !== null && version !== 'null') throw notImplemented('Copying an object version (versionId)')
  const trimmed = path.startsWith('/') ? path.slice(1) : path
  const slash = trimmed.indexOf('/')
  const invalid = () => invalidArgument('Invalid copy source object key', 'x-amz-copy-source', value)
  if (slash <= 0 || slash === trimmed.length - 1) throw invalid()
  try {
    return { bucket: decodeURIComponent(trimmed.slice(0, slash)), key: decodeURIComponent(trimmed.slice(slash + 1)) }
  } catch {
    throw invalid()
  }
}

/** The copy source's own conditions (`x-amz-copy-source-if-*`): any that does not hold is PreconditionFailed. */
export const checkCopySourceConditions = (call: S3Call, source: StoredObject): void => {
  const outcome = evaluatePreconditions(
    {
      ...optional('ifMatch', headerOf(call, 'x-amz-copy-source-if-match')),
      ...optional('ifNoneMatch', headerOf(call, 'x-amz-copy-source-if-none-match')),
      ...optional('ifModifiedSince', headerOf(call, 'x-amz-copy-source-if-modified-since')),
      ...optional('ifUnmodifiedSince', headerOf(call, 'x-amz-copy-source-if-unmodified-since')),
    },
    source,
  )
  if (outcome === 'not-modified') throw preconditionFailed('x-amz-copy-source-If-None-Match')
  if (typeof outcome === 'object') throw preconditionFailed(`x-amz-copy-source-${outcome.failed}`)
}

/** The copy source, which must exist: NoSuchBucket or NoSuchKey otherwise. */
export const copySourceOf = (call: S3Call): StoredObject => {
  const source = parseCopySource(headerOf(call, 'x-amz-copy-source') ?? '')
  if (!call.store.hasBucket(source.bucket)) throw noSuchBucket(source.bucket)
  const found = call.store.head(source.bucket, source.key)
  if (!found) throw s3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: source.key })
  checkCopySourceConditions(call, found)
  return found
}

/**
 * CopyObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html): the source's content under the new
 * key, with its metadata (`x-amz-metadata-directive: COPY`, the default) or the request's (`REPLACE`); a copy onto
 * itself that changes nothing is refused as S3 refuses it. The copy gets the MD5 of its content as its ETag.
 */
export const copyObject = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  checkObjectKey(key)
  refuseUnsupportedHeaders(call)
  if (headerOf(call, 'if-match') !== undefined || headerOf(call, 'if-none-match') !== undefined)
    throw notImplemented('If-Match and If-None-Match on CopyObject')
  const directiveHeader = headerOf(call, 'x-amz-metadata-directive') ?? 'COPY'
  const directive = Schema.decodeUnknownEither(MetadataDirective)(directiveHeader)
  if (Either.isLeft(directive))
    throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directiveHeader)
  const source = copySourceOf(call)
  if (source.bucket === bucket && source.key === key && directive.right === 'COPY')
    throw s3Error(
      400,
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    )
  const { partSizes: _parts, ...kept } = source.attributes ?? {}
  const object = await call.store.copy(
    { bucket: source.bucket, key: source.key },
    { bucket, key },
    directive.right === 'COPY'
      ? { contentType: source.contentType, attributes: kept }
      : {
          contentType: headerOf(call, 'content-type') ?? DefaultContentType,
          attributes: attributesFromRequest(call, headerOf(call, 'content-encoding')),
        },
  )
  sendXml(
    call.res,
    call.ids,
    'CopyObjectResult',
    { LastModified: xmlTimestamp(object.lastModified), ETag: quoted(object.etag) },
    Encryption,
  )
}

/** DeleteObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html): 204, whether or not it existed. */
export const deleteObject = (call: S3Call): void => {
  const bucket = bucketOf(call)
  refuseVersions(call)
  call.store.delete(bucket, keyOf(call))
  sendEmpty(call.res, call.ids, 204)
}

/**
 * DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): up to 1,000 keys from a
 * strictly parsed `<Delete>` body that carries a Content-MD5 or a checksum; each key deleted or named with its error.
 */
export const deleteObjects = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const integrity = Object.keys(call.req.headers).some(
    (name) => name === 'content-md5' || (name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-type'),
  )
  const trailer = headerOf(call, 'x-amz-trailer') !== undefined
  if (!integrity && !trailer)
    throw s3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5')
  const text = (await readSmallBody(call.req, MaxXmlBodyBytes)).toString('utf8')
  const request = decodeXmlBody(
    text,
    (root) => {
      expectRoot(root, 'Delete')
      let quiet: string | undefined
      const objects: Array<Record<string, string>> = []
      for (const child of root.children) {
        if (child.name === 'Object')
          objects.push(fieldsOf(child, ['Key', 'VersionId', 'ETag', 'LastModifiedTime', 'Size']))
        else if (child.name === 'Quiet' && quiet === undefined && child.children.length === 0) quiet = child.text.trim()
        else throw new MalformedXml(`an unexpected element "${child.name}"`)
      }
      return { ...(quiet === undefined ? {} : { Quiet: quiet }), Objects: objects }
    },
    DeleteObjectsBody,
  )
  const deleted: Array<{ Key: string; VersionId?: string }> = []
  const errors: Array<{ Key: string; Code: string; Message: string }> = []
  for (const item of request.Objects) {
    try {
      if (item.VersionId !== undefined && item.VersionId !== 'null')
        throw notImplemented('Deleting an object version (VersionId)')
      checkObjectKey(item.Key)
      call.store.delete(bucket, item.Key)
      deleted.push({ Key: item.Key, ...(item.VersionId ? { VersionId: item.VersionId } : {}) })
    } catch (error) {
      const refusal = asS3Error(error)
      errors.push({ Key: item.Key, Code: refusal.code, Message: refusal.message })
    }
  }
  sendXml(call.res, call.ids, 'DeleteResult', {
    Deleted: request.Quiet === 'true' ? [] : deleted,
    Error: errors,
  })
}

/** Parses an XML body strictly, shapes it with `shape`, decodes it with its schema: MalformedXML for any failure. */
export const decodeXmlBody = <A, I>(
  text: string,
  shape: (root: ReturnType<typeof parseXml>) => unknown,
  schema: Schema.Schema<A, I>,
): A => {
  let plain: unknown
  try {
    plain = shape(parseXml(text))
  } catch (error) {
    if (error instanceof MalformedXml) throw malformedXml()
    throw error
  }
  const decoded = Schema.decodeUnknownEither(schema)(plain, { onExcessProperty: 'error' })
  if (Either.isLeft(decoded)) throw malformedXml()
  return decoded.right
}
