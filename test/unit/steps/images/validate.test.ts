import { Exit, Layer, Schema } from 'effect'
import { InvalidInput, TransientError } from '../../../../contracts/errors'
import {
  CorruptImage,
  EmptyImage,
  ImageTooLarge,
  ObjectNotFound,
  TooManyPixels,
  UnsupportedImage,
  DefaultRenditions,
} from '../../../../contracts/images'
import { ObjectCreated } from '../../../../contracts/s3'
import { PipelineConfig, type PipelineConfigShape } from '../../../../steps/services/config'
import { renderImage } from '../../../../steps/images/render/program'
import {
  animatedGif,
  animatedWebp,
  avif,
  emptyFile,
  hugePng,
  jpeg,
  jpegWithOrientation,
  pngWithAlpha,
  svg,
  textFile,
  tiff,
  truncatedJpeg,
  truncatedPng,
  webp,
} from '../../../support/images'
import { etagOf, memoryStore, type MemoryStoreOptions } from '../../../support/memory-store'
import { runWith } from '../../../support/run-with'

const Bucket = 'uploads-bucket'
const Limits: PipelineConfigShape = { maxImageBytes: 25 * 1024 * 1024, maxImagePixels: 50_000_000, busName: 'pipeline' }

/** An S3 `Object Created` event as EventBridge delivers it, decoded with the step's own contract. */
const objectCreated = (
  key: string,
  body: Uint8Array,
  object: { etag?: string; 'version-id'?: string } = {},
): ObjectCreated =>
  Schema.decodeUnknownSync(ObjectCreated)({
    version: '0',
    id: 'f5f1e65c-dc3a-93ca-6c1e-b1647eac7963',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-03-08T17:50:14Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${Bucket}`],
    detail: {
      version: '0',
      bucket: { name: Bucket },
      object: { key, size: body.length, etag: etagOf(body), sequencer: '006408CAD69598B05E', ...object },
      'request-id': '57H08PA84AB1JZW0',
      requester: '123456789012',
      'source-ip-address': '34.252.34.74',
      reason: 'PutObject',
    },
  })

/** Runs the render step over an in-memory bucket holding `body` at `key`, answering what it validated. */
const validate = async (
  key: string,
  body: Uint8Array,
  options: {
    limits?: Partial<PipelineConfigShape>
    event?: ObjectCreated
    store?: MemoryStoreOptions
    objects?: Record<string, Uint8Array>
  } = {},
) => {
  const store = memoryStore(options.objects ?? { [key]: body }, { bucket: Bucket, ...options.store })
  const config = Layer.succeed(PipelineConfig, { ...Limits, ...options.limits })
  const rendered = await runWith(Layer.merge(store.layer, config))(
    renderImage.run({ event: options.event ?? objectCreated(key, body), renditionSpecs: DefaultRenditions }),
  )
  return { exit: Exit.map(rendered, (output) => output.image), store }
}

// The render step validates an upload before it decodes it once for every rendition (steps/images/render/program.ts).
describe('renderImage: what it accepts and refuses', () => {
  it.each([
    ['a JPEG', 'uploads/photo.jpg', () => jpeg(320, 240), { format: 'jpeg', width: 320, height: 240 }],
    ['a PNG with alpha', 'uploads/logo.png', () => pngWithAlpha(200, 150), { format: 'png', width: 200, height: 150 }],
    ['a WebP', 'uploads/a/b/c.webp', () => webp(240, 180), { format: 'webp', width: 240, height: 180 }],
    ['an AVIF', 'uploads/pic.avif', () => avif(160, 120), { format: 'avif', width: 160, height: 120 }],
    ['a TIFF', 'uploads/scan.tif', () => tiff(160, 120), { format: 'tiff', width: 160, height: 120 }],
    [
      'an animated GIF, by its first frame',
      'uploads/anim.gif',
      () => animatedGif(120, 80, 3),
      { format: 'gif', width: 120, height: 80 },
    ],
    [
      'an animated WebP, by its first frame',
      'uploads/anim.webp',
      () => animatedWebp(120, 80, 4),
      { format: 'webp', width: 120, height: 80 },
    ],
    [
      'a PNG named .jpg (the extension is ignored)',
      'uploads/liar.jpg',
      () => pngWithAlpha(64, 32),
      { format: 'png', width: 64, height: 32 },
    ],
    ['a JPEG with no extension', 'uploads/noext', () => jpeg(50, 40), { format: 'jpeg', width: 50, height: 40 }],
  ])('accepts %s', async (_name, key, make, expected) => {
    // Prepare
    const body = await make()

    // Act
    const { exit, store } = await validate(key, body)

    // Assess
    expect(exit).toEqual(Exit.succeed({ bucket: Bucket, key, etag: etagOf(body), size: body.length, ...expected }))
    expect(store.calls.slice(0, 2).map(({ op }) => op)).toEqual(['head', 'get'])
  })

  it.each([
    ['1 (upright)', 1, { width: 400, height: 200 }],
    ['3 (upside down)', 3, { width: 400, height: 200 }],
    ['5 (transposed)', 5, { width: 200, height: 400 }],
    ['6 (rotate 90° clockwise)', 6, { width: 200, height: 400 }],
    ['8 (rotate 90° counter-clockwise)', 8, { width: 200, height: 400 }],
  ])('reports the displayed size of a 400x200 JPEG with EXIF orientation %s', async (_name, orientation, expected) => {
    // Prepare
    const key = 'uploads/phone.jpg'
    const body = await jpegWithOrientation(400, 200, orientation)

    // Act
    const { exit } = await validate(key, body)

    // Assess
    expect(exit).toEqual(Exit.succeed(expect.objectContaining({ format: 'jpeg', ...expected })))
  })

  it('keeps the version id of the event when the object read is that version', async () => {
    // Prepare
    const key = 'uploads/v.jpg'
    const body = await jpeg(32, 32)

    // Act
    const { exit } = await validate(key, body, { event: objectCreated(key, body, { 'version-id': 'v1' }) })

    // Assess
    expect(exit).toEqual(Exit.succeed(expect.objectContaining({ etag: etagOf(body), versionId: 'v1' })))
  })

  it('reports the version it read, without the stale version id, when the object was replaced after the event', async () => {
    // Prepare: the event names an older version; the bucket now holds a different object under the key.
    const key = 'uploads/v.jpg'
    const older = await jpeg(32, 32)
    const newer = await pngWithAlpha(48, 24)

    // Act
    const { exit } = await validate(key, newer, { event: objectCreated(key, older, { 'version-id': 'v1' }) })

    // Assess
    expect(exit).toEqual(
      Exit.succeed({
        bucket: Bucket,
        key,
        etag: etagOf(newer),
        size: newer.length,
        format: 'png',
        width: 48,
        height: 24,
      }),
    )
  })

  it.each([
    ['an SVG', 'uploads/vector.png', () => svg(), 'svg'],
    ['a text file named .jpg', 'uploads/notes.jpg', () => textFile(), 'text'],
    ['a PDF', 'uploads/doc.jpg', () => Buffer.from('%PDF-1.7\n1 0 obj\n'), 'pdf'],
    ['random bytes', 'uploads/noise.gif', () => Buffer.from([0, 1, 2, 3, 254, 255, 7, 9]), 'unknown'],
  ])('rejects %s as UnsupportedImage with what it detected', async (_name, key, make, detected) => {
    // Prepare
    const body = await make()

    // Act
    const { exit } = await validate(key, body)

    // Assess
    expect(exit).toEqual(Exit.fail(new UnsupportedImage({ key, detected })))
  })

  it('rejects a zero-byte object as EmptyImage without downloading it', async () => {
    // Prepare
    const key = 'uploads/empty.jpg'

    // Act
    const { exit, store } = await validate(key, emptyFile())

    // Assess
    expect(exit).toEqual(Exit.fail(new EmptyImage({ key })))
    expect(store.calls).toEqual([{ op: 'head', key }])
  })

  it('rejects an object over maxImageBytes as ImageTooLarge from its HEAD, without downloading it', async () => {
    // Prepare
    const key = 'uploads/big.jpg'
    const body = await jpeg(320, 240)
    const limit = body.length - 1

    // Act
    const { exit, store } = await validate(key, body, { limits: { maxImageBytes: limit } })

    // Assess
    expect(exit).toEqual(Exit.fail(new ImageTooLarge({ key, size: body.length, limit })))
    expect(store.calls).toEqual([{ op: 'head', key }])
  })

  it('accepts an object of exactly maxImageBytes', async () => {
    // Prepare
    const key = 'uploads/edge.jpg'
    const body = await jpeg(64, 64)

    // Act
    const { exit } = await validate(key, body, { limits: { maxImageBytes: body.length } })

    // Assess
    expect(Exit.isSuccess(exit)).toBe(true)
  })

  it('rejects a 12000x12000 PNG as TooManyPixels from its header, before decoding it', async () => {
    // Prepare
    const key = 'uploads/huge.png'
    const body = await hugePng(12_000, 12_000)

    // Act
    const { exit } = await validate(key, body)

    // Assess
    expect(exit).toEqual(
      Exit.fail(new TooManyPixels({ key, width: 12_000, height: 12_000, limit: Limits.maxImagePixels })),
    )
  })

  it('counts pixels on the displayed size, so the limit is exact', async () => {
    // Prepare: 400x200 = 80,000 pixels, one over a limit of 79,999.
    const key = 'uploads/phone.jpg'
    const body = await jpegWithOrientation(400, 200, 6)

    // Act
    const { exit } = await validate(key, body, { limits: { maxImagePixels: 79_999 } })

    // Assess
    expect(exit).toEqual(Exit.fail(new TooManyPixels({ key, width: 200, height: 400, limit: 79_999 })))
  })

  it.each([
    ['a JPEG cut in half', 'uploads/cut.jpg', () => truncatedJpeg(320, 240), 'jpeg', /premature end of JPEG/],
    ['a PNG cut in half', 'uploads/cut.png', () => truncatedPng(200, 150), 'png', /libpng read error/],
    ['a WebP cut short', 'uploads/cut.webp', async () => (await webp(240, 180)).subarray(0, 2000), 'webp', /.+/],
    // failOn 'truncated' lets this one through: it takes 'error' to notice the missing bytes of a JPEG-compressed strip.
    [
      'a TIFF missing its last two bytes',
      'uploads/cut.tif',
      async () => (await tiff(160, 120)).subarray(0, -2),
      'tiff',
      /.+/,
    ],
    [
      'a JPEG header with garbage after it',
      'uploads/junk.jpg',
      () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]),
      'jpeg',
      /.+/,
    ],
  ])("rejects %s as CorruptImage with sharp's reason", async (_name, key, make, format, reason) => {
    // Prepare
    const body = await make()

    // Act
    const { exit } = await validate(key, body)

    // Assess
    expect(exit).toEqual(Exit.fail(expect.any(CorruptImage)))
    expect(exit).toEqual(Exit.fail(expect.objectContaining({ key, format, reason: expect.stringMatching(reason) })))
  })

  it('fails with InvalidInput for a key outside uploads/, touching nothing', async () => {
    // Prepare
    const key = 'thumbnails/web/cat.png.webp'
    const body = await webp(32, 32)

    // Act
    const { exit, store } = await validate(key, body)

    // Assess
    expect(exit).toEqual(Exit.fail(new InvalidInput({ message: `object key "${key}" is not under uploads/` })))
    expect(store.calls).toEqual([])
  })

  it('fails with ObjectNotFound when the object was deleted before validation', async () => {
    // Prepare
    const key = 'uploads/gone.jpg'
    const body = await jpeg(32, 32)

    // Act
    const { exit } = await validate(key, body, { objects: {} })

    // Assess
    expect(exit).toEqual(Exit.fail(new ObjectNotFound({ key })))
  })

  it.each(['head', 'get'] as const)(
    "keeps a TransientError from the store's %s, for the workflow to retry",
    async (op) => {
      // Prepare
      const key = 'uploads/slow.jpg'
      const body = await jpeg(32, 32)
      const fault = new TransientError({ operation: `s3:${op}`, message: 'SlowDown' })

      // Act
      const { exit } = await validate(key, body, { store: { fail: { [op]: fault } } })

      // Assess
      expect(exit).toEqual(Exit.fail(fault))
    },
  )
})
