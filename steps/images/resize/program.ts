import { createHash } from 'node:crypto'
import { Effect } from 'effect'
import sharp, { type Sharp } from 'sharp'
import { InvalidInput } from '../../../contracts/errors'
import {
  CorruptImage,
  ResizeInput,
  UnsupportedImage,
  type Rendition,
  type RenditionSpec,
} from '../../../contracts/images'
import { UploadsPrefix } from '../../../contracts/sources'
import { PipelineConfig } from '../../services/config'
import { ObjectStore } from '../../services/object-store'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { detectFormat, isImageFormat } from '../validate/magic'
import { RenditionContentTypes, renditionKey } from './keys'

/** JPEG has no alpha: transparent pixels become white, as a browser shows them on a plain page, not black. */
const White = { r: 255, g: 255, b: 255 }

/** The encoder for each rendition format. PNG is lossless, so `quality` does not apply to it. */
const encode = (image: Sharp, spec: RenditionSpec): Sharp => {
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

/**
 * One rendition of an image, in memory. `pages: 1` keeps only the first frame of an animated GIF or WebP (sharp's
 * default, stated because a one-frame output depends on it). `.rotate()` applies the EXIF orientation, and no
 * `withMetadata`/`keepExif` call means EXIF, XMP and ICC are stripped (sharp converts to sRGB), so a thumbnail never
 * carries the camera's location. The limits repeat validation's, since the object could have changed since then.
 */
const render = (bytes: Uint8Array, spec: RenditionSpec, maxPixels: number) =>
  encode(
    sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, pages: 1 })
      .rotate()
      .resize({ width: spec.width, height: spec.height, fit: 'inside', withoutEnlargement: true }),
    spec,
  ).toBuffer({ resolveWithObject: true })

/**
 * The `resize-image` step: renders one {@link RenditionSpec} of a validated image and writes it to
 * `thumbnails/{spec.name}/...` (see {@link renditionKey}); a retry or replay that renders the same bytes writes nothing.
 * Returns the rendition's key, format, displayed size and byte count.
 *
 * Fails with `CorruptImage` when sharp cannot decode or encode, `UnsupportedImage` when the stored bytes are no
 * longer an accepted format (the object was replaced after validation: sharp must never see an SVG or PDF),
 * `InvalidInput` for a key outside `uploads/`, or the store's `ObjectNotFound`/`TransientError`.
 */
export const resizeImage = defineStep({
  name: StepNames.resizeImage,
  input: ResizeInput,
  run: ({ image, spec }) =>
    Effect.gen(function* () {
      if (!image.key.startsWith(UploadsPrefix)) {
        return yield* Effect.fail(
          new InvalidInput({ message: `object key "${image.key}" is not under ${UploadsPrefix}` }),
        )
      }
      const store = yield* ObjectStore
      const config = yield* PipelineConfig

      const bytes = yield* store.get(image.key)
      const detected = detectFormat(bytes)
      if (!isImageFormat(detected)) return yield* Effect.fail(new UnsupportedImage({ key: image.key, detected }))

      const { data, info } = yield* Effect.tryPromise({
        try: () => render(bytes, spec, config.maxImagePixels),
        catch: (error) =>
          new CorruptImage({
            key: image.key,
            format: detected,
            reason: error instanceof Error ? error.message : String(error),
          }),
      })
      const key = renditionKey(image.key, spec)
      // Rendering is deterministic: when the same bytes already stand (a retry, a duplicate run, a replay), writing
      // them again would only emit another `Object Created`. S3's ETag of a single-part upload is the body's MD5.
      const standing = yield* store.head(key).pipe(Effect.catchTag('ObjectNotFound', () => Effect.succeed(undefined)))
      if (standing?.etag.replace(/"/g, '') !== createHash('md5').update(data).digest('hex')) {
        yield* store.put(key, data, RenditionContentTypes[spec.format])
      }

      const rendition: Rendition = {
        name: spec.name,
        key,
        format: spec.format,
        width: info.width,
        height: info.height,
        bytes: data.length,
      }
      return rendition
    }),
})
