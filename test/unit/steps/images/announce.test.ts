import { Exit, Layer } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import type { ImageRecord } from '../../../../contracts/images'
import { ImageProcessedType, ImagesSource } from '../../../../contracts/sources'
import { PipelineConfig } from '../../../../steps/services/config'
import { announceProcessed, processedKey } from '../../../../steps/images/persist/announce'
import { memoryLedger, memoryPublisher } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'

const busName = 'pipeline-bus'
const config = Layer.succeed(PipelineConfig, { maxImageBytes: 1_000_000, maxImagePixels: 1_000_000, busName })

const record: ImageRecord = {
  key: 'uploads/cat.jpg',
  bucket: 'uploads-bucket',
  etag: 'etag-v1',
  status: 'PROCESSED',
  size: 48_000,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [
    {
      name: 'thumbnail',
      key: 'thumbnails/cat.jpg/thumbnail.jpeg',
      format: 'jpeg',
      width: 200,
      height: 150,
      bytes: 4_000,
    },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}
const key = processedKey(record)

const notify = (
  ledger: ReturnType<typeof memoryLedger>,
  publisher: ReturnType<typeof memoryPublisher>,
  executionId: string,
) => runWith(Layer.mergeAll(ledger.layer, publisher.layer, config))(announceProcessed(record, executionId))

describe('processedKey', () => {
  it('is the event type, the object and its version', () => {
    expect(key).toBe('ImageProcessed#uploads-bucket/uploads/cat.jpg#etag-v1')
  })
})

describe('announceProcessed', () => {
  it('publishes exactly one ImageProcessed on the pipeline bus on its first run, and completes the claim', async () => {
    // Prepare
    const ledger = memoryLedger()
    const publisher = memoryPublisher({ busName })

    // Act
    const exit = await notify(ledger, publisher, 'exec-1')

    // Assess
    expect(exit).toEqual(Exit.succeed({ published: true }))
    expect(publisher.batches).toHaveLength(1)
    const [[entry]] = publisher.batches
    expect(publisher.batches[0]).toHaveLength(1)
    expect(entry).toMatchObject({ Source: ImagesSource, DetailType: ImageProcessedType, EventBusName: 'pipeline-bus' })
    expect(entry.Source).toBe('pipeline.images')
    expect(JSON.parse(entry.Detail)).toEqual({
      bucket: 'uploads-bucket',
      key: 'uploads/cat.jpg',
      etag: 'etag-v1',
      format: 'jpeg',
      width: 640,
      height: 480,
      renditions: record.renditions,
    })
    expect(ledger.claims.get(key)).toEqual({ owner: 'exec-1', done: true })
  })

  it.each([
    ['another execution, after the first completed', { owner: 'exec-1', done: true }, 'exec-2'],
    ['the same execution, after it completed', { owner: 'exec-1', done: true }, 'exec-1'],
    ['another execution, while the first holds an unfinished claim', { owner: 'exec-1', done: false }, 'exec-2'],
  ])('publishes nothing for %s', async (_name, claim, executionId) => {
    const ledger = memoryLedger({ claims: { [key]: claim } })
    const publisher = memoryPublisher({ busName })

    const exit = await notify(ledger, publisher, executionId)

    expect(exit).toEqual(Exit.succeed({ published: false }))
    expect(publisher.batches).toEqual([])
    expect(ledger.claims.get(key)).toEqual(claim)
  })

  it('publishes nothing on a second run by another execution', async () => {
    const ledger = memoryLedger()
    const publisher = memoryPublisher({ busName })

    await notify(ledger, publisher, 'exec-1')
    const exit = await notify(ledger, publisher, 'exec-2')

    expect(exit).toEqual(Exit.succeed({ published: false }))
    expect(publisher.batches).toHaveLength(1)
  })

  it('publishes when the same execution re-runs after a claim it never completed (a crash between claim and publish)', async () => {
    const ledger = memoryLedger({ claims: { [key]: { owner: 'exec-1', done: false } } })
    const publisher = memoryPublisher({ busName })

    const exit = await notify(ledger, publisher, 'exec-1')

    expect(exit).toEqual(Exit.succeed({ published: true }))
    expect(publisher.batches).toHaveLength(1)
    expect(ledger.claims.get(key)).toEqual({ owner: 'exec-1', done: true })
  })

  it('releases the claim and fails with TransientError when publishing fails, so a retry (or another run) can publish', async () => {
    // Prepare
    const fault = new TransientError({ operation: 'events:PutEvents', message: 'ThrottlingException' })
    const ledger = memoryLedger()

    // Act
    const exit = await notify(ledger, memoryPublisher({ busName, fail: fault }), 'exec-1')
    const claimedAfterFailure = ledger.claims.has(key)
    const retry = memoryPublisher({ busName })
    const retried = await notify(ledger, retry, 'exec-2')

    // Assess
    expect(exit).toEqual(Exit.fail(fault))
    expect(claimedAfterFailure).toBe(false)
    expect(retried).toEqual(Exit.succeed({ published: true }))
    expect(retry.batches).toHaveLength(1)
  })
})
