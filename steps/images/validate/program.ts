import { Effect } from 'effect'
import sharp from 'sharp'
import { InvalidInput } from '../../../contracts/errors'
import {
  CorruptImage,
  EmptyImage,
  ImageTooLarge,
  TooManyPixels,
  UnsupportedImage,
  type ImageFormat,
  type ValidatedImage,
} from '../../../contracts/images'
import type { ObjectCreated } from '../../../contracts/s3'
import { UploadsPrefix } from '../../../contracts/sources'
import { PipelineConfig } from '../../services/config'
import { ObjectStore } from '../../services/object-store'
import { detectFormat, isImageFormat } from './magic'

/** EXIF orientations 5 to 8 turn the image a quarter (transpose, 90° CW, transverse, 90° CCW). */
const QuarterTurnOrientations: ReadonlySet<number> = new Set([5, 6, 7, 8])

/** Width and height of an image as it is displayed: what a user calls its size. */
interface Dimensions {
  readonly width: number
  readonly height: number
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Reads the dimensions from the header only (sharp decodes no pixels for `metadata()`).
 * `limitInputPixels: false` because sharp applies the pixel limit to `metadata()` as well; a huge image must
 * reach the pixel check below and be rejected as `TooManyPixels`, not as a corrupt file.
 */
const readDimensions = (key: string, format: ImageFormat, bytes: Uint8Array) =>
  Effect.tryPromise({
    try: () => sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata(),
    catch: (error) => new CorruptImage({ key, format, reason: reasonOf(error) }),
  }).pipe(
    Effect.map((meta): Dimensions => {
      // Animated GIF/WebP: renditions use the first frame, so its height is the image's height.
      const frameHeight = (meta.pages ?? 1) > 1 && meta.pageHeight ? meta.pageHeight : meta.height
      // Users expect the size they see, so a phone photo stored landscape with orientation 6 is reported portrait.
      return QuarterTurnOrientations.has(meta.orientation ?? 1)
        ? { width: frameHeight, height: meta.width }
        : { width: meta.width, height: frameHeight }
    }),
  )

/** Empty and oversized objects are rejected on their size alone. */
const checkSize = (key: string, size: number, maxBytes: number) =>
  size === 0
    ? Effect.fail(new EmptyImage({ key }))
    : size > maxBytes
      ? Effect.fail(new ImageTooLarge({ key, size, limit: maxBytes }))
      : Effect.void

/** S3 events carry the etag bare while HeadObject quotes it; the pipeline keeps the bare form throughout. */
const unquote = (etag: string): string => etag.replace(/^"|"$/g, '')

/**
 * What the image workflow checks about an upload before any pixel is decoded, and what it learns: the format and the
 * displayed dimensions. Checks, cheapest first: the key is under `uploads/`; the size from a HEAD (so an oversized
 * object is never downloaded); the magic bytes (never the extension or Content-Type); the pixel count from the
 * header. Answers the image and the bytes read, which the render step decodes once (`render/decode.ts`), its decode
 * being the integrity check.
 *
 * Fails with `EmptyImage`, `ImageTooLarge`, `UnsupportedImage`, `TooManyPixels`, `CorruptImage` (an unreadable
 * header; rejections the workflow catches), `InvalidInput` (a key outside `uploads/`), or the store's
 * `ObjectNotFound`/`TransientError`.
 */
export const validateUpload = (event: ObjectCreated) =>
  Effect.gen(function* () {
    const { key, etag: eventEtag, 'version-id': versionId } = event.detail.object
    // The trigger rule filters on the prefix already; a key outside it would mean a misrouted event.
    if (!key.startsWith(UploadsPrefix)) {
      return yield* Effect.fail(new InvalidInput({ message: `object key "${key}" is not under ${UploadsPrefix}` }))
    }
    const store = yield* ObjectStore
    const config = yield* PipelineConfig

    const head = yield* store.head(key)
    yield* checkSize(key, head.size, config.maxImageBytes)
    const bytes = yield* store.get(key)
    // The object may have been overwritten since the HEAD: judge the bytes actually read.
    yield* checkSize(key, bytes.length, config.maxImageBytes)

    const detected = detectFormat(bytes)
    if (!isImageFormat(detected)) return yield* Effect.fail(new UnsupportedImage({ key, detected }))

    const { width, height } = yield* readDimensions(key, detected, bytes)
    if (width * height > config.maxImagePixels) {
      return yield* Effect.fail(new TooManyPixels({ key, width, height, limit: config.maxImagePixels }))
    }

    // Report the version that was read. The event's version id names it only while the etags agree; otherwise a
    // newer upload replaced it, and that upload's own event brings its version id.
    const etag = unquote(head.etag)
    const sameVersion = etag === unquote(eventEtag)
    const image: ValidatedImage = {
      bucket: event.detail.bucket.name,
      key,
      etag,
      ...(sameVersion && versionId !== undefined ? { versionId } : {}),
      size: bytes.length,
      format: detected,
      width,
      height,
    }
    return { image, bytes }
  })
