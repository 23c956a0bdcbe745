import type { IncomingHttpHeaders } from 'node:http'
import { InvalidUri, parseS3Url, s3Operation, virtualHostBucket } from '../../../../../../infra/local/api/s3/operations'

const operationOf = (method: string, url: string, headers: IncomingHttpHeaders = {}) =>
  s3Operation(method, parseS3Url(url), headers)

const copy = { 'x-amz-copy-source': 'uploads/a.txt' }

describe('parseS3Url', () => {
  it.each([
    ['the service', '/', {}],
    ['a bucket', '/uploads', { bucket: 'uploads' }],
    ['a bucket with a trailing slash', '/uploads/', { bucket: 'uploads' }],
    ['a key', '/uploads/a/b.txt', { bucket: 'uploads', key: 'a/b.txt' }],
    ['a percent-encoded key, decoded once', '/uploads/a%20b/%2525.txt', { bucket: 'uploads', key: 'a b/%25.txt' }],
    ['a plus, which a path keeps', '/uploads/a+b', { bucket: 'uploads', key: 'a+b' }],
    ['an encoded slash, part of the key', '/uploads/a%2Fb', { bucket: 'uploads', key: 'a/b' }],
    ['an empty first segment of the key', '/uploads//a', { bucket: 'uploads', key: '/a' }],
    ['encoded dots, decoded for the key check to refuse', '/uploads/%2e%2e/x', { bucket: 'uploads', key: '../x' }],
  ])('reads %s', (_name, url, expected) => {
    const { query: _query, ...target } = parseS3Url(url)
    expect(target).toEqual(expected)
  })

  it('keeps the query apart from the key', () => {
    const target = parseS3Url('/uploads/a.txt?uploadId=abc&partNumber=2')
    expect(target.key).toBe('a.txt')
    expect(target.query.get('uploadId')).toBe('abc')
    expect(target.query.get('partNumber')).toBe('2')
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
  it.each([
    ['a path-style host (an address)', '127.0.0.1:3000', undefined],
    ['a path-style host (a name)', 'localhost:3000', undefined],
    ['a bucket in the host', 'uploads.localhost:3000', 'uploads'],
    ['a bucket in the host, any case', 'Uploads.LOCALHOST', 'uploads'],
    ['a first label that is no bucket', 'www.example.com', undefined],
    ['an IPv6 address', '[::1]:3000', undefined],
  ])('tells %s', (_name, host, bucket) => {
    expect(virtualHostBucket(host, ['uploads', 'accesslogs'])).toBe(bucket)
  })

  it('reads the whole path as the key when the host names the bucket', () => {
    const { query: _query, ...target } = parseS3Url('/uploads/pets/cat.jpg', 'uploads')
    expect(target).toEqual({ bucket: 'uploads', key: 'uploads/pets/cat.jpg' })
    expect(parseS3Url('/?list-type=2', 'uploads').key).toBeUndefined()
  })

  it('refuses a path that is not percent-encoded UTF-8 (S3 InvalidURI)', () => {
    expect(() => parseS3Url('/uploads/%E0%A4%A')).toThrow(InvalidUri)
    expect(() => parseS3Url('/uploads/%ff')).toThrow(InvalidUri)
  })
})

// The operations by method and subresource: https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
describe('s3Operation', () => {
  it.each([
    ['GET', '/', {}, 'ListBuckets'],
    ['PUT', '/', {}, 'MethodNotAllowed'],
    ['HEAD', '/uploads', {}, 'HeadBucket'],
    ['GET', '/uploads', {}, 'ListObjects'],
    ['GET', '/uploads?list-type=2&prefix=a', {}, 'ListObjectsV2'],
    ['GET', '/uploads?location', {}, 'GetBucketLocation'],
    ['GET', '/uploads?uploads', {}, 'ListMultipartUploads'],
    ['GET', '/uploads?versions', {}, 'ListObjectVersions'],
    ['GET', '/uploads?versioning', {}, 'GetBucketVersioning'],
    ['PUT', '/uploads?versioning', {}, 'PutBucketVersioning'],
    ['GET', '/uploads?acl', {}, 'GetBucketAcl'],
    ['PUT', '/uploads?tagging', {}, 'PutBucketTagging'],
    ['DELETE', '/uploads?policy', {}, 'DeleteBucketPolicy'],
    ['DELETE', '/uploads?lifecycle', {}, 'DeleteBucketLifecycle'],
    ['PUT', '/uploads', {}, 'CreateBucket'],
    ['DELETE', '/uploads', {}, 'DeleteBucket'],
    ['POST', '/uploads?delete', {}, 'DeleteObjects'],
    ['POST', '/uploads', {}, 'PostObject'],
    ['PATCH', '/uploads', {}, 'MethodNotAllowed'],
    ['GET', '/uploads/a.txt', {}, 'GetObject'],
    ['GET', '/uploads/a.txt?versionId=null', {}, 'GetObject'],
    ['GET', '/uploads/a.txt?x-id=GetObject', {}, 'GetObject'],
    ['HEAD', '/uploads/a.txt', {}, 'HeadObject'],
    ['PUT', '/uploads/a.txt', {}, 'PutObject'],
    ['PUT', '/uploads/a.txt', copy, 'CopyObject'],
    ['DELETE', '/uploads/a.txt', {}, 'DeleteObject'],
    ['POST', '/uploads/a.txt?uploads', {}, 'CreateMultipartUpload'],
    ['PUT', '/uploads/a.txt?partNumber=1&uploadId=abc', {}, 'UploadPart'],
    ['PUT', '/uploads/a.txt?uploadId=abc&partNumber=1', copy, 'UploadPartCopy'],
    ['POST', '/uploads/a.txt?uploadId=abc', {}, 'CompleteMultipartUpload'],
    ['DELETE', '/uploads/a.txt?uploadId=abc', {}, 'AbortMultipartUpload'],
    ['GET', '/uploads/a.txt?uploadId=abc', {}, 'ListParts'],
    ['GET', '/uploads/a.txt?tagging', {}, 'GetObjectTagging'],
    ['PUT', '/uploads/a.txt?tagging', {}, 'PutObjectTagging'],
    ['DELETE', '/uploads/a.txt?tagging', {}, 'DeleteObjectTagging'],
    ['PUT', '/uploads/a.txt?acl', {}, 'PutObjectAcl'],
    ['GET', '/uploads/a.txt?attributes', {}, 'GetObjectAttributes'],
    ['POST', '/uploads/a.txt?restore', {}, 'RestoreObject'],
    ['PUT', '/uploads/a.txt?retention', {}, 'PutObjectRetention'],
    ['GET', '/uploads/a.txt?legal-hold', {}, 'GetObjectLegalHold'],
    ['POST', '/uploads/a.txt', {}, 'MethodNotAllowed'],
    ['GET', '/uploads/a.txt?uploads', {}, 'MethodNotAllowed'],
  ])('%s %s is %s', (method, url, headers, operation) => {
    expect(operationOf(method, url, headers)).toBe(operation)
  })
})
