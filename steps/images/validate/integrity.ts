import sharp from 'sharp'
import type { ImageFormat } from '../../../contracts/images'
import { jpegReachesEnd } from './jpeg-end'

/**
 * The edge, in pixels, of the reduced decode. Small enough that sharp decodes a JPEG at 1/8 scale and a WebP scaled
 * down; the size itself is thrown away.
 */
const ReducedEdge = 64

/** Formats whose decoders read the whole compressed stream even at reduced scale (shrink-on-load). */
const ShrinkOnLoad: ReadonlySet<ImageFormat> = new Set(['jpeg', 'webp'])

/**
 * Decodes the first frame at reduced scale. libjpeg still Huffman-decodes every coefficient of every MCU row it
 * reaches and libwebp decodes the whole bitstream before scaling, so damaged data fails with `failOn: 'error'` at a
 * fraction of a full decode's cost (the inverse DCT at 1/8 scale is a DC term per block).
 */
const decodeReduced = (bytes: Uint8Array, maxPixels: number): Promise<unknown> =>
  sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels })
    .resize(ReducedEdge, ReducedEdge, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer()

/**
 * Adam7-interlaced PNG (the IHDR's interlace byte, at offset 28, is 1): the decoder needs every pass before it can
 * give the first row, so the whole file is read whatever is asked of it.
 */
const isInterlacedPng = (bytes: Uint8Array, format: ImageFormat): boolean =>
  format === 'png' && bytes.length > 28 && bytes[28] === 1

/** Decodes every pixel of the first frame at full size, keeping nothing but sharp's per-channel statistics. */
const decodeFull = (bytes: Uint8Array, maxPixels: number): Promise<unknown> =>
  sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels }).stats()

/**
 * Rejects (with sharp's reason) an image whose data is truncated or damaged, so it fails validation rather than
 * becoming a half-grey thumbnail. `failOn: 'error'` rather than `'truncated'`: both catch truncated JPEG, PNG, WebP,
 * GIF and AVIF, but only `'error'` catches a JPEG-compressed TIFF cut short by a few bytes.
 *
 * JPEG and WebP are decoded at reduced scale; a JPEG must also run to its EOI marker, since a reduced decode stops
 * before the data of the last MCU row. PNG, GIF, AVIF and TIFF have no shrink-on-load: they are decoded in full,
 * an interlaced PNG through the resize pipeline, because `stats()` lets one cut short through without an error.
 */
export const checkIntegrity = async (bytes: Uint8Array, format: ImageFormat, maxPixels: number): Promise<void> => {
  if (isInterlacedPng(bytes, format)) {
    await decodeReduced(bytes, maxPixels)
    return
  }
  if (!ShrinkOnLoad.has(format)) {
    await decodeFull(bytes, maxPixels)
    return
  }
  await decodeReduced(bytes, maxPixels)
  if (format === 'jpeg' && !jpegReachesEnd(bytes)) {
    throw new Error('premature end of JPEG data: the file ends before its EOI marker')
  }
}
