import type { IncomingHttpHeaders } from 'node:http'

/**
 * Which S3 operation a REST request is (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html):
 * S3 has no operation header, so the method, whether a bucket and a key are named, the subresource in the query
 * (`?uploads`, `?uploadId=`, `?tagging`, `?acl`, `list-type=2`) and, for PUT, `x-amz-copy-source` tell it.
 */

/** A request's bucket and key from a path-style URL (`/bucket/key`), and its query. */
export interface S3Target {
  readonly bucket?: string
  readonly key?: string
  readonly query: URLSearchParams
}

/** The path is not a valid percent-encoded UTF-8 path: S3's InvalidURI. */
export class InvalidUri extends Error {
  override readonly name = 'InvalidUri'
}

/**
 * Splits a path-style URL: the first segment is the bucket, everything after its slash is the key, percent-decoded
 * once (`%2F` is a slash of the key, `+` a plus: a path is not a form). An empty key is the bucket itself. With the
 * bucket named by the host (virtual-hosted style), the whole path is the key.
 */
export const parseS3Url = (url: string, hostBucket?: string): S3Target => {
  const mark = url.indexOf('?')
  const rawPath = mark < 0 ? url : url.slice(0, mark)
  const query = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1))
  if (!rawPath.startsWith('/')) throw new InvalidUri('The path does not start with "/"')
  if (hostBucket !== undefined) {
    const key = decode(rawPath.slice(1))
    return { bucket: hostBucket, ...(key ? { key } : {}), query }
  }
  const slash = rawPath.indexOf('/', 1)
  const rawBucket = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash)
  const rawKey = slash < 0 ? '' : rawPath.slice(slash + 1)
  const bucket = decode(rawBucket)
  const key = decode(rawKey)
  return { ...(bucket ? { bucket } : {}), ...(bucket && key ? { key } : {}), query }
}

/**
 * The bucket of a virtual-hosted-style request (`Host: uploads.localhost:3000`), which tools send to a named endpoint
 * unless told to use path style: the host's first label when it is one of the buckets and the host is not an address.
 */
export const virtualHostBucket = (host: string | undefined, buckets: ReadonlyArray<string>): string | undefined => {
  const name = (host ?? '').replace(/:\d+$/, '').toLowerCase()
  if (name === '' || /^[\d.]+$/.test(name) || name.startsWith('[')) return undefined
  const dot = name.indexOf('.')
  const label = dot < 0 ? undefined : name.slice(0, dot)
  return label !== undefined && buckets.includes(label) ? label : undefined
}

const decode = (raw: string): string => {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new InvalidUri("Couldn't parse the specified URI.")
  }
}

/** Bucket subresources and the operation each names, by method (`?tagging` on a GET is GetBucketTagging). */
const bucketSubresources: Readonly<Record<string, Readonly<Partial<Record<string, string>>>>> = {
  accelerate: { GET: 'GetBucketAccelerateConfiguration', PUT: 'PutBucketAccelerateConfiguration' },
  acl: { GET: 'GetBucketAcl', PUT: 'PutBucketAcl' },
  analytics: {
    GET: 'GetBucketAnalyticsConfiguration',
    PUT: 'PutBucketAnalyticsConfiguration',
    DELETE: 'DeleteBucketAnalyticsConfiguration',
  },
  cors: { GET: 'GetBucketCors', PUT: 'PutBucketCors', DELETE: 'DeleteBucketCors' },
  encryption: { GET: 'GetBucketEncryption', PUT: 'PutBucketEncryption', DELETE: 'DeleteBucketEncryption' },
  'intelligent-tiering': {
    GET: 'GetBucketIntelligentTieringConfiguration',
    PUT: 'PutBucketIntelligentTieringConfiguration',
    DELETE: 'DeleteBucketIntelligentTieringConfiguration',
  },
  inventory: {
    GET: 'GetBucketInventoryConfiguration',
    PUT: 'PutBucketInventoryConfiguration',
    DELETE: 'DeleteBucketInventoryConfiguration',
  },
  lifecycle: {
    GET: 'GetBucketLifecycleConfiguration',
    PUT: 'PutBucketLifecycleConfiguration',
    DELETE: 'DeleteBucketLifecycle',
  },
  location: { GET: 'GetBucketLocation' },
  logging: { GET: 'GetBucketLogging', PUT: 'PutBucketLogging' },
  metadataTable: {
    GET: 'GetBucketMetadataTableConfiguration',
    POST: 'CreateBucketMetadataTableConfiguration',
    DELETE: 'DeleteBucketMetadataTableConfiguration',
  },
  metrics: {
    GET: 'GetBucketMetricsConfiguration',
    PUT: 'PutBucketMetricsConfiguration',
    DELETE: 'DeleteBucketMetricsConfiguration',
  },
  notification: { GET: 'GetBucketNotificationConfiguration', PUT: 'PutBucketNotificationConfiguration' },
  'object-lock': { GET: 'GetObjectLockConfiguration', PUT: 'PutObjectLockConfiguration' },
  ownershipControls: {
    GET: 'GetBucketOwnershipControls',
    PUT: 'PutBucketOwnershipControls',
    DELETE: 'DeleteBucketOwnershipControls',
  },
  policy: { GET: 'GetBucketPolicy', PUT: 'PutBucketPolicy', DELETE: 'DeleteBucketPolicy' },
  policyStatus: { GET: 'GetBucketPolicyStatus' },
  publicAccessBlock: { GET: 'GetPublicAccessBlock', PUT: 'PutPublicAccessBlock', DELETE: 'DeletePublicAccessBlock' },
  replication: { GET: 'GetBucketReplication', PUT: 'PutBucketReplication', DELETE: 'DeleteBucketReplication' },
  requestPayment: { GET: 'GetBucketRequestPayment', PUT: 'PutBucketRequestPayment' },
  session: { GET: 'CreateSession' },
  tagging: { GET: 'GetBucketTagging', PUT: 'PutBucketTagging', DELETE: 'DeleteBucketTagging' },
  uploads: { GET: 'ListMultipartUploads' },
  versioning: { GET: 'GetBucketVersioning', PUT: 'PutBucketVersioning' },
  versions: { GET: 'ListObjectVersions' },
  website: { GET: 'GetBucketWebsite', PUT: 'PutBucketWebsite', DELETE: 'DeleteBucketWebsite' },
  delete: { POST: 'DeleteObjects' },
}

