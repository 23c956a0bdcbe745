import { Schema } from 'effect'
import { EventEnvelope } from './envelope'
import { ObjectCreated } from './s3'
import { ImageProcessedType, ImageRejectedType } from './sources'

/** The formats the image workflow accepts, as detected from magic bytes. */
export const ImageFormat = Schema.Literal('jpeg', 'png', 'webp', 'gif', 'avif', 'tiff')
export type ImageFormat = typeof ImageFormat.Type

/** One rendition to produce: fit inside `width` x `height`, encode as `format`. */
export const RenditionSpec = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[a-z0-9-]+$/)),
  width: Schema.Int.pipe(Schema.positive()),
  height: Schema.Int.pipe(Schema.positive()),
  format: Schema.Literal('jpeg', 'webp', 'png', 'avif'),
  quality: Schema.Int.pipe(Schema.between(1, 100)),
})
export type RenditionSpec = typeof RenditionSpec.Type

/** The default renditions: a 200x200 JPEG thumbnail at quality 90, and a 1280x1280 WebP for the web. */
export const DefaultRenditions: ReadonlyArray<RenditionSpec> = [
  { name: 'thumbnail', width: 200, height: 200, format: 'jpeg', quality: 90 },
  { name: 'web', width: 1280, height: 1280, format: 'webp', quality: 80 },
]

/** Which object version a workflow run is about: the key plus its etag (and version id where the bucket keeps versions). */
export const ObjectVersion = Schema.Struct({
  bucket: Schema.String,
  key: Schema.String,
  etag: Schema.String,
  versionId: Schema.optional(Schema.String),
})
export type ObjectVersion = typeof ObjectVersion.Type

/** What validation learnt about an upload. */
export const ValidatedImage = Schema.Struct({
  ...ObjectVersion.fields,
  size: Schema.Number,
  format: ImageFormat,
  width: Schema.Int,
  height: Schema.Int,
})
export type ValidatedImage = typeof ValidatedImage.Type

export const Rendition = Schema.Struct({
  name: Schema.String,
  key: Schema.String,
  format: Schema.String,
  width: Schema.Int,
  height: Schema.Int,
  bytes: Schema.Int,
})
export type Rendition = typeof Rendition.Type

export const ImageStatus = Schema.Literal('PROCESSED', 'FAILED')

/** The image record the persist step writes, one per object key, replaced only by a newer version. */
export const ImageRecord = Schema.Struct({
  key: Schema.String,
  bucket: Schema.String,
  etag: Schema.String,
  versionId: Schema.optional(Schema.String),
  status: ImageStatus,
  size: Schema.Number,
  format: Schema.optional(ImageFormat),
  width: Schema.optional(Schema.Int),
  height: Schema.optional(Schema.Int),
  renditions: Schema.Array(Rendition),
  error: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  /** The execution that recorded a FAILED status: a retry of that same run still counts as the first failure. */
  failedBy: Schema.optional(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
})
export type ImageRecord = typeof ImageRecord.Type

/** What the workflow hands the render step: the upload's event, and the renditions to make (its settings). */
export const RenderInput = Schema.Struct({ event: ObjectCreated, renditionSpecs: Schema.Array(RenditionSpec) })
export type RenderInput = typeof RenderInput.Type

/** What the render step answers: the upload as validated, and every rendition written. */
export const RenderOutput = Schema.Struct({ image: ValidatedImage, renditions: Schema.Array(Rendition) })
export type RenderOutput = typeof RenderOutput.Type

/** The persist step's input: what render answered, and the execution that owns the announcement's ledger claim. */
export const PersistInput = Schema.Struct({
  image: ValidatedImage,
  renditions: Schema.Array(Rendition),
  /** `$$.Execution.Id` of the run. */
  executionId: Schema.String,
})

/** What the catch-all hands the failure recorder: the triggering event and the Step Functions error. */
export const FailureInput = Schema.Struct({
  event: Schema.Unknown,
  error: Schema.Struct({ Error: Schema.String, Cause: Schema.optional(Schema.String) }),
  /** `$$.Execution.Id` of the failing run. */
  executionId: Schema.optional(Schema.String),
})
export type FailureInput = typeof FailureInput.Type

export const ImageProcessedDetail = Schema.Struct({
  bucket: Schema.String,
  key: Schema.String,
  etag: Schema.String,
  format: ImageFormat,
  width: Schema.Int,
  height: Schema.Int,
  renditions: Schema.Array(Rendition),
})
export const ImageProcessed = EventEnvelope(ImageProcessedType, ImageProcessedDetail)
export type ImageProcessed = typeof ImageProcessed.Type

export const ImageRejectedDetail = Schema.Struct({
  bucket: Schema.String,
  key: Schema.String,
  etag: Schema.String,
  error: Schema.String,
  reason: Schema.String,
})
export type ImageRejectedDetail = typeof ImageRejectedDetail.Type
export const ImageRejected = EventEnvelope(ImageRejectedType, ImageRejectedDetail)
export type ImageRejected = typeof ImageRejected.Type

// Typed rejections: each `_tag` is the `Error` the workflow's Catch sees. None is retried.

export class EmptyImage extends Schema.TaggedError<EmptyImage>()('EmptyImage', { key: Schema.String }) {
  get message() {
    return `${this.key} is empty (0 bytes)`
  }
}

export class ImageTooLarge extends Schema.TaggedError<ImageTooLarge>()('ImageTooLarge', {
  key: Schema.String,
  size: Schema.Number,
  limit: Schema.Number,
}) {
  get message() {
    return `${this.key} is ${this.size} bytes, over the limit of ${this.limit}`
  }
}

export class TooManyPixels extends Schema.TaggedError<TooManyPixels>()('TooManyPixels', {
  key: Schema.String,
  width: Schema.Number,
  height: Schema.Number,
  limit: Schema.Number,
}) {
  get message() {
    return `${this.key} is ${this.width}x${this.height} pixels, over the limit of ${this.limit}`
  }
}

export class UnsupportedImage extends Schema.TaggedError<UnsupportedImage>()('UnsupportedImage', {
  key: Schema.String,
  detected: Schema.String,
}) {
  get message() {
    return `${this.key} is not a supported image (detected: ${this.detected})`
  }
}

export class CorruptImage extends Schema.TaggedError<CorruptImage>()('CorruptImage', {
  key: Schema.String,
  format: Schema.String,
  reason: Schema.String,
}) {
  get message() {
    return `${this.key} is a corrupt or truncated ${this.format}: ${this.reason}`
  }
}

export class ObjectNotFound extends Schema.TaggedError<ObjectNotFound>()('ObjectNotFound', { key: Schema.String }) {
  get message() {
    return `${this.key} does not exist (deleted before it was processed?)`
  }
}
