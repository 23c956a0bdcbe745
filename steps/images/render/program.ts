import { createHash } from 'node:crypto'
import { Effect } from 'effect'
import { CorruptImage, RenderInput, type Rendition, type RenderOutput } from '../../../contracts/images'
import { PipelineConfig } from '../../services/config'
import { ObjectStore } from '../../services/object-store'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { validateUpload } from '../validate/program'
import { renderFromOneDecode } from './decode'
import { RenditionContentTypes, renditionKey } from './keys'

/**
 * The `render-image` step: validates an upload (`validateUpload`: key, size, magic bytes, pixel count, before any
 * decode), decodes it once, which also checks it is intact (`renderFromOneDecode`), and writes every rendition to
 * `thumbnails/{spec.name}/...` (see {@link renditionKey}). Rendering is deterministic: a rendition whose bytes
 * already stand (a retry, a duplicate run, a replay) is not written again, so it emits no second `Object Created`.
 * One invocation and one decode for all renditions, where a step per rendition decoded the upload once each.
 *
 * Fails with `EmptyImage`, `ImageTooLarge`, `UnsupportedImage`, `TooManyPixels`, `CorruptImage` (rejections the
 * workflow catches), `InvalidInput` (a key outside `uploads/`), or the store's `ObjectNotFound`/`TransientError`.
 */
export const renderImage = defineStep({
  name: StepNames.renderImage,
  input: RenderInput,
  run: ({ event, renditionSpecs }) =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      const config = yield* PipelineConfig
      const { image, bytes } = yield* validateUpload(event)
      const rendered = yield* Effect.tryPromise({
        try: () => renderFromOneDecode(bytes, image.format, renditionSpecs, config.maxImagePixels),
        catch: (error) =>
          new CorruptImage({
            key: image.key,
            format: image.format,
            reason: error instanceof Error ? error.message : String(error),
          }),
      })
      const renditions = yield* Effect.forEach(
        rendered,
        ({ spec, data, width, height }) =>
          Effect.gen(function* () {
            const key = renditionKey(image.key, spec)
            // S3's ETag of a single-part upload is the body's MD5.
            const standing = yield* store
              .head(key)
              .pipe(Effect.catchTag('ObjectNotFound', () => Effect.succeed(undefined)))
            if (standing?.etag.replace(/"/g, '') !== createHash('md5').update(data).digest('hex'))
              yield* store.put(key, data, RenditionContentTypes[spec.format])
            const rendition: Rendition = {
              name: spec.name,
              key,
              format: spec.format,
              width,
              height,
              bytes: data.length,
            }
            return rendition
          }),
        { concurrency: 'unbounded' },
      )
      const output: RenderOutput = { image, renditions }
      return output
    }),
})
