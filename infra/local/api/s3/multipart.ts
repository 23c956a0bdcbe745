import { createReadStream } from 'node:fs'
import { Either, Schema } from 'effect'
import { CompleteMultipartUploadBody, PartNumberParam } from '../../../../contracts/aws/s3'
import { checkObjectKey } from '../../s3/object-store'
import { noSuchUpload, type CompletedPart, type MultipartUpload } from '../../s3/multipart'
import { readSmallBody, requestBody } from './body'
import { bucketOf, headerOf, keyOf, maxItems, type S3Call } from './context'
import {
  attributesFromRequest,
  copySourceOf,
  decodeXmlBody,
  DefaultContentType,
  Encryption,
  MaxXmlBodyBytes,
  parseRange,
  refuseUnsupportedHeaders,
} from './objects'
import { expectRoot, fieldsOf, MalformedXml } from './xml-input'
import {
  encodedWhen,
  invalidArgument,
  LocalOwner,
  notImplemented,
  quoted,
  s3Error,
  sendEmpty,
  sendXml,
  urlEncode,
  xmlTimestamp,
} from './wire'

/** The call's upload: its id must name an upload in progress for this bucket and key, else NoSuchUpload. */
const uploadOf = (call: S3Call, bucket: string, key: string): MultipartUpload => {
  const uploadId = call.query.get('uploadId') ?? ''
  const upload = call.uploads.find(uploadId, bucket, key)
  if (!upload) throw noSuchUpload(uploadId)
  return upload
}

const partNumberOf = (call: S3Call): number => {
  const raw = call.query.get('partNumber') ?? ''
  const decoded = Schema.decodeUnknownEither(PartNumberParam)(raw)
  if (Either.isLeft(decoded))
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw)
  return decoded.right
}

/** What one part may still take: the one upload limit, less the parts of other numbers already there. */
const partLimit = (call: S3Call, upload: MultipartUpload, partNumber: number): number =>
  call.maxUploadBytes -
  call.uploads
    .parts(upload.uploadId)
    .filter((part) => part.partNumber !== partNumber)
    .reduce((sum, part) => sum + part.size, 0)

/**
 * CreateMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html): the key and
 * headers are checked now, the content type and metadata kept for the object; the upload id is the server's.
 */
export const createMultipartUpload = (call: S3Call): void => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  checkObjectKey(key)
  refuseUnsupportedHeaders(call)
  const upload = call.uploads.create(
    bucket,
    key,
    headerOf(call, 'content-type') ?? DefaultContentType,
    attributesFromRequest(call, headerOf(call, 'content-encoding')),
  )
  const algorithm = headerOf(call, 'x-amz-checksum-algorithm')
  sendXml(
    call.res,
    call.ids,
    'InitiateMultipartUploadResult',
    { Bucket: bucket, Key: key, UploadId: upload.uploadId },
    { ...Encryption, ...(algorithm ? { 'x-amz-checksum-algorithm': algorithm.toUpperCase() } : {}) },
  )
}

/**
 * UploadPart (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html): part numbers 1 to 10,000, the
 * body streamed through the same write as every upload (Content-MD5 and checksums checked), the part's MD5 as its
 * quoted ETag. A part number uploaded again replaces the part.
 */
export const uploadPart = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  const partNumber = partNumberOf(call)
  const upload = uploadOf(call, bucket, key)
  const body = requestBody(call.req)
  const limit = partLimit(call, upload, partNumber)
  const received = await call.uploads.uploadPart(upload.uploadId, bucket, key, partNumber, body.stream, {
    limit: Math.max(0, limit),
    ...(body.declaredSize === undefined ? {} : { declaredSize: body.declaredSize }),
    verify: (result) => body.verify(result),
    checksum: () => body.checksum(),
  })
  const checksum = received.checksum
  sendEmpty(call.res, call.ids, 200, {
    etag: quoted(received.etag),
    ...Encryption,
    ...(checksum ? { [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value } : {}),
  })
}

