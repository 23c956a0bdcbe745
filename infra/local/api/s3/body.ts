import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import type { Received } from '../../s3/receive'
import type { AwsApiError } from '../errors'
import {
  ChecksumAlgorithms,
  checksumBytes,
  checksumHeader,
  newChecksum,
  type Checksum,
  type ChecksumAlgorithm,
} from './checksums'
import { s3Error } from './wire'

/**
 * An upload's body as S3 reads it: plain, or `aws-chunked` (the SDKs' streaming uploads, with the checksum in a trailer:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html); with the integrity checks S3 makes on it:
 * `Content-MD5`, one `x-amz-checksum-*` (header or trailer) and a hex `x-amz-content-sha256`. The checks run on the
 * bytes as they stream in; `verify` then answers whether the body is the one the client meant, before it is committed.
 */
export interface RequestBody {
  /** The decoded content, to stream to disk. */
  readonly stream: Readable
  /** Its length as the request declares it (`Content-Length`, or `x-amz-decoded-content-length` when chunked). */
  readonly declaredSize?: number
  /** `Content-Encoding` as S3 stores it: without `aws-chunked`. */
  readonly contentEncoding?: string
  /** Throws S3's error if the body is not whole or a digest does not match. */
  verify(received: Received): void
  /** The checksum the client sent, once verified: S3 gives it back in the response. */
  checksum(): { readonly algorithm: ChecksumAlgorithm; readonly value: string } | undefined
}

const Hex64 = /^[0-9a-f]{64}$/
const Base64 = /^[A-Za-z0-9+/]*={0,2}$/

const base64Of = (value: string, bytes: number): boolean =>
  Base64.test(value) && value.length % 4 === 0 && Buffer.from(value, 'base64').length === bytes

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

const missingLength = () => s3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')

/** Reads the request's body headers and sets up its decoding and checks; refuses bad headers before any byte is read. */
export const requestBody = (req: IncomingMessage): RequestBody => {
  const contentSha256 = header(req, 'x-amz-content-sha256')
  const encodings = (header(req, 'content-encoding') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
  const chunked = encodings.includes('aws-chunked') || (contentSha256?.startsWith('STREAMING-') ?? false)
  if (
    contentSha256 !== undefined &&
    !Hex64.test(contentSha256) &&
    contentSha256 !== 'UNSIGNED-PAYLOAD' &&
    !contentSha256.startsWith('STREAMING-')
  )
    throw s3Error(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.',
      { ArgumentName: 'x-amz-content-sha256', ArgumentValue: contentSha256 },
    )

  const lengthHeader = header(req, chunked ? 'x-amz-decoded-content-length' : 'content-length')
  if (lengthHeader !== undefined && !/^\d{1,15}$/.test(lengthHeader)) throw missingLength()
  const declaredSize = lengthHeader === undefined ? undefined : Number(lengthHeader)
  if (declaredSize === undefined && (chunked || req.headers['transfer-encoding'] !== undefined)) throw missingLength()

  const contentMd5 = header(req, 'content-md5')
  if (contentMd5 !== undefined && !base64Of(contentMd5, 16))
    throw s3Error(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.')

  // One checksum at most: from a header, or announced by `x-amz-trailer` and sent after the chunks.
  const fromHeaders = ChecksumAlgorithms.filter((algorithm) => header(req, checksumHeader(algorithm)) !== undefined)
  const trailer = header(req, 'x-amz-trailer')?.trim().toLowerCase()
  const fromTrailer = trailer === undefined ? undefined : ChecksumAlgorithms.find((a) => checksumHeader(a) === trailer)
  if (trailer !== undefined && (!fromTrailer || !chunked))
    throw s3Error(400, 'InvalidRequest', `The value specified in the x-amz-trailer header is not supported`)
  if (fromHeaders.length + (fromTrailer ? 1 : 0) > 1)
    throw s3Error(
      400,
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    )
  const algorithm: ChecksumAlgorithm | undefined = fromHeaders[0] ?? fromTrailer
  const headerValue = fromHeaders[0] === undefined ? undefined : header(req, checksumHeader(fromHeaders[0]))
  if (algorithm && headerValue !== undefined && !base64Of(headerValue, checksumBytes[algorithm]))
    throw s3Error(400, 'InvalidRequest', `Value for ${checksumHeader(algorithm)} header is invalid.`)
  const sdkAlgorithm = header(req, 'x-amz-sdk-checksum-algorithm')?.toUpperCase()
  if (sdkAlgorithm !== undefined && sdkAlgorithm !== algorithm)
    throw s3Error(
      400,
      'InvalidRequest',
      'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    )

  const checksum: Checksum | undefined = algorithm ? newChecksum(algorithm) : undefined
  const sha256 = contentSha256 !== undefined && Hex64.test(contentSha256) ? createHash('sha256') : undefined
  const decoder = chunked ? new AwsChunkedDecoder() : undefined
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      checksum?.update(chunk)
      sha256?.update(chunk)
      callback(null, chunk)
    },
  })
  const stream = decoder ? req.pipe(decoder).pipe(tap) : req.pipe(tap)
  // A client that goes away mid-body ends the decoded stream with its error, so the write fails and is discarded.
  req.once('error', (error) => stream.destroy(error))
  req.once('aborted', () => stream.destroy(new Error('The request was aborted')))
  decoder?.once('error', (error) => stream.destroy(error))

  let verified: { algorithm: ChecksumAlgorithm; value: string } | undefined
  const remaining = encodings.filter((encoding) => encoding !== 'aws-chunked').join(',')
  return {
    stream,
    ...(declaredSize === undefined ? {} : { declaredSize }),
    ...(remaining ? { contentEncoding: remaining } : {}),
    verify(received) {
      if (decoder?.failure) throw decoder.failure
      if (declaredSize !== undefined && received.size !== declaredSize)
        throw s3Error(
          400,
          'IncompleteBody',
          'You did not provide the number of bytes specified by the Content-Length HTTP header.',
        )
      if (contentMd5 !== undefined && received.md5.toString('base64') !== contentMd5)
        throw s3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', {
          ExpectedDigest: contentMd5,
          CalculatedDigest: received.md5.toString('base64'),
        })
      if (sha256) {
        const computed = sha256.digest('hex')
        if (computed !== contentSha256)
          throw s3Error(
            400,
            'XAmzContentSHA256Mismatch',
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            { ClientComputedContentSHA256: contentSha256!, S3ComputedContentSHA256: computed },
          )
      }
      if (algorithm && checksum) {
        const expected = fromTrailer ? decoder?.trailers.get(checksumHeader(fromTrailer)) : headerValue
        if (expected === undefined)
          throw s3Error(400, 'InvalidRequest', `The ${checksumHeader(algorithm)} trailer was not sent.`)
        if (!base64Of(expected, checksumBytes[algorithm]))
          throw s3Error(400, 'InvalidRequest', `Value for ${checksumHeader(algorithm)} trailing header is invalid.`)
        const computed = checksum.digest().toString('base64')
        if (computed !== expected)
          throw s3Error(400, 'BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`)
        verified = { algorithm, value: computed }
      }
    },
    checksum: () => verified,
  }
}

