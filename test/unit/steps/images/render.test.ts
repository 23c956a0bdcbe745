import { Exit, Layer, Schema } from 'effect'
import sharp from 'sharp'
import { InvalidInput, TransientError } from '../../../../contracts/errors'
import { CorruptImage, DefaultRenditions, ObjectNotFound, type RenditionSpec } from '../../../../contracts/images'
import { ObjectCreated } from '../../../../contracts/s3'
import { renditionKey } from '../../../../steps/images/render/keys'
import { renderImage } from '../../../../steps/images/render/program'
import { PipelineConfig, type PipelineConfigShape } from '../../../../steps/services/config'
import { detectFormat } from '../../../../steps/images/validate/magic'
import { animatedGif, jpeg, jpegWithOrientation, pngWithAlpha, truncatedJpeg } from '../../../support/images'
import { etagOf, memoryStore, type MemoryStoreOptions } from '../../../support/memory-store'
import { runWith } from '../../../support/run-with'

const Limits: PipelineConfigShape = { maxImageBytes: 25 * 1024 * 1024, maxImagePixels: 50_000_000, busName: 'pipeline' }
const [Thumbnail, Web] = DefaultRenditions as [RenditionSpec, RenditionSpec]

/** An S3 `Object Created` event for `body` at `key`, as EventBridge delivers it. */
const objectCreated = (key: string, body: Uint8Array): ObjectCreated =>
  Schema.decodeUnknownSync(ObjectCreated)({
    version: '0',
    id: 'f5f1e65c-dc3a-93ca-6c1e-b1647eac7963',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-03-08T17:50:14Z',
    region: 'eu-west-1',
    resources: ['arn:aws:s3:::uploads-bucket'],
    detail: {
      version: '0',
      bucket: { name: 'uploads-bucket' },
      object: { key, size: body.length, etag: etagOf(body), sequencer: '006408CAD69598B05E' },
      'request-id': '57H08PA84AB1JZW0',
      requester: '123456789012',
      'source-ip-address': '34.252.34.74',
      reason: 'PutObject',
    },
  })

/** Runs the step for `specs` over an in-memory bucket holding `body` at `key`. */
const renderAll = async (
  key: string,
  body: Uint8Array,
  specs: ReadonlyArray<RenditionSpec>,
  options: { store?: MemoryStoreOptions; objects?: Record<string, Uint8Array> } = {},
) => {
  const store = memoryStore(options.objects ?? { [key]: body }, options.store)
  const config = Layer.succeed(PipelineConfig, Limits)
  const exit = await runWith(Layer.merge(store.layer, config))(
    renderImage.run({ event: objectCreated(key, body), renditionSpecs: specs }),
  )
  return { exit: Exit.map(exit, (output) => output.renditions), store }
}

/** Runs the step for one rendition; answers that rendition. */
const resize = async (
  key: string,
  body: Uint8Array,
  spec: RenditionSpec,
  options: { store?: MemoryStoreOptions; objects?: Record<string, Uint8Array> } = {},
) => {
  const { exit, store } = await renderAll(key, body, [spec], options)
  return { exit: Exit.map(exit, (renditions) => renditions[0]), store }
}

/** The single object the step wrote. */
const onlyWritten = (store: ReturnType<typeof memoryStore>) => {
  expect(store.written.size).toBe(1)
  const [[key, object]] = [...store.written]
  return { key, ...object }
}

/** The RGB of one pixel of an encoded image. */
const pixel = async (image: Uint8Array, x: number, y: number) => {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true })
  const at = (y * info.width + x) * info.channels
  return { r: data[at], g: data[at + 1], b: data[at + 2] }
}

describe('renditionKey', () => {
  it.each([
    ['the web rendition of a PNG', 'uploads/a/cat.png', Web, 'thumbnails/web/a/cat.png.webp'],
    ['the thumbnail of a PNG', 'uploads/a/cat.png', Thumbnail, 'thumbnails/thumbnail/a/cat.png.jpg'],
    [
      'a PNG rendition of a GIF',
      'uploads/x.gif',
      { name: 'lossless', format: 'png' } as const,
      'thumbnails/lossless/x.gif.png',
    ],
    [
      'an AVIF rendition of a JPEG',
      'uploads/x.jpg',
      { name: 'small', format: 'avif' } as const,
      'thumbnails/small/x.jpg.avif',
    ],
    [
      'a rendition of a key whose folder is itself called uploads',
      'uploads/uploads/x.jpg',
      Web,
      'thumbnails/web/uploads/x.jpg.webp',
    ],
    ['a rendition of a key outside uploads/', 'elsewhere/x.jpg', Web, 'thumbnails/web/elsewhere/x.jpg.webp'],
  ])('names %s', (_name, key, spec, expected) => {
    // Act
    const renditionAt = renditionKey(key, spec)

    // Assess
    expect(renditionAt).toBe(expected)
    expect(renditionAt.startsWith('uploads/')).toBe(false)
  })

  it('gives the same key every time, and different keys to different sources', () => {
    // Act
    const keys = ['uploads/cat.png', 'uploads/cat.png', 'uploads/cat.jpg'].map((key) => renditionKey(key, Web))

    // Assess
    expect(keys[0]).toBe(keys[1])
    expect(keys[0]).not.toBe(keys[2])
  })
})

