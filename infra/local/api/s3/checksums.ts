import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'

/**
 * The checksums S3 verifies on upload (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * each computed incrementally over the body as it streams in, and given as S3 gives it, base64 of the big-endian value.
 */
export const ChecksumAlgorithms = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const
export type ChecksumAlgorithm = (typeof ChecksumAlgorithms)[number]

/** An incremental checksum: `update` with each chunk, `digest` once at the end. */
export interface Checksum {
  update(chunk: Buffer): void
  digest(): Buffer
}

/** The lookup table of a reflected 32-bit CRC. */
const crc32Table = (polynomial: number): Uint32Array => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
const castagnoli = crc32Table(0x82f63b78)

/** CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, as two 32-bit halves (BigInt would be far slower). */
const nvme = (() => {
  const high = new Uint32Array(256)
  const low = new Uint32Array(256)
  const polyHigh = 0x9a6c9329
  const polyLow = 0xac4bc9b5
  for (let n = 0; n < 256; n++) {
    let h = 0
    let l = n
    for (let k = 0; k < 8; k++) {
      const carry = l & 1
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0
      h = h >>> 1
      if (carry) {
        h = (h ^ polyHigh) >>> 0
        l = (l ^ polyLow) >>> 0
      }
    }
    high[n] = h
    low[n] = l
  }
  return { high, low }
})()

const uint32 = (value: number): Buffer => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(value >>> 0)
  return out
}

/** A fresh incremental checksum of that algorithm. */
export const newChecksum = (algorithm: ChecksumAlgorithm): Checksum => {
  switch (algorithm) {
    case 'CRC32': {
      let value = 0
      return { update: (chunk) => void (value = crc32(chunk, value)), digest: () => uint32(value) }
    }
    case 'CRC32C': {
      let c = 0xffffffff
      return {
        update: (chunk) => {
          for (const byte of chunk) c = castagnoli[(c ^ byte) & 0xff]! ^ (c >>> 8)
        },
        digest: () => uint32(~c),
      }
    }
    case 'CRC64NVME': {
      let h = 0xffffffff
      let l = 0xffffffff
      return {
        update: (chunk) => {
          for (const byte of chunk) {
            const index = (l ^ byte) & 0xff
            l = (((l >>> 8) | ((h & 0xff) << 24)) ^ nvme.low[index]!) >>> 0
            h = ((h >>> 8) ^ nvme.high[index]!) >>> 0
          }
        },
        digest: () => Buffer.concat([uint32(~h), uint32(~l)]),
      }
    }
    case 'SHA1':
    case 'SHA256': {
      const hash = createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256')
      return { update: (chunk) => void hash.update(chunk), digest: () => hash.digest() }
    }
  }
}

/** The header that carries a checksum (`x-amz-checksum-crc32`), also its trailer's name. */
export const checksumHeader = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`

/** The length in bytes of each algorithm's digest, to tell a malformed value from a wrong one. */
export const checksumBytes: Readonly<Record<ChecksumAlgorithm, number>> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
}