/** Reads a small body whole (an XML document), through the same decoding and checks; over `cap` bytes is refused. */
export const readSmallBody = async (req: IncomingMessage, cap: number): Promise<Buffer> => {
  const body = requestBody(req)
  if (body.declaredSize !== undefined && body.declaredSize > cap)
    throw s3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body.stream) {
    size += (chunk as Buffer).length
    if (size > cap) throw s3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.')
    chunks.push(chunk as Buffer)
  }
  const whole = Buffer.concat(chunks)
  body.verify({ size, md5: createHash('md5').update(whole).digest() })
  return whole
}

/**
 * Decodes `aws-chunked`: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n`, then trailer lines
 * (`x-amz-checksum-crc32:…`) and an empty line. Signatures are not checked (no credentials are). A malformed body is
 * not an error of the stream, which would cut the connection before S3's answer: the rest is read and dropped, and
 * `failure` holds the answer for `verify`.
 */
class AwsChunkedDecoder extends Transform {
  failure: AwsApiError | undefined
  readonly trailers = new Map<string, string>()
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size'
  private line = ''
  private remaining = 0
  private pendingCr = false

  private fail(message: string): void {
    this.failure ??= s3Error(400, 'IncompleteBody', message)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0
    while (at < chunk.length && !this.failure) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - at)
        this.push(chunk.subarray(at, at + take))
        at += take
        this.remaining -= take
        if (this.remaining === 0) this.state = 'data-end'
        continue
      }
      // The other states read CRLF-terminated lines.
      const byte = chunk[at++]!
      if (this.pendingCr) {
        this.pendingCr = false
        if (byte !== 0x0a) {
          this.fail('A chunk line of the aws-chunked body is not terminated by CRLF.')
          break
        }
        this.endLine()
        continue
      }
      if (byte === 0x0d) this.pendingCr = true
      else if (this.state === 'data-end' || this.state === 'done') this.fail('The aws-chunked body has extra bytes.')
      else if (this.line.length >= 8192) this.fail('A chunk line of the aws-chunked body is too long.')
      else this.line += String.fromCharCode(byte)
    }
    callback()
  }

  private endLine(): void {
    const line = this.line
    this.line = ''
    switch (this.state) {
      case 'size': {
        const size = /^([0-9a-fA-F]{1,15})(;.*)?$/.exec(line)?.[1]
        if (size === undefined) return this.fail('A chunk size of the aws-chunked body is malformed.')
        this.remaining = Number.parseInt(size, 16)
        this.state = this.remaining === 0 ? 'trailer' : 'data'
        return
      }
      case 'data-end':
        this.state = 'size'
        return
      case 'trailer': {
        if (line === '') {
          this.state = 'done'
          return
        }
        const colon = line.indexOf(':')
        if (colon <= 0) return this.fail('A trailer of the aws-chunked body is malformed.')
        this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
        return
      }
      default:
        return this.fail('The aws-chunked body has extra bytes.')
    }
  }

  override _flush(callback: TransformCallback): void {
    // The SDKs end a body without a trailer right after `0\r\n`: that is complete too.
    const complete = this.state === 'done' || (this.state === 'trailer' && this.line === '' && !this.pendingCr)
    if (!complete) this.fail('The request body terminated unexpectedly.')
    callback()
  }
}
