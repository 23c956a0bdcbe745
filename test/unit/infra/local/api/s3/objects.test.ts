import { evaluatePreconditions, parseCopySource, parseRange } from '../../../../../../infra/local/api/s3/objects'
import { urlEncode } from '../../../../../../infra/local/api/s3/wire'
import { AwsApiError } from '../../../../../../infra/local/api/errors'

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Range: one byte range, RFC 9110 section 14.1.2)
describe('parseRange', () => {
  it.each([
    ['a closed range', 'bytes=0-9', 100, { start: 0, end: 9 }],
    ['an open range', 'bytes=90-', 100, { start: 90, end: 99 }],
    ['a suffix', 'bytes=-10', 100, { start: 90, end: 99 }],
    ['a suffix longer than the object', 'bytes=-500', 100, { start: 0, end: 99 }],
    ['an end past the object', 'bytes=50-500', 100, { start: 50, end: 99 }],
    ['the last byte', 'bytes=99-99', 100, { start: 99, end: 99 }],
    ['a start past the end', 'bytes=100-', 100, 'unsatisfiable'],
    ['a closed range past the end', 'bytes=100-200', 100, 'unsatisfiable'],
    ['a zero suffix', 'bytes=-0', 100, 'unsatisfiable'],
    ['any range of an empty object', 'bytes=0-', 0, 'unsatisfiable'],
    ['several ranges, which S3 does not serve', 'bytes=0-1,5-6', 100, 'whole'],
    ['another unit', 'items=0-1', 100, 'whole'],
    ['an end before the start', 'bytes=9-1', 100, 'whole'],
    ['no numbers', 'bytes=-', 100, 'whole'],
  ])('reads %s', (_name, header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected)
  })
})

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since)
describe('evaluatePreconditions', () => {
  const object = { etag: 'abc', lastModified: '2026-01-10T12:00:00.500Z' }
  const before = 'Sat, 10 Jan 2026 11:00:00 GMT'
  const same = 'Sat, 10 Jan 2026 12:00:00 GMT'
  const after = 'Sat, 10 Jan 2026 13:00:00 GMT'

  it.each([
    ['no conditions', {}, 'ok'],
    ['If-Match with the ETag, quoted', { ifMatch: '"abc"' }, 'ok'],
    ['If-Match with "*"', { ifMatch: '*' }, 'ok'],
    ['If-Match with another ETag', { ifMatch: '"xyz"' }, { failed: 'If-Match' }],
    ['If-Unmodified-Since before the change', { ifUnmodifiedSince: before }, { failed: 'If-Unmodified-Since' }],
    ['If-Unmodified-Since at the change, to the second', { ifUnmodifiedSince: same }, 'ok'],
    ['If-Match true over If-Unmodified-Since false', { ifMatch: '"abc"', ifUnmodifiedSince: before }, 'ok'],
    ['If-None-Match with the ETag', { ifNoneMatch: '"abc"' }, 'not-modified'],
    ['If-None-Match with another ETag', { ifNoneMatch: '"xyz"' }, 'ok'],
    ['If-Modified-Since after the change', { ifModifiedSince: after }, 'not-modified'],
    ['If-Modified-Since before the change', { ifModifiedSince: before }, 'ok'],
    ['If-None-Match false over If-Modified-Since true', { ifNoneMatch: '"xyz"', ifModifiedSince: after }, 'ok'],
    ['a date that is not a date, ignored', { ifModifiedSince: 'yesterday' }, 'ok'],
  ])('%s', (_name, headers, expected) => {
    expect(evaluatePreconditions(headers, object)).toEqual(expected)
  })
})

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (x-amz-copy-source)
describe('parseCopySource', () => {
  it.each([
    ['bucket/key', 'uploads/a/b.txt', { bucket: 'uploads', key: 'a/b.txt' }],
    ['a leading slash', '/uploads/a.txt', { bucket: 'uploads', key: 'a.txt' }],
    ['a percent-encoded key', 'uploads/a%20b%2Bc.txt', { bucket: 'uploads', key: 'a b+c.txt' }],
    ['the null version', 'uploads/a.txt?versionId=null', { bucket: 'uploads', key: 'a.txt' }],
  ])('reads %s', (_name, header, expected) => {
    expect(parseCopySource(header)).toEqual(expected)
  })

  it.each([
    ['no key', 'uploads', 'InvalidArgument'],
    ['an empty key', 'uploads/', 'InvalidArgument'],
    ['bad percent-encoding', 'uploads/%ff', 'InvalidArgument'],
    ['a version, which the local store does not keep', 'uploads/a.txt?versionId=3sL4kqtJlcpXroDTDmJ', 'NotImplemented'],
  ])('refuses %s', (_name, header, code) => {
    expect(() => parseCopySource(header)).toThrow(AwsApiError)
    try {
      parseCopySource(header)
    } catch (error) {
      expect((error as AwsApiError).code).toBe(code)
    }
  })
})

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (encoding-type=url)
describe('urlEncode', () => {
  it.each([
    ['plain keys as they are', 'photos/2026/cat-1_a.b~c.jpg', 'photos/2026/cat-1_a.b~c.jpg'],
    ['a space as "+"', 'a b', 'a+b'],
    ['a plus, escaped', 'a+b', 'a%2Bb'],
    ['reserved characters', "a&b=c?d#e(f)g'h*i!", 'a%26b%3Dc%3Fd%23e%28f%29g%27h%2Ai%21'],
    ['UTF-8', 'é🐱', '%C3%A9%F0%9F%90%B1'],
    ['control characters XML cannot carry', 'a\u0001b', 'a%01b'],
  ])('encodes %s', (_name, text, expected) => {
    expect(urlEncode(text)).toBe(expected)
  })
})
