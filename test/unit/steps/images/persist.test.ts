import { Effect, Exit, Layer } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import type { ImageRecord, Rendition, ValidatedImage } from '../../../../contracts/images'
import { ClockFixed } from '../../../../steps/services/clock'
import { PipelineConfig } from '../../../../steps/services/config'
import { ImageTable } from '../../../../steps/services/image-table'
import { processedKey } from '../../../../steps/images/persist/announce'
import { persistImage } from '../../../../steps/images/persist/program'
import { memoryImageTable as memoryTable, memoryLedger, memoryPublisher } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'

const firstRun = '2026-01-01T00:00:00.000Z'
const secondRun = '2026-01-01T00:05:00.000Z'

const image: ValidatedImage = {
  bucket: 'uploads-bucket',
  key: 'uploads/cat.jpg',
  etag: 'etag-v1',
  size: 48_000,
  format: 'jpeg',
  width: 640,
  height: 480,
}
const thumbnail: Rendition = {
  name: 'thumbnail',
  key: 'thumbnails/cat.jpg/thumbnail.jpeg',
  format: 'jpeg',
  width: 200,
  height: 150,
  bytes: 4_000,
}
const web: Rendition = {
  name: 'web',
  key: 'thumbnails/cat.jpg/web.webp',
  format: 'webp',
  width: 640,
  height: 480,
  bytes: 20_000,
}

/** The record persist writes for `image` at `at`. */
const processed = (at: string, overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  key: image.key,
  bucket: image.bucket,
  etag: image.etag,
  status: 'PROCESSED',
  size: image.size,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [thumbnail, web],
  createdAt: at,
  updatedAt: at,
  ...overrides,
})

const failed: ImageRecord = {
  key: image.key,
  bucket: image.bucket,
  etag: image.etag,
  status: 'FAILED',
  size: image.size,
  renditions: [],
  error: 'TransientError',
  reason: 'throttled',
  createdAt: firstRun,
  updatedAt: firstRun,
}

const busName = 'bus'
const config = Layer.succeed(PipelineConfig, { maxImageBytes: 1_000_000, maxImagePixels: 1_000_000, busName })

const persist = (
  table: ReturnType<typeof memoryTable>,
  at: string,
  input = { image, renditions: [web, thumbnail] },
  announce = { ledger: memoryLedger(), publisher: memoryPublisher({ busName }) },
) =>
  runWith(Layer.mergeAll(table.layer, ClockFixed(at), announce.ledger.layer, announce.publisher.layer, config))(
    persistImage.run({ ...input, executionId: 'exec-1' }),
  )

describe('persistImage', () => {
  it('writes the PROCESSED record of the version, renditions sorted by name', async () => {
    // Prepare
    const table = memoryTable()

    // Act
    const exit = await persist(table, firstRun)

    // Assess
    expect(exit).toEqual(Exit.succeed(processed(firstRun)))
    expect([...table.records.values()]).toEqual([processed(firstRun)])
  })

  it('returns the standing record on a second run and leaves the table unchanged', async () => {
    // Prepare
    const table = memoryTable()
    await persist(table, firstRun)
    const before = structuredClone([...table.records.entries()])

    // Act
    const exit = await persist(table, secondRun)

    // Assess
    expect(exit).toEqual(Exit.succeed(processed(firstRun)))
    expect([...table.records.entries()]).toEqual(before)
    expect(table.writes).toHaveLength(1)
  })

  it('upgrades a FAILED record of the same version (a retried run that now succeeds)', async () => {
    const table = memoryTable({ records: [failed] })

    const exit = await persist(table, secondRun)

    expect(exit).toEqual(Exit.succeed(processed(secondRun)))
    expect(table.records.get(image.key)).toEqual(processed(secondRun))
  })

  it('replaces the record of another version of the key', async () => {
    const table = memoryTable({ records: [processed(firstRun, { etag: 'etag-v0' })] })

    const exit = await persist(table, secondRun)

    expect(exit).toEqual(Exit.succeed(processed(secondRun)))
    expect(table.records.get(image.key)?.etag).toBe('etag-v1')
  })

  it.each([
    [
      'keeps the version id',
      { ...image, versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY' },
      { versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY' },
    ],
    ['has no versionId key at all when the bucket is unversioned', image, {}],
  ])('%s', async (_name, versioned, expected) => {
    const exit = await persist(memoryTable(), firstRun, { image: versioned, renditions: [] })

    expect(exit).toEqual(Exit.succeed(processed(firstRun, { renditions: [], ...expected })))
    expect(Exit.isSuccess(exit) && Object.keys(exit.value).includes('versionId')).toBe('versionId' in expected)
  })

  it('announces ImageProcessed once for the version, however many runs persist it', async () => {
    // Prepare
    const table = memoryTable()
    const announce = { ledger: memoryLedger(), publisher: memoryPublisher({ busName }) }

    // Act
    await persist(table, firstRun, undefined, announce)
    await persist(table, secondRun, undefined, announce)

    // Assess
    expect(announce.publisher.batches).toHaveLength(1)
    expect(announce.ledger.claims.get(processedKey(processed(firstRun)))).toEqual({ owner: 'exec-1', done: true })
  })

  it('announces nothing when a newer version of the key already stands', async () => {
    const announce = { ledger: memoryLedger(), publisher: memoryPublisher({ busName }) }
    const newer = processed(firstRun, { etag: 'etag-v2' })
    // A newer version won the race: the conditional write of this one is refused and the newer one returned.
    const table = {
      ...memoryTable({ records: [newer] }),
      layer: Layer.succeed(ImageTable, {
        get: () => Effect.succeed(newer),
        putVersion: () => Effect.succeed({ written: false, existing: newer }),
      }),
    }

    const exit = await persist(table, secondRun, undefined, announce)

    expect(exit).toEqual(Exit.succeed(newer))
    expect(announce.publisher.batches).toEqual([])
  })

  it("fails with the table's TransientError, for the workflow to retry", async () => {
    const fault = new TransientError({ operation: 'dynamodb:PutItem', message: 'throttled' })

    const exit = await persist(memoryTable({ fail: fault }), firstRun)

    expect(exit).toEqual(Exit.fail(fault))
  })
})
