import sharp, { type Sharp } from 'sharp'
import type { ImageFormat, RenditionSpec } from '../../../contracts/images'
import { jpegReachesEnd } from '../validate/jpeg-end'

/** JPEG has no alpha: transparent pixels become white, as a browser shows them on a plain page, not black. */
const White = { r: 255, g: 255, b: 255 }

/** The encoder for each rendition format. PNG is lossless, so `quality` does not apply to it. */
export const encode = (image: Sharp, spec: RenditionSpec): Sharp => {
  switch (spec.format) {
    case 'jpeg':
      return image.flatten({ background: White }).jpeg({ quality: spec.quality, mozjpeg: false })
    case 'webp':
      return image.webp({ quality: spec.quality })
    case 'avif':
      return image.avif({ quality: spec.quality })
    case 'png':
      return image.png({ compressionLevel: 9 })
  }
}

/** One rendition, encoded, with the size it came out at. */
export interface RenderedRendition {
  readonly spec: RenditionSpec
  readonly data: Buffer
  readonly width: number
  readonly height: number
}

const fitInside = (spec: Pick<RenditionSpec, 'width' | 'height'>) =>
  ({ width: spec.width, height: spec.height, fit: 'inside', withoutEnlargement: true }) as const

/**
 * Every rendition of an image from one decode. The image is decoded once, first frame only (`pages: 1`), turned by
 * its EXIF orientation and fitted inside the box that holds every rendition, so JPEG and WebP decode at reduced
 * scale where that box allows (shrink-on-load); each rendition is then resized from those pixels and encoded. No
 * metadata reaches a rendition (raw pixels carry none, and sharp converts to sRGB), so a thumbnail never carries the
 * camera's location.
 *
 * The decode is also the integrity check: `failOn: 'error'` fails on truncated or damaged data in every accepted
 * format, and a JPEG must also run to its EOI marker, since a reduced decode stops before the data of its last MCU
 * row (the same checks `validate/integrity.ts` makes, without a decode of its own). Rejects with sharp's reason.
 */
export const renderFromOneDecode = async (
  bytes: Uint8Array,
  format: ImageFormat,
  specs: ReadonlyArray<RenditionSpec>,
  maxPixels: number,
): Promise<ReadonlyArray<RenderedRendition>> => {
  const box = {
    width: Math.max(...specs.map((spec) => spec.width)),
    height: Math.max(...specs.map((spec) => spec.height)),
  }
  const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, pages: 1 })
    .rotate()
    .resize(fitInside(box))
    .raw()
    .toBuffer({ resolveWithObject: true })
  if (format === 'jpeg' && !jpegReachesEnd(bytes))
    throw new Error('premature end of JPEG data: the file ends before its EOI marker')
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } }
  return Promise.all(
    specs.map(async (spec) => {
      const encoded = await encode(sharp(data, raw).resize(fitInside(spec)), spec).toBuffer({ resolveWithObject: true })
      return { spec, data: encoded.data, width: encoded.info.width, height: encoded.info.height }
    }),
  )
}
