import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { FaultInjector, parseFaultPlan } from '../../infra/local/lambda/faults'
import * as images from '../support/images'
import { deadLetters, duplicated, eventCounts, failedWithoutDeadLetter, reconcileFlow } from './support/reconcile'
import { drained, mapLimited, startInProcess, withSeed, type InProcessPipeline } from './support/in-process'

/** The image steps (persist also announces), the bus, the image failure recorder (whose answer may be lost after it wrote), and the order workflow's steps. */
const FaultSpec =
  'renderImage=0.3,persist-image=0.3,bus=0.05,record-image-failure=0.3,validate-order=0.1,persist-order=0.2,notify-order=0.2'
const seed = process.env.PIPELINE_FAULTS_SEED
  ? Number(process.env.PIPELINE_FAULTS_SEED)
  : Math.floor(Math.random() * 2 ** 31)

const OrderCount = 500
const ImageCount = 100

let pipeline: InProcessPipeline

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${pipeline.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** Good images of several kinds, and bad ones that must be rejected with a reason. */
const imageKinds = async () => {
  const good = [
    ['jpg', await images.jpeg(320, 240)],
    ['png', await images.pngWithAlpha(200, 150)],
    ['webp', await images.webp(240, 180)],
    ['avif', await images.avif(160, 120)],
    ['tiff', await images.tiff(160, 120)],
    ['gif', await images.animatedGif(120, 80, 3)],
  ] as const
  const bad = [
    ['txt.jpg', images.textFile()],
    ['cut.jpg', await images.truncatedJpeg(320, 240)],
    ['svg', images.svg()],
    ['empty.png', images.emptyFile()],
  ] as const
  return { good, bad }
}

describe('PIPELINE_FAULTS', () => {
  it.each([
    ['a missing rate', 'render-image', '"render-image" is not NAME=RATE'],
    ['an unknown step', 'render-image=0.3,shrink=0.1', '"shrink" in "shrink=0.1" is not a step'],
    ['a rate over 1', 'persistImage=1.5', 'the rate in "persistImage=1.5"'],
    ['a zero rate', 'persist-image=0', 'the rate in "persist-image=0"'],
    ['a point named twice', 'bus=0.1,bus=0.2', '"bus=0.2" names bus a second time'],
    ['the HTTP API, which has no retry to exercise', 'api=0.1', '"api" in "api=0.1" is not a step'],
  ])('refuses %s, naming the entry', (_name, spec, message) => {
    expect(() => parseFaultPlan(spec, '1')).toThrow(message)
  })

  it('takes step keys and names, and a seed that makes the draws repeat', () => {
    const plan = parseFaultPlan('renderImage=0.3, persist-order=0.2,bus=1', '42')!
    expect([...plan.rates]).toEqual([
      ['render-image', 0.3],
      ['persist-order', 0.2],
      ['bus', 1],
    ])
    const draws = () => {
      const injector = new FaultInjector(plan)
      return Array.from({ length: 50 }, () => injector.draw('render-image'))
    }
    expect(draws()).toEqual(draws())
    expect(draws().filter(Boolean).length).toBeGreaterThan(5)
    expect(new FaultInjector(plan).draw('index-image')).toBeUndefined()
  })

  it('stops the runtime at start-up with exit code 2 and the bad entry', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, PORT: '0', PIPELINE_FAULTS: 'render-image=lots' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining(
        'PIPELINE_FAULTS: "render-image=lots" is not NAME=RATE (for example render-image=0.3)',
      ),
    })
    expect(stderr).not.toMatch(/\n\s+at /)
  }, 60_000)
})

