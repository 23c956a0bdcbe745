import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { seededRandom } from '../../infra/local/lambda/faults'
import * as images from '../support/images'
import { startChild, stopChild, waitUntilIdle, type ChildPipeline } from '../../bench/support/child'
import { duplicated, eventCounts, reconcileFlow } from './support/reconcile'
import { withSeed } from './support/in-process'

const seed = process.env.RELIABILITY_SEED ? Number(process.env.RELIABILITY_SEED) : Math.floor(Math.random() * 2 ** 31)
const Kills = 5

/** The server under load: its current address, or none while it is down. */
class Target {
  current: ChildPipeline | undefined
  stopped = false
}

const orderBody = (customerId: string, i: number) =>
  JSON.stringify({
    customerId,
    items: [{ sku: `SKU-${i % 11}`, quantity: 1 + (i % 4), unitPrice: 3.25 }],
    currency: 'GBP',
  })

/** Keeps placing orders while the target lives; a request cut by a kill was never accepted and is not counted. */
const orderLoad = async (target: Target, customerId: string, accepted: string[], worker: number) => {
  for (let i = 0; !target.stopped; i += 1) {
    const running = target.current
    if (!running) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      continue
    }
    try {
      const response = await fetch(`${running.url}/orders`, {
        method: 'POST',
        body: orderBody(customerId, i * 10 + worker),
        headers: { 'content-type': 'application/json' },
      })
      const body = (await response.json()) as { orderId?: string }
      if (response.status === 202 && body.orderId) accepted.push(body.orderId)
    } catch {
      // The process died under this request: not accepted.
    }
  }
}

const uploadLoad = async (target: Target, photos: ReadonlyArray<Buffer>, accepted: string[]) => {
  for (let i = 0; !target.stopped; i += 1) {
    const running = target.current
    if (!running) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      continue
    }
    const key = `uploads/crash/photo-${i}.jpg`
    try {
      const response = await fetch(`${running.url}/${key}`, { method: 'PUT', body: photos[i % photos.length]! })
      await response.json()
      if (response.status === 200) accepted.push(key)
    } catch {
      // The process died under this upload: not accepted.
    }
  }
}

describe('a pipeline SIGKILLed again and again under load', () => {
  let dataDir: string
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-crashes-'))
  })
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('loses no accepted order or upload and duplicates no record or outcome event', async () => {
    // Prepare
    const random = seededRandom(seed)
    const target = new Target()
    target.current = await startChild(dataDir)
    const user = await fetch(`${target.current.url}/users`, {
      method: 'POST',
      body: JSON.stringify({ username: 'crash', email: 'crash@example.com' }),
      headers: { 'content-type': 'application/json' },
    })
    const customerId = ((await user.json()) as { userId: string }).userId
    const photos = await Promise.all([images.jpeg(640, 480), images.pngWithAlpha(300, 200), images.webp(400, 300)])
    const orders: string[] = []
    const uploads: string[] = []
    const load = Promise.all([
      ...[0, 1, 2].map((worker) => orderLoad(target, customerId, orders, worker)),
      uploadLoad(target, photos, uploads),
    ])

    // Act: kill at a random moment of the load, restart, again; the last run is left to drain.
    let resumed = 0
    for (let kill = 0; kill < Kills; kill += 1) {
      const acceptedBefore = orders.length + uploads.length
      // Some work accepted by this run first, then a random instant (0 to 1.5 s) later.
      for (
        const started = Date.now();
        orders.length + uploads.length < acceptedBefore + 20 && Date.now() - started < 60_000;
      )
        await new Promise((resolve) => setTimeout(resolve, 25))
      await new Promise((resolve) => setTimeout(resolve, random() * 1500))
      const victim = target.current!
      target.current = undefined
      victim.child.kill('SIGKILL')
      await victim.exited
      target.current = await startChild(dataDir)
      const match = /Resuming (\d+) execution/.exec(target.current.output())
      resumed += match ? Number(match[1]) : 0
    }
    target.stopped = true
    await load
    const last = target.current!
    await waitUntilIdle(last.url)
    expect(await stopChild(last)).toBe(0)

    // Assess: from the durable state alone.
    await withSeed(seed, () => {
      const db = new DatabaseSync(path.join(dataDir, 'pipeline.db'), { readOnly: true })
      try {
        expect(orders.length).toBeGreaterThan(50)
        expect(uploads.length).toBeGreaterThan(10)
        // A kill under this load always cuts some execution short; the restarts must have picked them up.
        expect(resumed).toBeGreaterThan(0)

        const orderFlow = reconcileFlow(
          db,
          'order',
          orders,
          (event) => (event.detail as { orderId?: string } | undefined)?.orderId,
        )
        const imageFlow = reconcileFlow(
          db,
          'image',
          uploads,
          (event) => (event.detail as { object?: { key?: string } } | undefined)?.object?.key,
        )
        for (const flow of [orderFlow, imageFlow])
          expect({ lost: flow.lost, doubled: flow.doubled, withoutReason: flow.withoutReason }).toEqual({
            lost: [],
            doubled: [],
            withoutReason: [],
          })
        // Nothing here is bad input and no fault is injected: every accepted thing must succeed.
        expect({ orders: orderFlow.deadLettered, images: imageFlow.deadLettered }).toEqual({ orders: [], images: [] })

        const decided = new Map(
          (
            db
              .prepare(
                "SELECT pk, json_extract(item, '$.status') AS status FROM table_items WHERE table_name = 'Orders'",
              )
              .all() as Array<{ pk: string; status: string }>
          ).map((row) => [row.pk, row.status]),
        )
        expect(orders.filter((orderId) => decided.get(orderId) !== 'ACCEPTED')).toEqual([])
        const records = new Map(
          (
            db.prepare("SELECT key, status FROM images WHERE key LIKE 'uploads/crash/%'").all() as Array<{
              key: string
              status: string
            }>
          ).map((row) => [row.key, row.status]),
        )
        expect(uploads.filter((key) => records.get(key) !== 'PROCESSED')).toEqual([])

        const accepted = eventCounts(db, 'OrderAccepted', '$.detail.orderId')
        const processed = eventCounts(db, 'ImageProcessed', '$.detail.key')
        expect({
          placed: duplicated(eventCounts(db, 'OrderPlaced', '$.detail.orderId')),
          accepted: duplicated(accepted),
          rejected: [...eventCounts(db, 'OrderRejected', '$.detail.orderId').keys()],
          processed: duplicated(processed),
        }).toEqual({ placed: [], accepted: [], rejected: [], processed: [] })
        expect(orders.filter((orderId) => accepted.get(orderId) !== 1)).toEqual([])
        expect(uploads.filter((key) => processed.get(key) !== 1)).toEqual([])
      } finally {
        db.close()
      }
    })
  }, 360_000)
})