/**
 * UploadPartCopy (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html): a part copied from an
 * object, whole or `x-amz-copy-source-range: bytes=first-last`.
 */
export const uploadPartCopy = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  const partNumber = partNumberOf(call)
  const upload = uploadOf(call, bucket, key)
  const source = copySourceOf(call)
  const rangeHeader = headerOf(call, 'x-amz-copy-source-range')
  let start = 0
  let end = source.size - 1
  if (rangeHeader !== undefined) {
    const range = /^bytes=\d+-\d+$/.test(rangeHeader) ? parseRange(rangeHeader, source.size) : 'whole'
    if (typeof range !== 'object' || Number(rangeHeader.split('-')[1]) >= source.size)
      throw invalidArgument(
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
        'x-amz-copy-source-range',
        rangeHeader,
      )
    start = range.start
    end = range.end
  }
  const opened = call.store.open(source.bucket, source.key)
  if (!opened) throw s3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: source.key })
  const stream = createReadStream('', { fd: opened.fd, start, end, autoClose: true })
  const received = await call.uploads.uploadPart(upload.uploadId, bucket, key, partNumber, stream, {
    limit: Math.max(0, partLimit(call, upload, partNumber)),
  })
  sendXml(
    call.res,
    call.ids,
    'CopyPartResult',
    { ETag: quoted(received.etag), LastModified: xmlTimestamp(received.lastModified) },
    Encryption,
  )
}

const ChecksumElements = ['ChecksumCRC32', 'ChecksumCRC32C', 'ChecksumCRC64NVME', 'ChecksumSHA1', 'ChecksumSHA256']

/**
 * CompleteMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html): the
 * `<CompleteMultipartUpload>` body parsed strictly (MalformedXML otherwise), then the parts checked and concatenated;
 * the object appears with the multipart ETag and its `Object Created` event.
 */
export const completeMultipartUpload = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  if (headerOf(call, 'if-match') !== undefined || headerOf(call, 'if-none-match') !== undefined)
    throw notImplemented('If-Match and If-None-Match on CompleteMultipartUpload')
  const upload = uploadOf(call, bucket, key)
  const text = (await readSmallBody(call.req, MaxXmlBodyBytes)).toString('utf8')
  const request = decodeXmlBody(
    text,
    (root) => {
      expectRoot(root, 'CompleteMultipartUpload')
      return {
        Parts: root.children.map((child) => {
          if (child.name !== 'Part') throw new MalformedXml(`an unexpected element "${child.name}"`)
          return fieldsOf(child, ['PartNumber', 'ETag', ...ChecksumElements])
        }),
      }
    },
    CompleteMultipartUploadBody,
  )
  const parts: CompletedPart[] = request.Parts.map((part) => {
    const checksums = Object.fromEntries(
      ChecksumElements.flatMap((element) => {
        const value = part[element as keyof typeof part]
        return value === undefined ? [] : [[element.slice('Checksum'.length), String(value)]]
      }),
    )
    return {
      partNumber: part.PartNumber,
      etag: part.ETag,
      ...(Object.keys(checksums).length > 0 ? { checksums } : {}),
    }
  })
  const object = await call.uploads.complete(upload.uploadId, bucket, key, parts, call.maxUploadBytes)
  const host = headerOf(call, 'host') ?? '127.0.0.1'
  sendXml(
    call.res,
    call.ids,
    'CompleteMultipartUploadResult',
    {
      Location: `http://${host}/${bucket}/${urlEncode(key).replace(/\+/g, '%20')}`,
      Bucket: bucket,
      Key: key,
      ETag: quoted(object.etag),
    },
    Encryption,
  )
}

/** AbortMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html): 204, no part left. */
export const abortMultipartUpload = async (call: S3Call): Promise<void> => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  const upload = uploadOf(call, bucket, key)
  await call.uploads.abort(upload.uploadId, bucket, key)
  sendEmpty(call.res, call.ids, 204)
}