/** Object subresources and the operation each names, by method. */
const objectSubresources: Readonly<Record<string, Readonly<Partial<Record<string, string>>>>> = {
  uploads: { POST: 'CreateMultipartUpload' },
  uploadId: {
    GET: 'ListParts',
    POST: 'CompleteMultipartUpload',
    DELETE: 'AbortMultipartUpload',
  },
  acl: { GET: 'GetObjectAcl', PUT: 'PutObjectAcl' },
  tagging: { GET: 'GetObjectTagging', PUT: 'PutObjectTagging', DELETE: 'DeleteObjectTagging' },
  attributes: { GET: 'GetObjectAttributes' },
  retention: { GET: 'GetObjectRetention', PUT: 'PutObjectRetention' },
  'legal-hold': { GET: 'GetObjectLegalHold', PUT: 'PutObjectLegalHold' },
  torrent: { GET: 'GetObjectTorrent' },
  restore: { POST: 'RestoreObject' },
  select: { POST: 'SelectObjectContent' },
  renameObject: { PUT: 'RenameObject' },
}

/** What answers a method a resource does not take: S3's MethodNotAllowed. */
export const MethodNotAllowed = 'MethodNotAllowed'

/**
 * The S3 operation a request names, by its method, target and headers; `MethodNotAllowed` for a method the resource
 * does not take. Subresources are looked for in the order S3's own documentation lists an operation's parameters, so
 * `?uploadId=…&partNumber=…` is UploadPart and `?uploadId=…` alone is ListParts, CompleteMultipartUpload or
 * AbortMultipartUpload.
 */
export const s3Operation = (method: string, target: S3Target, headers: IncomingHttpHeaders): string => {
  const { query } = target
  if (target.bucket === undefined) return method === 'GET' ? 'ListBuckets' : MethodNotAllowed
  if (target.key === undefined) {
    if (method === 'HEAD') return 'HeadBucket'
    for (const [name, operations] of Object.entries(bucketSubresources))
      if (query.has(name)) return operations[method] ?? MethodNotAllowed
    switch (method) {
      case 'GET':
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'
      case 'PUT':
        return 'CreateBucket'
      case 'DELETE':
        return 'DeleteBucket'
      case 'POST':
        return 'PostObject'
      default:
        return MethodNotAllowed
    }
  }
  const copySource = headers['x-amz-copy-source'] !== undefined
  if (method === 'PUT' && query.has('partNumber') && query.has('uploadId'))
    return copySource ? 'UploadPartCopy' : 'UploadPart'
  for (const [name, operations] of Object.entries(objectSubresources))
    if (query.has(name)) return operations[method] ?? MethodNotAllowed
  switch (method) {
    case 'GET':
      return 'GetObject'
    case 'HEAD':
      return 'HeadObject'
    case 'PUT':
      return copySource ? 'CopyObject' : 'PutObject'
    case 'DELETE':
      return 'DeleteObject'
    default:
      return MethodNotAllowed
  }
}
