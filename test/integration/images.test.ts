import sharp from 'sharp'
import { ImageProcessedType, ImageRejectedType } from '../../contracts/sources'
import * as images from '../support/images'
import { getJson, startPipeline, upload, type RunningPipeline } from '../support/pipeline'

interface ImageRecordView {
  key: string
  status: string
  etag: string
  width?: number
  height?: number
  error?: string
  reason?: string
  renditions: Array<{ name: string; key: string; width: number; height: number; format: string }>
}
interface ExecutionView {
  executionArn: string
  name: string
  status: string
  error?: string
  cause?: string
  subject?: string
  states?: Array<{ name: string; status: string }>
}
interface DlqView {
  queues: Array<{
    name: string
    messages: Array<{
      body: { error: string; cause: string; event: { detail: { object: { key: string; etag: string } } } }
    }>
  }>
}

let pipeline: RunningPipeline
let accepted = 0

beforeAll(async () => {
  pipeline = await startPipeline()
})
afterAll(() => pipeline.close())

/** Uploads through the real HTTP API, then waits until every execution the upload started has ended. */
const uploadAndSettle = async (key: string, body: Uint8Array, contentType?: string) => {
  const answer = await upload(pipeline.url, key, body, contentType)
  expect(answer.status).toBe(200)
  accepted += 1
  await pipeline.runtime.executor.idle()
  return answer.body
}

const outcomeEvents = (detailType: string, key: string) =>
  pipeline.events.filter(
    ({ bus, event }) =>
      bus === 'Pipeline' && event['detail-type'] === detailType && (event.detail as { key?: string }).key === key,
  )

const executionsFor = async (key: string) =>
  (await getJson<{ executions: ExecutionView[] }>(`${pipeline.url}/executions?key=${encodeURIComponent(key)}`)).body
    .executions

const fetchObject = async (key: string) =>
  Buffer.from(await (await fetch(`${pipeline.url}/objects/${key}`)).arrayBuffer())

