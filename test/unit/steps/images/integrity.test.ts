import sharp from 'sharp'
import { DefaultRenditions, type ImageFormat } from '../../../../contracts/images'
import { renderFromOneDecode } from '../../../../steps/images/render/decode'
import { jpegReachesEnd } from '../../../../steps/images/validate/jpeg-end'
import {
  animatedGif,
  animatedWebp,
  avif,
  jpeg,
  jpegWithOrientation,
  pngWithAlpha,
  tiff,
  webp,
} from '../../../support/images'

const MaxPixels = 50_000_000

const Noise = { type: 'gaussian', mean: 128, sigma: 40 } as const
const noisy = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 }, noise: Noise } })

/** What a full decode of every pixel (sharp's `stats()`) decides: the check the reduced decode replaces. */
const fullDecodeRejects = (bytes: Uint8Array): Promise<boolean> =>
  sharp(bytes, { failOn: 'error', limitInputPixels: MaxPixels })
    .stats()
    .then(
      () => false,
      () => true,
    )

/** A deterministic pseudo-random sequence, so a damaged file is the same on every run. */
const sequence = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}

/** Copies of `whole` cut short at several points and with a few bytes overwritten in its second half. */
const damaged = (whole: Buffer, seed: number): Array<readonly [string, Buffer]> => {
  const random = sequence(seed)
  const cuts = [1, 2, 30, 200, Math.floor(whole.length / 2)].map(
    (n) => [`missing its last ${n} bytes`, whole.subarray(0, whole.length - n)] as const,
  )
  const overwritten = Array.from({ length: 4 }, () => {
    const copy = Buffer.from(whole)
    const at = Math.floor(copy.length * (0.5 + random() * 0.45))
    for (let i = 0; i < 8; i++) copy[at + i] = Math.floor(random() * 256)
    return [`overwritten at byte ${at}`, copy] as const
  })
  return [...cuts, ...overwritten]
}

/** Every accepted format, in the encodings sharp writes; JPEG in sizes whose last MCU row is partly outside the image. */
const Fixtures: ReadonlyArray<readonly [string, ImageFormat, () => Promise<Buffer>]> = [
  ['a baseline 4:2:0 JPEG of 1200x900', 'jpeg', () => noisy(1200, 900).jpeg({ quality: 85 }).toBuffer()],
  [
    'a baseline 4:4:4 JPEG of 96x225',
    'jpeg',
    () => noisy(96, 225).jpeg({ quality: 85, chromaSubsampling: '4:4:4' }).toBuffer(),
  ],
  ['a progressive JPEG of 203x257', 'jpeg', () => noisy(203, 257).jpeg({ quality: 85, progressive: true }).toBuffer()],
  ['a mozjpeg JPEG of 203x236', 'jpeg', () => noisy(203, 236).jpeg({ quality: 85, mozjpeg: true }).toBuffer()],
  ['a lossy WebP of 800x600', 'webp', () => noisy(800, 600).webp({ quality: 80 }).toBuffer()],
  ['a lossless WebP of 96x251', 'webp', () => noisy(96, 251).webp({ lossless: true }).toBuffer()],
  ['an RGBA PNG', 'png', () => pngWithAlpha(200, 150)],
  ['an interlaced PNG', 'png', () => noisy(200, 150).png({ progressive: true }).toBuffer()],
  ['a GIF', 'gif', () => noisy(200, 150).gif().toBuffer()],
  ['an AVIF', 'avif', () => avif(160, 120)],
  ['a TIFF', 'tiff', () => tiff(160, 120)],
  ['a JPEG-compressed TIFF', 'tiff', () => noisy(160, 120).tiff({ compression: 'jpeg' }).toBuffer()],
  ['an LZW TIFF', 'tiff', () => noisy(160, 120).tiff({ compression: 'lzw' }).toBuffer()],
]