describe('the pipeline under injected faults', () => {
  beforeAll(async () => {
    pipeline = await startInProcess({
      faults: parseFaultPlan(FaultSpec, String(seed))!,
      retryScale: 0.01,
      concurrency: 6,
    })
  })
  afterAll(() => pipeline.close())

  it('ends every accepted order and image succeeded or dead-lettered with its reason, with nothing duplicated', async () => {
    // Prepare: customers to order for, and the uploads (a fifth of them bad).
    const customers: string[] = []
    for (const name of ['ada', 'grace', 'alan', 'edsger', 'barbara']) {
      const created = await post('/users', { username: name, email: `${name}@example.com` })
      expect(created.status).toBe(201)
      customers.push(created.body.userId as string)
    }
    const { good, bad } = await imageKinds()
    const uploads = Array.from({ length: ImageCount }, (_, i) => {
      const [ext, body] = i % 5 === 4 ? bad[i % bad.length]! : good[i % good.length]!
      return { key: `uploads/faults/image-${i}.${ext}`, body, bad: i % 5 === 4 }
    })
    // Every tenth order is for a customer nobody knows: it must be decided REJECTED, not lost.
    const orders = Array.from({ length: OrderCount }, (_, i) => ({
      customerId: i % 10 === 9 ? `ghost-${i}` : customers[i % customers.length]!,
      items: [{ sku: `SKU-${i % 17}`, quantity: 1 + (i % 3), unitPrice: 4.5 }],
      currency: 'EUR',
    }))

    // Act: orders and uploads at once, a few in flight each.
    const [orderAnswers, uploadAnswers] = await Promise.all([
      mapLimited(orders, 8, (order) => post('/orders', order)),
      mapLimited(uploads, 4, async (upload) => {
        const response = await fetch(`${pipeline.url}/${upload.key.split('/').map(encodeURIComponent).join('/')}`, {
          method: 'PUT',
          body: upload.body,
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      }),
    ])
    await drained(pipeline.runtime)

    // Assess
    await withSeed(seed, () => {
      const db = pipeline.runtime.db
      expect(orderAnswers.map((answer) => answer.status)).toEqual(orders.map(() => 202))
      expect(uploadAnswers.map((answer) => answer.status)).toEqual(uploads.map(() => 200))
      const injected = pipeline.runtime.faults!.injected
      for (const point of ['render-image', 'persist-image', 'bus', 'persist-order', 'notify-order'])
        expect(injected[point] ?? 0).toBeGreaterThan(0)

      // Orders: accepted = succeeded + dead-lettered; each decided once, as its customer says.
      const orderIds = orderAnswers.map((answer) => answer.body.orderId as string)
      const orderFlow = reconcileFlow(
        db,
        'order',
        orderIds,
        (event) => (event.detail as { orderId?: string } | undefined)?.orderId,
      )
      expect({ lost: orderFlow.lost, doubled: orderFlow.doubled, withoutReason: orderFlow.withoutReason }).toEqual({
        lost: [],
        doubled: [],
        withoutReason: [],
      })
      expect(orderFlow.succeeded.length + orderFlow.deadLettered.length).toBe(OrderCount)
      const letters = deadLetters(db)
      for (const orderId of orderFlow.deadLettered) {
        const letter = letters.find((candidate) => JSON.stringify(candidate.body).includes(orderId))!
        expect(letter.reason).toContain('Injected fault')
      }
      const placed = eventCounts(db, 'OrderPlaced', '$.detail.orderId')
      const accepted = eventCounts(db, 'OrderAccepted', '$.detail.orderId')
      const rejected = eventCounts(db, 'OrderRejected', '$.detail.orderId')
      expect({ placed: duplicated(placed), accepted: duplicated(accepted), rejected: duplicated(rejected) }).toEqual({
        placed: [],
        accepted: [],
        rejected: [],
      })
      const records = new Map(
        (
          db
            .prepare("SELECT pk, json_extract(item, '$.status') AS status FROM table_items WHERE table_name = 'Orders'")
            .all() as Array<{ pk: string; status: string }>
        ).map((row) => [row.pk, row.status]),
      )
      expect(records.size).toBe(OrderCount)
      for (const orderId of orderFlow.succeeded) {
        const index = orderIds.indexOf(orderId)
        const expected = orders[index]!.customerId.startsWith('ghost-') ? 'REJECTED' : 'ACCEPTED'
        expect({
          orderId,
          status: records.get(orderId),
          announced: (expected === 'ACCEPTED' ? accepted : rejected).get(orderId),
        }).toEqual({ orderId, status: expected, announced: 1 })
      }

      // Images: good ones processed (or dead-lettered by a fault), bad ones dead-lettered with their reason; each announced once.
      const keys = uploads.map((upload) => upload.key)
      const imageFlow = reconcileFlow(
        db,
        'image',
        keys,
        (event) => (event.detail as { object?: { key?: string } } | undefined)?.object?.key,
      )
      expect({ lost: imageFlow.lost, doubled: imageFlow.doubled, withoutReason: imageFlow.withoutReason }).toEqual({
        lost: [],
        doubled: [],
        withoutReason: [],
      })
      expect(imageFlow.succeeded.length + imageFlow.deadLettered.length).toBe(ImageCount)
      const badKeys = uploads.filter((upload) => upload.bad).map((upload) => upload.key)
      expect(imageFlow.succeeded.filter((key) => badKeys.includes(key))).toEqual([])
      for (const key of imageFlow.deadLettered.filter((candidate) => !badKeys.includes(candidate))) {
        expect(letters.find((letter) => JSON.stringify(letter.body).includes(`"${key}"`))!.reason).toContain(
          'Injected fault',
        )
      }
      const processed = eventCounts(db, 'ImageProcessed', '$.detail.key')
      const imageRejected = eventCounts(db, 'ImageRejected', '$.detail.key')
      expect({ processed: duplicated(processed), rejected: duplicated(imageRejected) }).toEqual({
        processed: [],
        rejected: [],
      })
      expect(imageFlow.succeeded.filter((key) => processed.get(key) !== 1)).toEqual([])
      const imageRecords = new Map(
        (
          db.prepare("SELECT key, status FROM images WHERE key LIKE 'uploads/faults/%'").all() as Array<{
            key: string
            status: string
          }>
        ).map((row) => [row.key, row.status]),
      )
      expect(imageFlow.succeeded.filter((key) => imageRecords.get(key) !== 'PROCESSED')).toEqual([])

      // Every failed execution of every workflow left its dead letter.
      for (const workflow of ['order', 'image', 'change'])
        expect({ workflow, missing: failedWithoutDeadLetter(db, workflow) }).toEqual({ workflow, missing: [] })
    })
  }, 300_000)
})