/** ListParts (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html): by part number, paged by marker. */
export const listParts = (call: S3Call): void => {
  const bucket = bucketOf(call)
  const key = keyOf(call)
  const upload = uploadOf(call, bucket, key)
  const maxParts = maxItems(call, 'max-parts', 'Provided max-parts not an integer or within integer range')
  const markerParam = call.query.get('part-number-marker') ?? '0'
  if (!/^\d{1,5}$/.test(markerParam))
    throw invalidArgument(
      'Provided part-number-marker not an integer or within integer range',
      'part-number-marker',
      markerParam,
    )
  const marker = Number(markerParam)
  const after = call.uploads.parts(upload.uploadId).filter((part) => part.partNumber > marker)
  const page = after.slice(0, maxParts)
  const truncated = after.length > page.length
  sendXml(call.res, call.ids, 'ListPartsResult', {
    Bucket: bucket,
    Key: key,
    UploadId: upload.uploadId,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length > 0 ? page[page.length - 1]!.partNumber : undefined,
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: page.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: xmlTimestamp(part.lastModified),
      ETag: quoted(part.etag),
      Size: part.size,
      ...(part.checksum ? { [`Checksum${part.checksum.algorithm}`]: part.checksum.value } : {}),
    })),
    Initiator: LocalOwner,
    Owner: LocalOwner,
    StorageClass: 'STANDARD',
  })
}

/**
 * ListMultipartUploads (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html): uploads in
 * progress by key and start, with prefix, delimiter, key and upload id markers, max-uploads and encoding-type=url.
 */
export const listMultipartUploads = (call: S3Call): void => {
  const bucket = bucketOf(call)
  const encodingType = call.query.get('encoding-type')
  if (encodingType !== null && encodingType !== 'url')
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType)
  const encode = encodedWhen(encodingType === 'url')
  const maxUploads = maxItems(call, 'max-uploads', 'Provided max-uploads not an integer or within integer range')
  const prefix = call.query.get('prefix') ?? ''
  const delimiter = call.query.get('delimiter') || undefined
  const keyMarker = call.query.get('key-marker') ?? ''
  const uploadIdMarker = call.query.get('upload-id-marker') ?? ''
  const all = call.uploads.list(bucket).filter((upload) => upload.key.startsWith(prefix))
  const markerIndex = uploadIdMarker ? all.findIndex((upload) => upload.uploadId === uploadIdMarker) : -1
  const after = all.filter((upload, index) =>
    keyMarker === ''
      ? true
      : upload.key > keyMarker || (upload.key === keyMarker && markerIndex >= 0 && index > markerIndex),
  )
  const uploads: MultipartUpload[] = []
  const commonPrefixes: string[] = []
  let truncated = false
  for (const upload of after) {
    const cut = delimiter === undefined ? -1 : upload.key.indexOf(delimiter, prefix.length)
    const common = cut >= 0 ? upload.key.slice(0, cut + delimiter!.length) : undefined
    if (common !== undefined && commonPrefixes.includes(common)) continue
    if (uploads.length + commonPrefixes.length >= maxUploads) {
      truncated = true
      break
    }
    if (common !== undefined) commonPrefixes.push(common)
    else uploads.push(upload)
  }
  const lastUpload = uploads[uploads.length - 1]
  sendXml(call.res, call.ids, 'ListMultipartUploadsResult', {
    Bucket: bucket,
    KeyMarker: encode(keyMarker),
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: truncated && lastUpload ? encode(lastUpload.key) : undefined,
    NextUploadIdMarker: truncated && lastUpload ? lastUpload.uploadId : undefined,
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    Prefix: encode(prefix),
    EncodingType: encodingType === 'url' ? 'url' : undefined,
    MaxUploads: maxUploads,
    IsTruncated: truncated,
    Upload: uploads.map((upload) => ({
      Key: encode(upload.key),
      UploadId: upload.uploadId,
      Initiator: LocalOwner,
      Owner: LocalOwner,
      StorageClass: 'STANDARD',
      Initiated: xmlTimestamp(upload.initiated),
    })),
    CommonPrefixes: commonPrefixes.map((common) => ({ Prefix: encode(common) })),
  })
}