describe('renderImage', () => {
  it('renders every rendition from one read and one decode of the upload', async () => {
    // Prepare
    const key = 'uploads/both.jpg'
    const body = await jpeg(1600, 1200)

    // Act
    const { exit, store } = await renderAll(key, body, [Thumbnail, Web])

    // Assess: both renditions, the original read once
    expect(exit).toEqual(
      Exit.succeed([
        expect.objectContaining({ name: 'thumbnail', width: 200, height: 150 }),
        expect.objectContaining({ name: 'web', width: 1280, height: 960 }),
      ]),
    )
    expect(store.calls.filter((call) => call.op === 'get')).toEqual([{ op: 'get', key }])
    expect([...store.written.keys()].sort()).toEqual([renditionKey(key, Thumbnail), renditionKey(key, Web)].sort())
  })

  it('writes nothing when a retry or replay renders the bytes already standing, and rewrites what differs', async () => {
    // Prepare: a first run leaves the rendition in the bucket.
    const key = 'uploads/again.jpg'
    const body = await jpeg(400, 300)
    const first = await resize(key, body, Thumbnail)
    const rendered = onlyWritten(first.store)

    // Act: the same input over a bucket that already holds that rendition, then over one holding other bytes.
    const again = await resize(key, body, Thumbnail, { objects: { [key]: body, [rendered.key]: rendered.body } })
    const stale = await resize(key, body, Thumbnail, {
      objects: { [key]: body, [rendered.key]: new Uint8Array([1, 2, 3]) },
    })

    // Assess
    expect(Exit.isSuccess(again.exit) && Exit.isSuccess(stale.exit)).toBe(true)
    expect(again.store.calls.filter((call) => call.op === 'put')).toEqual([])
    expect(stale.store.calls.filter((call) => call.op === 'put')).toEqual([{ op: 'put', key: rendered.key }])
  })

  it('turns a landscape-stored JPEG with EXIF orientation 6 into a portrait 200x200 thumbnail without EXIF', async () => {
    // Prepare: stored 400x200, red on the left half, blue on the right; displayed, red is on top.
    const key = 'uploads/phone.jpg'
    const body = await jpegWithOrientation(400, 200, 6)

    // Act
    const { exit, store } = await resize(key, body, Thumbnail)

    // Assess
    const written = onlyWritten(store)
    expect(exit).toEqual(
      Exit.succeed({
        name: 'thumbnail',
        key: 'thumbnails/thumbnail/phone.jpg.jpg',
        format: 'jpeg',
        width: 100,
        height: 200,
        bytes: written.body.length,
      }),
    )
    expect(written).toMatchObject({ key: 'thumbnails/thumbnail/phone.jpg.jpg', contentType: 'image/jpeg' })
    const meta = await sharp(written.body).metadata()
    expect(meta).toMatchObject({ format: 'jpeg', width: 100, height: 200 })
    expect(meta.height).toBeGreaterThan(meta.width)
    expect(meta.exif).toBeUndefined()
    expect(meta.orientation).toBeUndefined()
    const top = await pixel(written.body, 50, 10)
    const bottom = await pixel(written.body, 50, 190)
    expect(top.r).toBeGreaterThan(200)
    expect(top.b).toBeLessThan(60)
    expect(bottom.b).toBeGreaterThan(200)
    expect(bottom.r).toBeLessThan(60)
  })

  it('writes the web rendition as a WebP that keeps transparency', async () => {
    // Prepare
    const key = 'uploads/a/cat.png'
    const body = await pngWithAlpha(200, 150)

    // Act
    const { exit, store } = await resize(key, body, Web)

    // Assess: no enlargement beyond the 200x150 source.
    const written = onlyWritten(store)
    expect(exit).toEqual(
      Exit.succeed({
        name: 'web',
        key: 'thumbnails/web/a/cat.png.webp',
        format: 'webp',
        width: 200,
        height: 150,
        bytes: written.body.length,
      }),
    )
    expect(written.contentType).toBe('image/webp')
    expect(detectFormat(written.body)).toBe('webp')
    expect(await sharp(written.body).metadata()).toMatchObject({ format: 'webp', hasAlpha: true })
  })

  it.each([
    [
      'JPEG',
      { name: 'j', width: 64, height: 64, format: 'jpeg', quality: 80 },
      'image/jpeg',
      'thumbnails/j/src.jpg.jpg',
    ],
    [
      'WebP',
      { name: 'w', width: 64, height: 64, format: 'webp', quality: 80 },
      'image/webp',
      'thumbnails/w/src.jpg.webp',
    ],
    ['PNG', { name: 'p', width: 64, height: 64, format: 'png', quality: 80 }, 'image/png', 'thumbnails/p/src.jpg.png'],
    [
      'AVIF',
      { name: 'a', width: 64, height: 64, format: 'avif', quality: 50 },
      'image/avif',
      'thumbnails/a/src.jpg.avif',
    ],
  ] as const)('encodes the %s rendition, fitted inside its box', async (_name, spec, contentType, key) => {
    // Prepare: 320x240 fits inside 64x64 as 64x48.
    const body = await jpeg(320, 240)

    // Act
    const { exit, store } = await resize('uploads/src.jpg', body, spec)

    // Assess
    const written = onlyWritten(store)
    expect(written).toMatchObject({ key, contentType })
    expect(detectFormat(written.body)).toBe(spec.format)
    expect(exit).toEqual(
      Exit.succeed({ name: spec.name, key, format: spec.format, width: 64, height: 48, bytes: written.body.length }),
    )
  })

  it('flattens transparency onto white for a JPEG rendition', async () => {
    // Prepare: a fully transparent PNG.
    const body = await sharp({
      create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer()

    // Act
    const { store } = await resize('uploads/clear.png', body, Thumbnail)

    // Assess
    const written = onlyWritten(store)
    expect(await sharp(written.body).metadata()).toMatchObject({ hasAlpha: false, channels: 3 })
    expect(await pixel(written.body, 20, 20)).toEqual({ r: 255, g: 255, b: 255 })
  })

  it('renders only the first frame of an animated GIF', async () => {
    // Prepare: three 120x80 frames, red then green then blue.
    const body = await animatedGif(120, 80, 3)

    // Act
    const { exit, store } = await resize('uploads/anim.gif', body, Web)

    // Assess
    const written = onlyWritten(store)
    const meta = await sharp(written.body, { animated: true }).metadata()
    expect(meta.pages ?? 1).toBe(1)
    expect(meta).toMatchObject({ width: 120, height: 80 })
    expect(exit).toEqual(Exit.succeed(expect.objectContaining({ width: 120, height: 80 })))
    const colour = await pixel(written.body, 60, 40)
    expect(colour.r).toBeGreaterThan(200)
    expect(colour.g).toBeLessThan(60)
  })

  it('writes the same key and bytes when run twice (a retry or a replay)', async () => {
    // Prepare
    const key = 'uploads/again.jpg'
    const body = await jpeg(320, 240)

    // Act
    const first = await resize(key, body, Thumbnail)
    const second = await resize(key, body, Thumbnail)

    // Assess
    expect(second.exit).toEqual(first.exit)
    expect(onlyWritten(second.store)).toEqual(onlyWritten(first.store))
  })

  it('rejects a truncated JPEG and writes nothing', async () => {
    // Prepare
    const key = 'uploads/bad.jpg'
    const body = await truncatedJpeg(320, 240)

    // Act
    const { exit, store } = await resize(key, body, Thumbnail)

    // Assess
    expect(exit).toEqual(Exit.fail(expect.objectContaining({ _tag: 'CorruptImage', key, format: 'jpeg' })))
    expect(store.written.size).toBe(0)
  })

  it("reports sharp's reason for a corrupt image", async () => {
    // Prepare
    const key = 'uploads/cut.jpg'
    const body = await truncatedJpeg(320, 240)

    // Act
    const { exit } = await resize(key, body, Thumbnail)

    // Assess
    expect(exit).toEqual(Exit.fail(expect.any(CorruptImage)))
    expect(exit).toEqual(
      Exit.fail(expect.objectContaining({ reason: expect.stringContaining('premature end of JPEG image') })),
    )
  })

  it('fails with ObjectNotFound when the original was deleted', async () => {
    // Prepare
    const key = 'uploads/gone.jpg'

    // Act
    const { exit, store } = await resize(key, await jpeg(32, 32), Thumbnail, { objects: {} })

    // Assess
    expect(exit).toEqual(Exit.fail(new ObjectNotFound({ key })))
    expect(store.written.size).toBe(0)
  })

  it('fails with InvalidInput for an image outside uploads/, reading nothing', async () => {
    // Prepare
    const key = 'thumbnails/web/x.jpg.webp'

    // Act
    const { exit, store } = await resize(key, await jpeg(32, 32), Web)

    // Assess
    expect(exit).toEqual(Exit.fail(new InvalidInput({ message: `object key "${key}" is not under uploads/` })))
    expect(store.calls).toEqual([])
  })

  it("keeps a TransientError from the store's put, for the workflow to retry", async () => {
    // Prepare
    const fault = new TransientError({ operation: 's3:PutObject', message: 'SlowDown' })

    // Act
    const { exit } = await resize('uploads/slow.jpg', await jpeg(32, 32), Thumbnail, {
      store: { fail: { put: fault } },
    })

    // Assess
    expect(exit).toEqual(Exit.fail(fault))
  })
})
