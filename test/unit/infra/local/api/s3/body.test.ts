import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { PassThrough } from 'node:stream'
import { newChecksum, type ChecksumAlgorithm } from '../../../../../../infra/local/api/s3/checksums'
import { requestBody } from '../../../../../../infra/local/api/s3/body'
import { AwsApiError } from '../../../../../../infra/local/api/errors'

/** A request as the server hands it over: headers, and a body that arrives in the pieces given. */
const requestOf = (headers: Record<string, string>, pieces: Array<string | Buffer>): IncomingMessage => {
  const stream = new PassThrough()
  Object.assign(stream, { headers })
  for (const piece of pieces) stream.write(piece)
  stream.end()
  return stream as unknown as IncomingMessage
}

/** Reads the decoded body whole, then runs the checks: the decoded bytes, or the error S3 would answer. */
const receive = async (headers: Record<string, string>, pieces: Array<string | Buffer>) => {
  const body = requestBody(requestOf(headers, pieces))
  const chunks: Buffer[] = []
  for await (const chunk of body.stream) chunks.push(chunk as Buffer)
  const content = Buffer.concat(chunks)
  try {
    body.verify({ size: content.length, md5: createHash('md5').update(content).digest() })
  } catch (error) {
    return { error: (error as AwsApiError).code }
  }
  return { content: content.toString(), checksum: body.checksum() }
}

const checksumOf = (algorithm: ChecksumAlgorithm, text: string) => {
  const checksum = newChecksum(algorithm)
  checksum.update(Buffer.from(text))
  return checksum.digest().toString('base64')
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html: the standard check values of "123456789".
describe('checksums', () => {
  it.each([
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
    ['SHA1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['SHA256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
  ] as const)('computes %s incrementally', (algorithm, hex) => {
    const checksum = newChecksum(algorithm)
    checksum.update(Buffer.from('1234'))
    checksum.update(Buffer.from('56789'))
    expect(checksum.digest().toString('hex')).toBe(hex)
  })
})

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
describe('an aws-chunked body', () => {
  const chunked = {
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'x-amz-trailer': 'x-amz-checksum-crc32',
    'x-amz-decoded-content-length': '11',
  }

  it('is decoded, whatever the pieces it arrives in, and its trailing checksum checked', async () => {
    const wire = `5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:${checksumOf('CRC32', 'hello world')}\r\n\r\n`
    const pieces = [...wire].map((char) => Buffer.from(char))

    expect(await receive(chunked, pieces)).toEqual({
      content: 'hello world',
      checksum: { algorithm: 'CRC32', value: checksumOf('CRC32', 'hello world') },
    })
  })

  it('takes signed chunks (their signatures are not checked: no credentials are)', async () => {
    const wire = `b;chunk-signature=${'0'.repeat(64)}\r\nhello world\r\n0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`

    expect(
      await receive(
        { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-decoded-content-length': '11' },
        [wire],
      ),
    ).toMatchObject({ content: 'hello world' })
  })

  it.each([
    [
      'a trailing checksum of other bytes',
      `b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n`,
      'BadDigest',
    ],
    ['no trailing checksum', 'b\r\nhello world\r\n0\r\n\r\n', 'InvalidRequest'],
    ['a body cut short', 'b\r\nhello', 'IncompleteBody'],
    ['a chunk size that is not hex', 'zz\r\nhello world\r\n0\r\n\r\n', 'IncompleteBody'],
    ['a line not ended by CRLF', 'b\nhello world\r\n0\r\n\r\n', 'IncompleteBody'],
    [
      'fewer bytes than declared',
      `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${checksumOf('CRC32', 'hello')}\r\n\r\n`,
      'IncompleteBody',
    ],
  ])('is refused with %s', async (_name, wire, code) => {
    expect(await receive(chunked, [wire])).toEqual({ error: code })
  })
})

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (Content-MD5, x-amz-checksum-*, x-amz-content-sha256)
describe('integrity headers', () => {
  const body = 'hello world'
  const sha256 = createHash('sha256').update(body).digest('hex')
  const contentMd5 = createHash('md5').update(body).digest('base64')

  it.each([
    ['a matching Content-MD5', { 'content-md5': contentMd5 }],
    ['a matching CRC32C', { 'x-amz-checksum-crc32c': checksumOf('CRC32C', body) }],
    ['a matching CRC64NVME', { 'x-amz-checksum-crc64nvme': checksumOf('CRC64NVME', body) }],
    ['a matching SHA256', { 'x-amz-checksum-sha256': checksumOf('SHA256', body) }],
    ['a matching payload hash', { 'x-amz-content-sha256': sha256 }],
    ['an unsigned payload', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }],
  ])('accepts %s', async (_name, headers) => {
    expect(await receive({ 'content-length': '11', ...headers }, [body])).toMatchObject({ content: body })
  })

  it.each([
    ['a Content-MD5 of other bytes', { 'content-md5': createHash('md5').update('x').digest('base64') }, 'BadDigest'],
    ['a SHA1 of other bytes', { 'x-amz-checksum-sha1': checksumOf('SHA1', 'x') }, 'BadDigest'],
    ['a payload hash of other bytes', { 'x-amz-content-sha256': 'a'.repeat(64) }, 'XAmzContentSHA256Mismatch'],
  ])('refuses %s after reading the body', async (_name, headers, code) => {
    expect(await receive({ 'content-length': '11', ...headers }, [body])).toEqual({ error: code })
  })

  it.each([
    ['a Content-MD5 that is not one', { 'content-md5': 'abc' }, 'InvalidDigest'],
    ['a CRC32 of the wrong length', { 'x-amz-checksum-crc32': 'AAAA' }, 'InvalidRequest'],
    ['two checksums', { 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-checksum-crc32c': 'AAAAAA==' }, 'InvalidRequest'],
    ['an algorithm named without its checksum', { 'x-amz-sdk-checksum-algorithm': 'CRC32' }, 'InvalidRequest'],
    ['a payload hash that is none', { 'x-amz-content-sha256': 'nope' }, 'InvalidArgument'],
    ['a chunked body without its decoded length', { 'content-encoding': 'aws-chunked' }, 'MissingContentLength'],
  ])('refuses %s before reading the body', (_name, headers, code) => {
    expect(() => requestBody(requestOf({ 'content-length': '11', ...headers }, [body]))).toThrow(
      expect.objectContaining({ code }),
    )
  })
})
