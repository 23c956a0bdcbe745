/** ImageTableSqlite: the ImageTable contract over the local database in a real data directory; then what only it does. */
import { Effect, Exit, Layer } from 'effect'
import { ImageTableSqlite } from '../../infra/local/layers/image-table-sqlite'
import { LedgerSqlite } from '../../infra/local/layers/ledger-sqlite'
import { persistImage } from '../../steps/images/persist/program'
import { recordImageFailure } from '../../steps/images/record-failure/program'
import { ClockFixed } from '../../steps/services/clock'
import { PipelineConfig } from '../../steps/services/config'
import { ImageTable } from '../../steps/services/image-table'
import { failedImage, imageTableContract, processedImage } from '../contracts/image-table'
import { localStores } from '../support/local-stores'
import { memoryPublisher } from '../support/memory-services'
import { runWith } from '../support/run-with'

afterEach(localStores.cleanUp)

imageTableContract('SQLite', () => ImageTableSqlite(localStores.open().db), {
  backendFailure: {
    failing: () => {
      // Statements are prepared when the layer is made, so the database closes after, as it would under a running step.
      const stores = localStores.open()
      const layer = ImageTableSqlite(stores.db)
      stores.close()
      return layer
    },
  },
})

describe('ImageTableSqlite, beyond the contract', () => {
  it('keeps one row per key', async () => {
    const { db } = localStores.open()

    await runWith(
      ImageTableSqlite(db),
      ImageTable,
    )((images) =>
      Effect.forEach([failedImage(), processedImage(), processedImage({ etag: 'etag-v2' })], (record) =>
        images.putVersion(record),
      ),
    )

    expect(db.prepare('SELECT key, etag, status FROM images').all()).toEqual([
      { key: 'uploads/cat.jpg', etag: 'etag-v2', status: 'PROCESSED' },
    ])
  })
})

describe('persist and record-failure over ImageTableSqlite', () => {
  const at = '2026-01-01T00:00:00.000Z'
  const image = {
    bucket: 'uploads',
    key: 'uploads/cat.jpg',
    etag: 'etag-v1',
    size: 48_000,
    format: 'jpeg' as const,
    width: 640,
    height: 480,
  }
  const event = {
    version: '0',
    id: 'e-1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::uploads'],
    detail: {
      version: '0',
      bucket: { name: 'uploads' },
      object: { key: 'uploads/cat.jpg', size: 48_000, etag: 'etag-v1', sequencer: '00' },
      'request-id': 'R',
      requester: '000000000000',
      reason: 'PutObject',
    },
  }

  it('lets a retried run that succeeds upgrade the FAILED record, and a duplicate run return it unchanged', async () => {
    // Prepare
    const { db } = localStores.open()
    const config = Layer.succeed(PipelineConfig, { maxImageBytes: 1e6, maxImagePixels: 1e6, busName: 'bus' })
    // Persist also announces the version: the ledger over the same database, the bus in memory.
    const layer = (clock: string) =>
      Layer.mergeAll(
        ImageTableSqlite(db),
        LedgerSqlite(db),
        memoryPublisher({ busName: 'bus' }).layer,
        config,
        ClockFixed(clock),
      )
    const run = runWith(layer(at))
    const later = runWith(layer('2026-03-03T00:00:00.000Z'))
    const processed = processedImage({ bucket: 'uploads', size: 48_000, renditions: [] })
    const failure = await run(recordImageFailure.run({ event, error: { Error: 'TransientError' } }))

    // Act
    const upgraded = await run(persistImage.run({ image, renditions: [], executionId: 'exec-1' }))
    const duplicate = await later(persistImage.run({ image, renditions: [], executionId: 'exec-2' }))
    const lateFailure = await run(recordImageFailure.run({ event, error: { Error: 'TransientError' } }))

    // Assess
    expect(failure).toEqual(Exit.succeed(expect.objectContaining({ firstFailure: true })))
    expect(upgraded).toEqual(Exit.succeed(processed))
    expect(duplicate).toEqual(Exit.succeed(processed))
    // A run failing after the version stands PROCESSED is dead-lettered (its work may be undone), as no rejection.
    expect(lateFailure).toEqual(Exit.succeed({ firstFailure: true }))
  })
})