describe('the image workflow, end to end over HTTP', () => {
  it('turns a JPEG with EXIF orientation 6 into a portrait thumbnail without metadata', async () => {
    // Prepare: stored 400x200 landscape, displayed as 200x400 portrait.
    const photo = await images.jpegWithOrientation(400, 200, 6)

    // Act
    await uploadAndSettle('photos/rotated.jpg', photo, 'image/jpeg')

    // Assess
    const record = (await getJson<ImageRecordView>(`${pipeline.url}/images/photos/rotated.jpg`)).body
    expect(record).toMatchObject({ status: 'PROCESSED', width: 200, height: 400 })
    const thumbnail = record.renditions.find((rendition) => rendition.name === 'thumbnail')!
    expect(thumbnail.key).toBe('thumbnails/thumbnail/photos/rotated.jpg.jpg')
    const meta = await sharp(await fetchObject(thumbnail.key)).metadata()
    expect(meta).toMatchObject({ format: 'jpeg', width: 100, height: 200 })
    expect(meta.exif).toBeUndefined()
    expect(meta.orientation).toBeUndefined()
    expect(outcomeEvents(ImageProcessedType, 'uploads/photos/rotated.jpg')).toHaveLength(1)
  })

  it.each([
    ['PNG with alpha', 'formats/alpha.png', () => images.pngWithAlpha(300, 200), 'png'],
    ['WebP', 'formats/photo.webp', () => images.webp(), 'webp'],
    ['animated GIF', 'formats/anim.gif', () => images.animatedGif(120, 80, 3), 'gif'],
    ['AVIF', 'formats/photo.avif', () => images.avif(), 'avif'],
    ['TIFF', 'formats/scan.tiff', () => images.tiff(), 'tiff'],
  ])('processes a %s into a JPEG thumbnail and a WebP web rendition', async (_name, key, make, format) => {
    await uploadAndSettle(key, await make())

    const record = (await getJson<ImageRecordView>(`${pipeline.url}/images/${key}`)).body
    expect(record).toMatchObject({ status: 'PROCESSED', format })
    expect(record.renditions.map((rendition) => [rendition.name, rendition.format])).toEqual([
      ['thumbnail', 'jpeg'],
      ['web', 'webp'],
    ])
    for (const rendition of record.renditions) {
      expect(rendition.key.startsWith('thumbnails/')).toBe(true)
      const meta = await sharp(await fetchObject(rendition.key)).metadata()
      expect(meta.pages ?? 1).toBe(1)
      expect([meta.width, meta.height]).toEqual([rendition.width, rendition.height])
    }
    const [execution] = await executionsFor(`uploads/${key}`)
    expect(execution!.status).toBe('SUCCEEDED')
  })

  it.each([
    [
      'a text file named .jpg',
      'bad/notes.jpg',
      async () => images.textFile(),
      'UnsupportedImage',
      /not a supported image \(detected: text\)/,
    ],
    ['a zero-byte file', 'bad/empty.png', async () => images.emptyFile(), 'EmptyImage', /empty/],
    [
      'a truncated JPEG',
      'bad/truncated.jpg',
      () => images.truncatedJpeg(640, 480),
      'CorruptImage',
      /corrupt or truncated/,
    ],
    ['an SVG', 'bad/vector.svg', async () => images.svg(), 'UnsupportedImage', /detected: svg/],
    [
      'a PNG over the pixel limit (12000x12000)',
      'bad/huge.png',
      () => images.hugePng(12_000, 12_000),
      'TooManyPixels',
      /12000x12000 pixels, over the limit/,
    ],
  ])(
    'rejects %s with a clear reason, a DLQ record and one ImageRejected',
    async (_name, key, make, errorName, reason) => {
      await uploadAndSettle(key, await make())
      const objectKey = `uploads/${key}`

      const record = (await getJson<ImageRecordView>(`${pipeline.url}/images/${key}`)).body
      expect(record).toMatchObject({ status: 'FAILED', error: errorName })
      expect(record.reason).toMatch(reason)

      const [execution] = await executionsFor(objectKey)
      expect(execution).toMatchObject({ status: 'FAILED', error: errorName })
      expect(JSON.parse(execution!.cause!)).toMatchObject({ errorType: errorName })

      const dlq = (await getJson<DlqView>(`${pipeline.url}/dlq`)).body.queues.find(
        (queue) => queue.name === 'ImageDeadLetters',
      )!
      const letters = dlq.messages.filter((message) => message.body.event.detail.object.key === objectKey)
      expect(letters).toHaveLength(1)
      expect(letters[0]!.body.error).toBe(errorName)
      expect(JSON.parse(letters[0]!.body.cause).errorMessage).toMatch(reason)

      const rejected = outcomeEvents(ImageRejectedType, objectKey)
      expect(rejected).toHaveLength(1)
      expect(rejected[0]!.event.detail).toMatchObject({ error: errorName, key: objectKey })
    },
  )

  it('shows a failed execution state by state, with the failing state and its error', async () => {
    const [execution] = await executionsFor('uploads/bad/vector.svg')
    const detail = (
      await getJson<ExecutionView & { history: Array<{ type: string }> }>(
        `${pipeline.url}/executions/${encodeURIComponent(execution!.executionArn)}`,
      )
    ).body

    expect(detail.states!.map((state) => [state.name, state.status])).toEqual([
      ['ValidateAndRender', 'CAUGHT'],
      ['RecordFailure', 'SUCCEEDED'],
      ['FirstFailureOfThisVersion', 'SUCCEEDED'],
      ['SendToDeadLetterQueue', 'SUCCEEDED'],
      ['RejectionRecorded', 'SUCCEEDED'],
      ['PublishRejected', 'SUCCEEDED'],
      ['ImageFailed', 'FAILED'],
    ])
    expect(detail.history[0]!.type).toBe('ExecutionStarted')
    expect(detail.history.at(-1)!.type).toBe('ExecutionFailed')
    expect(detail.history.map((event) => event.type)).toContain('TaskFailed')
  })

  it('processes the same upload twice into one record and one ImageProcessed', async () => {
    const photo = await images.jpeg(500, 300)

    const first = await upload(pipeline.url, 'twice/same.jpg', photo, 'image/jpeg')
    const second = await upload(pipeline.url, 'twice/same.jpg', photo, 'image/jpeg')
    accepted += 2
    await pipeline.runtime.executor.idle()

    expect(second.body.etag).toBe(first.body.etag)
    const executions = await executionsFor('uploads/twice/same.jpg')
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED'])
    expect(outcomeEvents(ImageProcessedType, 'uploads/twice/same.jpg')).toHaveLength(1)
    const rows = pipeline.runtime.db
      .prepare('SELECT COUNT(*) AS n FROM images WHERE key = ?')
      .get('uploads/twice/same.jpg') as { n: number }
    expect(rows.n).toBe(1)
  })

  it('answers the image record with a link per rendition that serves it, as GET /images/{key} does on AWS', async () => {
    const { status, body } = await getJson<{
      renditions: Array<{ name: string; key: string; url: string }>
      urlsExpireAt: string
    }>(`${pipeline.url}/images/photos/rotated.jpg`)

    expect(status).toBe(200)
    expect(Date.parse(body.urlsExpireAt)).toBeGreaterThan(Date.now())
    for (const rendition of body.renditions) {
      expect(rendition.url).toBe(`${pipeline.url}/objects/${rendition.key}`)
      const served = await fetch(rendition.url)
      expect(served.status).toBe(200)
      expect(Buffer.from(await served.arrayBuffer())).toEqual(await fetchObject(rendition.key))
    }
  })

  it('answers 404 naming the key for an image it has no record of', async () => {
    const { status, body } = await getJson<{ error: string; message: string }>(`${pipeline.url}/images/no/such.jpg`)

    expect(status).toBe(404)
    expect(body).toEqual({ error: 'NotFound', message: 'No image record for no/such.jpg (yet)' })
  })

  it('searches one kind, a page at a time', async () => {
    const first = await getJson<{ results: Array<{ id: string; kind: string }>; next?: string }>(
      `${pipeline.url}/search?q=formats&kind=image&limit=2`,
    )
    const second = await getJson<{ results: Array<{ id: string }>; next?: string }>(
      `${pipeline.url}/search?q=formats&kind=image&limit=2&cursor=${encodeURIComponent(first.body.next!)}`,
    )

    expect(first.body.results.map((hit) => hit.kind)).toEqual(['image', 'image'])
    expect(second.body.results).toHaveLength(2)
    expect([...first.body.results, ...second.body.results].map((hit) => hit.id)).toEqual([
      'image:uploads/formats/alpha.png',
      'image:uploads/formats/anim.gif',
      'image:uploads/formats/photo.avif',
      'image:uploads/formats/photo.webp',
    ])
  })

  it('finds processed images through the search index', async () => {
    const { body } = await getJson<{ results: Array<{ id: string }> }>(`${pipeline.url}/search?q=rotated`)
    expect(body.results.map((result) => result.id)).toEqual(['image:uploads/photos/rotated.jpg'])
  })

  it('dead-letters and announces a rejected version once, however often it is uploaded', async () => {
    const notes = images.textFile('still not an image\n')

    await uploadAndSettle('twice/notes.jpg', notes)
    await uploadAndSettle('twice/notes.jpg', notes)

    const executions = await executionsFor('uploads/twice/notes.jpg')
    expect(executions.map((execution) => [execution.status, execution.error])).toEqual([
      ['FAILED', 'UnsupportedImage'],
      ['FAILED', 'UnsupportedImage'],
    ])
    const dlq = (await getJson<DlqView>(`${pipeline.url}/dlq`)).body.queues.find(
      (queue) => queue.name === 'ImageDeadLetters',
    )!
    expect(
      dlq.messages.filter((message) => message.body.event.detail.object.key === 'uploads/twice/notes.jpg'),
    ).toHaveLength(1)
    expect(outcomeEvents(ImageRejectedType, 'uploads/twice/notes.jpg')).toHaveLength(1)
  })

  it('accounts for every accepted upload: it succeeded, or its version is in the DLQ', async () => {
    const all = (await getJson<{ executions: ExecutionView[] }>(`${pipeline.url}/executions?workflow=image&limit=1000`))
      .body.executions
    const dlq = (await getJson<DlqView>(`${pipeline.url}/dlq`)).body.queues.find(
      (queue) => queue.name === 'ImageDeadLetters',
    )!
    const deadVersions = new Set(
      dlq.messages.map((message) => `${message.body.event.detail.object.key}#${message.body.event.detail.object.etag}`),
    )

    expect(all).toHaveLength(accepted)
    for (const execution of all) {
      if (execution.status === 'SUCCEEDED') continue
      expect(execution.status).toBe('FAILED')
      const detail = (
        await getJson<{ input: { detail: { object: { key: string; etag: string } } } }>(
          `${pipeline.url}/executions/${execution.name}`,
        )
      ).body
      expect(deadVersions).toContain(`${detail.input.detail.object.key}#${detail.input.detail.object.etag}`)
    }
  })
})