describe('the render decode, which checks integrity as it decodes once for every rendition', () => {
  const renders = (bytes: Uint8Array, format: ImageFormat): Promise<string | undefined> =>
    renderFromOneDecode(bytes, format, DefaultRenditions, MaxPixels).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    )

  it.each([
    ...Fixtures,
    ['a JPEG with EXIF orientation 6', 'jpeg', () => jpegWithOrientation(400, 200, 6)],
    ['a 12-megapixel JPEG', 'jpeg', () => noisy(4000, 3000).jpeg({ quality: 85 }).toBuffer()],
    ['a JPEG smaller than every rendition', 'jpeg', () => jpeg(17, 13)],
    ['an animated GIF', 'gif', () => animatedGif(120, 80, 3)],
    ['an animated WebP', 'webp', () => animatedWebp(120, 80, 3)],
    ['a WebP smaller than every rendition', 'webp', () => webp(24, 24)],
  ] as const)('accepts %s whole', async (_name, format, make) => {
    expect(await renders(await make(), format)).toBeUndefined()
  })

  it.each(Fixtures)('rejects every damaged copy of %s that a full decode rejects', async (_name, format, make) => {
    // Prepare
    const whole = await make()
    const missed: string[] = []

    // Act
    for (const [label, bytes] of damaged(whole, whole.length)) {
      if ((await fullDecodeRejects(bytes)) && (await renders(bytes, format)) === undefined) missed.push(label)
    }

    // Assess
    expect(missed).toEqual([])
  })

  it.each(Fixtures)('rejects %s cut in half', async (_name, format, make) => {
    const whole = await make()

    expect(await renders(whole.subarray(0, Math.floor(whole.length / 2)), format)).toEqual(expect.any(String))
  })

  it.each([200, 30, 1])(
    'rejects a 4000x3000 JPEG missing its last %i bytes, which a decode at reduced scale never reads',
    async (missing) => {
      // Prepare: the renditions' box is 1280 px, so libjpeg decodes at reduced scale, which need not read to the EOI.
      const whole = await noisy(4000, 3000).jpeg({ quality: 85 }).toBuffer()

      // Act
      const reason = await renders(whole.subarray(0, whole.length - missing), 'jpeg')

      // Assess
      expect(reason).toMatch(/premature end of JPEG/)
    },
  )
})

describe('jpegReachesEnd', () => {
  it('is true for a whole JPEG, and still true with bytes after its EOI', async () => {
    // Prepare
    const whole = await jpeg(64, 48)
    const withTrailer = Buffer.concat([whole, Buffer.from('trailer written by a camera')])

    // Act
    const results = [jpegReachesEnd(whole), jpegReachesEnd(withTrailer)]

    // Assess
    expect(results).toEqual([true, true])
  })

  it('is true for a progressive JPEG, whose scans are separated by table segments', async () => {
    // Prepare
    const whole = await noisy(64, 48).jpeg({ progressive: true }).toBuffer()

    // Act
    const reaches = jpegReachesEnd(whole)

    // Assess
    expect(reaches).toBe(true)
  })

  it('is false wherever the file is cut, from inside a header to just before the final byte', async () => {
    // Prepare
    const whole = await jpeg(64, 48)
    const cuts = [3, 20, Math.floor(whole.length / 2), whole.length - 3, whole.length - 1]

    // Act
    const results = cuts.map((length) => jpegReachesEnd(whole.subarray(0, length)))

    // Assess
    expect(results).toEqual(cuts.map(() => false))
  })

  it('is false for bytes that do not start with SOI, or where a segment should start', () => {
    // Prepare
    const notJpeg = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])
    const garbageAfterSoi = Buffer.from([0xff, 0xd8, 0x12, 0x34, 0xff, 0xd9])

    // Act
    const results = [jpegReachesEnd(notJpeg), jpegReachesEnd(garbageAfterSoi)]

    // Assess
    expect(results).toEqual([false, false])
  })
})
