/**
 * Real image fixtures, generated with sharp at test time so no binary files live in the repository.
 * Every function returns the bytes of an object as it would be uploaded. Sizes are small unless stated.
 */
import sharp, { type Sharp } from 'sharp'

/** Noise makes the encoded data long and incompressible, so cutting a file short lands in the middle of pixel data. */
const Noise = { type: 'gaussian', mean: 128, sigma: 40 } as const

const noisy = (width: number, height: number, channels: 3 | 4 = 3): Sharp =>
  sharp({ create: { width, height, channels, background: { r: 128, g: 128, b: 128, alpha: 0.5 }, noise: Noise } })

const solid = (width: number, height: number, background: string): Sharp =>
  sharp({ create: { width, height, channels: 3, background } })

/** A baseline JPEG of noise. */
export const jpeg = (width = 320, height = 240): Promise<Buffer> =>
  noisy(width, height).jpeg({ quality: 85 }).toBuffer()

/**
 * A JPEG stored `width` x `height` with the EXIF Orientation tag set (1 to 8), as a phone camera writes it.
 * The stored pixels are red on the left half and blue on the right, so a test can tell which way it was turned:
 * orientation 6 (rotate 90° clockwise to display) puts red on top.
 */
export const jpegWithOrientation = async (width: number, height: number, orientation: number): Promise<Buffer> => {
  const blueHalf = await solid(width - Math.floor(width / 2), height, '#0000ff')
    .png()
    .toBuffer()
  return (
    solid(width, height, '#ff0000')
      .composite([{ input: blueHalf, left: Math.floor(width / 2), top: 0 }])
      .jpeg({ quality: 90 })
      // withMetadata is the way sharp 0.35 writes Orientation: withExif({ IFD0: { Orientation } }) is overridden.
      .withMetadata({ orientation })
      .toBuffer()
  )
}

/** An RGBA PNG of noise at half opacity. */
export const pngWithAlpha = (width = 200, height = 150): Promise<Buffer> => noisy(width, height, 4).png().toBuffer()

/** A lossy WebP of noise. */
export const webp = (width = 240, height = 180): Promise<Buffer> =>
  noisy(width, height).webp({ quality: 80 }).toBuffer()

/** An AVIF of noise (major brand `avif`). */
export const avif = (width = 160, height = 120): Promise<Buffer> =>
  noisy(width, height).avif({ quality: 60 }).toBuffer()

/** A little-endian (`II*\0`) TIFF of noise. */
export const tiff = (width = 160, height = 120): Promise<Buffer> => noisy(width, height).tiff().toBuffer()

const FrameColours = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff', '#ff00ff']

const frames = (width: number, frameHeight: number, count: number): Promise<Buffer[]> =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      solid(width, frameHeight, FrameColours[i % FrameColours.length])
        .png()
        .toBuffer(),
    ),
  )

/** An animated GIF of `count` frames, each `width` x `frameHeight` and one solid colour (red, green, blue, ...). */
export const animatedGif = async (width = 120, frameHeight = 80, count = 3): Promise<Buffer> =>
  sharp(await frames(width, frameHeight, count), { join: { animated: true } })
    .gif({ delay: 100 })
    .toBuffer()

/** An animated WebP of `count` frames, each `width` x `frameHeight` and one solid colour. */
export const animatedWebp = async (width = 120, frameHeight = 80, count = 3): Promise<Buffer> =>
  sharp(await frames(width, frameHeight, count), { join: { animated: true } })
    .webp({ delay: 100 })
    .toBuffer()

/** The first half of a noisy JPEG's bytes: the header is intact (metadata reads fine), the scan data stops early. */
export const truncatedJpeg = async (width = 320, height = 240): Promise<Buffer> => {
  const whole = await jpeg(width, height)
  return whole.subarray(0, Math.floor(whole.length / 2))
}

/** The first half of a noisy PNG's bytes: IHDR intact, IDAT cut. */
export const truncatedPng = async (width = 200, height = 150): Promise<Buffer> => {
  const whole = await pngWithAlpha(width, height)
  return whole.subarray(0, Math.floor(whole.length / 2))
}

/** An SVG document with an XML declaration, which sharp would happily render if it were let through. */
export const svg = (width = 100, height = 100): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="${width}" height="${height}" fill="red"/></svg>\n`,
  )

/** A plain text file, e.g. one named `cat.jpg` by mistake. */
export const textFile = (content = 'this is not an image\n'): Buffer => Buffer.from(content)

/** A zero-byte object. */
export const emptyFile = (): Buffer => Buffer.alloc(0)

/**
 * A solid white PNG of `width` x `height` for pixel-limit tests: 12000 x 12000 (144 megapixels) encodes in about
 * two seconds to about 450 KB, under any byte limit but over a 50-megapixel limit.
 */
export const hugePng = (width = 12_000, height = 12_000): Promise<Buffer> =>
  solid(width, height, '#ffffff').png().toBuffer()
