import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { entityTooLarge } from './refusal'

/** What a streamed write received: its length and its MD5, computed once on the way to disk. */
export interface Received {
  readonly size: number
  readonly md5: Buffer
}

/**
 * Streams a body into `file`, counting and hashing it once, and stops at `limit` bytes: a declared length over the
 * limit is refused before a byte is read, a body that turns out longer as soon as it passes the limit. Every upload
 * goes through here: the project's `PUT /uploads/{key}`, S3's PutObject and UploadPart, and CopyObject's copy.
 */
export const receiveToFile = async (
  source: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  file: string,
  limit: number,
  declaredSize?: number,
): Promise<Received> => {
  if (declaredSize !== undefined && declaredSize > limit) throw entityTooLarge(limit, declaredSize)
  const md5 = createHash('md5')
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > limit) return callback(entityTooLarge(limit))
      md5.update(chunk)
      callback(null, chunk)
    },
  })
  await pipeline(source, meter, createWriteStream(file))
  return { size, md5: md5.digest() }
}
