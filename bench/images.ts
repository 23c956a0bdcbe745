import sharp from 'sharp'
import { DefaultRenditions, type RenditionSpec } from '../contracts/images'
import { renderFromOneDecode } from '../steps/images/render/decode'
import { readFootprint, type Footprint } from './support/footprint'
import { startServer, waitForDrain } from './support/server'
import { median, round } from './support/stats'

/**
 * Images end to end: a generated 12-megapixel JPEG uploaded to `npm start`'s program (in its own process), timed from
 * the start of the upload until its image record reads PROCESSED, against sharp producing the same default
 * renditions from the same bytes in this process, each from its own decode, all at once, with the options the render
 * step encodes with.
 */
export interface ImagesResult {
  readonly images: number
  readonly megapixels: number
  readonly jpegBytes: number
  readonly renditions: ReadonlyArray<string>
  /** Median per image. */
  readonly pipelineMs: number
  /** Median of the upload alone: the PUT until its answer (the object stored and hashed). */
  readonly uploadMs: number
  readonly sharpRenditionsMs: number
  readonly ratio: number
  /** The render step's image work in this process: the header read, then every rendition from one decode (its integrity check). */
  readonly renderStepWorkMs: number
  /** Per image, from the durable state: executions, states and their durations, events, log bytes; the cost model's units. */
  readonly perImage: Footprint
}

export const ImagesTargetRatio = 1.15

const White = { r: 255, g: 255, b: 255 }

/** A rendition as sharp alone makes it (the render step's options), restated so the baseline carries nothing of the pipeline. */
const render = (bytes: Uint8Array, spec: RenditionSpec, maxPixels: number) => {
  const image = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, pages: 1 })
    .rotate()
    .resize({ width: spec.width, height: spec.height, fit: 'inside', withoutEnlargement: true })
  const encoded =
    spec.format === 'jpeg'
      ? image.flatten({ background: White }).jpeg({ quality: spec.quality, mozjpeg: false })
      : spec.format === 'webp'
        ? image.webp({ quality: spec.quality })
        : spec.format === 'avif'
          ? image.avif({ quality: spec.quality })
          : image.png({ compressionLevel: 9 })
  return encoded.toBuffer()
}

/** A 4000x3000 photo-like JPEG: a gradient under Gaussian noise, so it neither compresses to nothing nor is pure noise. */
export const photo = async (seed: number): Promise<Buffer> => {
  const width = 4000
  const height = 3000
  const noise = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .raw()
    .toBuffer()
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3
      noise[at] = (noise[at]! + ((x + seed * 97) % 256)) >> 1
      noise[at + 1] = (noise[at + 1]! + (y % 256)) >> 1
    }
  }
  return sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer()
}

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now()
  await work()
  return performance.now() - started
}

export const waitForProcessed = async (url: string, key: string): Promise<void> => {
  for (;;) {
    const response = await fetch(`${url}/images/${key}`)
    if (response.status === 200) {
      const record = (await response.json()) as { status: string; error?: string }
      if (record.status === 'PROCESSED') return
      throw new Error(`image ${key} ended ${record.status}: ${record.error ?? ''}`)
    }
    await response.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const benchImages = async (options: { quick: boolean }, log: (line: string) => void): Promise<ImagesResult> => {
  const count = options.quick ? 2 : 4
  const photos = await Promise.all(Array.from({ length: count + 1 }, (_, i) => photo(i)))
  // The default limit (PIPELINE_MAX_IMAGE_PIXELS) is larger than 12 MP; the baseline uses the same bound.
  const maxPixels = 100_000_000
  const renditions = (bytes: Uint8Array) => Promise.all(DefaultRenditions.map((spec) => render(bytes, spec, maxPixels)))

  // Warm-up, not counted: sharp's first use, JIT.
  await renditions(photos[0]!)
  const direct: number[] = []
  const renderStepWork: number[] = []
  for (const bytes of photos.slice(1)) {
    direct.push(await timed(() => renditions(bytes)))
    renderStepWork.push(
      await timed(async () => {
        await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata()
        await renderFromOneDecode(bytes, 'jpeg', DefaultRenditions, maxPixels)
      }),
    )
  }

  const server = await startServer()
  try {
    const upload = (key: string, bytes: Uint8Array) =>
      fetch(`${server.url}/uploads/${key}`, {
        method: 'PUT',
        body: bytes,
        headers: { 'content-type': 'image/jpeg' },
      }).then(async (response) => {
        if (response.status !== 200)
          throw new Error(`upload of ${key} answered ${response.status}: ${await response.text()}`)
      })
    await upload('bench/warm-up.jpg', photos[0]!)
    await waitForProcessed(server.url, 'bench/warm-up.jpg')
    await waitForDrain(server.url, 60_000)
    const since = new Date().toISOString()
    const pipeline: number[] = []
    const uploads: number[] = []
    for (const [i, bytes] of photos.slice(1).entries()) {
      const key = `bench/photo-${i}.jpg`
      pipeline.push(
        await timed(async () => {
          uploads.push(await timed(() => upload(key, bytes)))
          await waitForProcessed(server.url, key)
        }),
      )
      // The next image starts on a quiet runtime, as the baseline's does.
      await waitForDrain(server.url, 60_000)
    }
    const perImage = readFootprint(server.dataDir, since, new Date().toISOString(), count)
    const pipelineMs = median(pipeline)
    const sharpRenditionsMs = median(direct)
    const result: ImagesResult = {
      images: count,
      megapixels: 12,
      jpegBytes: Math.round(photos.slice(1).reduce((sum, bytes) => sum + bytes.length, 0) / count),
      renditions: DefaultRenditions.map(
        (spec) => `${spec.name} ${spec.width}x${spec.height} ${spec.format} q${spec.quality}`,
      ),
      pipelineMs: round(pipelineMs),
      uploadMs: round(median(uploads)),
      sharpRenditionsMs: round(sharpRenditionsMs),
      ratio: round(pipelineMs / sharpRenditionsMs, 2),
      renderStepWorkMs: round(median(renderStepWork)),
      perImage,
    }
    log(
      `  ${count} images of 12 MP (${(result.jpegBytes / 1e6).toFixed(1)} MB JPEG): pipeline ${result.pipelineMs} ms, sharp ${result.sharpRenditionsMs} ms, ratio ${result.ratio}`,
    )
    return result
  } finally {
    await server.stop()
  }
}

if (require.main === module) {
  benchImages({ quick: process.argv.includes('--quick') }, console.log).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
