import { Exit, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { ImageRecord } from '../../contracts/images'
import { ImageTable } from '../../steps/services/image-table'
import { runWith, type RunWithService } from '../support/run-with'
import { failingLayer, transientFailure, type ContractOptions, type MakeLayer } from './kit'

type Images = typeof ImageTable.Service

const key = 'uploads/cat.jpg'

export const processedImage = (overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  key,
  bucket: 'uploads-bucket',
  etag: 'etag-v1',
  status: 'PROCESSED',
  size: 2048,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [
    { name: 'thumbnail', key: `thumbnails/thumbnail/${key}.jpeg`, format: 'jpeg', width: 200, height: 150, bytes: 512 },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
})

// No format, width or height: a record's optional fields may be absent, and must stay absent.
export const failedImage = (overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  key,
  bucket: 'uploads-bucket',
  etag: 'etag-v1',
  status: 'FAILED',
  size: 2048,
  renditions: [],
  error: 'TransientError',
  reason: 'gave up',
  failedBy: 'arn:aws:states:us-east-1:000000000000:execution:images:run-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:05:00.000Z',
  ...overrides,
})

/**
 * What every {@link ImageTable} promises (steps/services/image-table.ts), run against each implementation:
 * `putVersion` writes when no record stands, when the standing one is of another object version (another etag), or to
 * upgrade a FAILED record of this version to PROCESSED; any other write is a duplicate run, answered with the record
 * that stands and nothing written. On DynamoDB that is one conditional PutItem
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html). A key
 * with no record reads as undefined; a failing backend is a TransientError.
 */
export const imageTableContract = (name: string, layer: MakeLayer<ImageTable>, options: ContractOptions<ImageTable>) =>
  describe(`ImageTable: ${name}`, () => {
    let run: RunWithService<Images, ImageTable, never>
    beforeEach(async () => {
      run = runWith(await layer(), ImageTable)
    })

    describe('conditional writes', () => {
      it.each<[string, ReadonlyArray<ImageRecord>, ImageRecord, boolean]>([
        ['writes when no record stands', [], processedImage(), true],
        ['writes a FAILED record when none stands', [], failedImage(), true],
        ['writes another version (another etag)', [processedImage()], processedImage({ etag: 'etag-v2' }), true],
        ['writes another version even when it failed', [processedImage()], failedImage({ etag: 'etag-v2' }), true],
        ['upgrades a FAILED record of this version to PROCESSED', [failedImage()], processedImage(), true],
        [
          'does not rewrite a PROCESSED record of this version',
          [processedImage()],
          processedImage({ updatedAt: '2026-02-02T00:00:00.000Z', renditions: [] }),
          false,
        ],
        ['does not downgrade a PROCESSED record of this version to FAILED', [processedImage()], failedImage(), false],
        [
          'does not rewrite a FAILED record of this version with another failure',
          [failedImage()],
          failedImage({ error: 'States.Timeout', reason: 'gave up again' }),
          false,
        ],
        [
          'does not take back an upgrade: FAILED again after PROCESSED of this version',
          [failedImage(), processedImage()],
          failedImage({ updatedAt: '2026-01-01T00:20:00.000Z' }),
          false,
        ],
      ])('%s', async (_name, standing, incoming, written) => {
        for (const record of standing) await run((images) => images.putVersion(record))
        const before = standing.at(-1)

        const exit = await run((images) => images.putVersion(incoming))

        expect(exit).toEqual(Exit.succeed(written ? { written: true } : { written: false, existing: before }))
        expect(await run((images) => images.get(incoming.key))).toEqual(Exit.succeed(written ? incoming : before))
      })

      it('replaces the record with each new version, whatever the statuses', async () => {
        const versions = [processedImage(), failedImage({ etag: 'etag-v2' }), processedImage({ etag: 'etag-v3' })]

        for (const record of versions)
          expect(await run((images) => images.putVersion(record))).toEqual(Exit.succeed({ written: true }))
        expect(await run((images) => images.get(key))).toEqual(Exit.succeed(versions.at(-1)))
      })

      it('keeps records of different keys apart', async () => {
        const dog = processedImage({ key: 'uploads/dog.png', etag: 'etag-dog' })
        await run((images) => images.putVersion(processedImage()))

        expect(await run((images) => images.putVersion(dog))).toEqual(Exit.succeed({ written: true }))
        expect(await run((images) => images.get(key))).toEqual(Exit.succeed(processedImage()))
        expect(await run((images) => images.get('uploads/dog.png'))).toEqual(Exit.succeed(dog))
      })
    })

    describe('not found', () => {
      it('answers undefined for a key with no record', async () => {
        expect(await run((images) => images.get('uploads/never-written.jpg'))).toEqual(Exit.succeed(undefined))
      })
    })

    const failing = failingLayer(options.backendFailure)
    if (failing !== undefined)
      describe('transient failures', () => {
        it.each<[string, (images: Images) => Effect.Effect<unknown, TransientError>]>([
          ['get', (images) => images.get(key)],
          ['putVersion', (images) => images.putVersion(processedImage())],
        ])('fails %s with a TransientError when the backend fails', async (_, call) => {
          expect(await runWith(await failing(), ImageTable)(call)).toEqual(transientFailure)
        })
      })
  })
