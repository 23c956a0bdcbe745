import { Effect, Exit, Layer } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import type { FailureInput, ImageRecord } from '../../../../contracts/images'
import { ClockFixed } from '../../../../steps/services/clock'
import { ImageTable } from '../../../../steps/services/image-table'
import { reasonOf, recordImageFailure } from '../../../../steps/images/record-failure/program'
import { awsEvent } from '../../../support/fixtures'
import { memoryImageTable as memoryTable } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'

const at = '2026-01-01T00:00:00.000Z'
const later = '2026-01-01T00:10:00.000Z'

/** The real S3 `Object Created` event, parsed afresh for each test so none sees another's changes. */
const objectCreated = (): Record<string, unknown> & { detail: { object: Record<string, unknown> } } =>
  awsEvent('s3/object-created.json')

const lambdaCause = JSON.stringify({
  errorType: 'UnsupportedImage',
  errorMessage: 'IMG_m7fzo3.jpg is not a supported image (detected: text)',
  trace: [],
})
const unsupported = { Error: 'UnsupportedImage', Cause: lambdaCause }

const recordFailure = (table: ReturnType<typeof memoryTable>, input: FailureInput, now = at) =>
  runWith(Layer.merge(table.layer, ClockFixed(now)))(recordImageFailure.run(input))

describe('reasonOf', () => {
  it.each([
    ["Lambda's JSON cause: its errorMessage", unsupported, 'IMG_m7fzo3.jpg is not a supported image (detected: text)'],
    ['no cause: the error name', { Error: 'States.Timeout' }, 'States.Timeout'],
    ['an empty cause: the error name', { Error: 'States.Timeout', Cause: '' }, 'States.Timeout'],
    [
      'a sentence (a States.* runtime error): the sentence',
      { Error: 'States.Runtime', Cause: 'An error occurred while executing the state.' },
      'An error occurred while executing the state.',
    ],
    ['JSON without errorMessage: the cause as is', { Error: 'X', Cause: '{"errorType":"X"}' }, '{"errorType":"X"}'],
    [
      'JSON whose errorMessage is not a string: the cause as is',
      { Error: 'X', Cause: '{"errorMessage":42}' },
      '{"errorMessage":42}',
    ],
    ['JSON null: the cause as is', { Error: 'X', Cause: 'null' }, 'null'],
    ['a JSON string: the cause as is', { Error: 'X', Cause: '"quoted"' }, '"quoted"'],
  ])('reads %s', (_name, error, reason) => {
    expect(reasonOf(error)).toBe(reason)
  })
})

describe('recordImageFailure', () => {
  it('records the version FAILED with its reason on the first failure, and answers firstFailure true with the rejection', async () => {
    // Prepare
    const table = memoryTable()
    const event = objectCreated()

    // Act
    const exit = await recordFailure(table, { event, error: unsupported })

    // Assess
    const rejection = {
      bucket: 'example-bucket',
      key: 'IMG_m7fzo3.jpg',
      etag: '4e68adba0abe2dc8653dc3354e14c01d',
      error: 'UnsupportedImage',
      reason: 'IMG_m7fzo3.jpg is not a supported image (detected: text)',
    }
    expect(exit).toEqual(Exit.succeed({ firstFailure: true, rejection }))
    expect(table.records.get('IMG_m7fzo3.jpg')).toEqual({
      key: 'IMG_m7fzo3.jpg',
      bucket: 'example-bucket',
      etag: '4e68adba0abe2dc8653dc3354e14c01d',
      status: 'FAILED',
      size: 184662,
      renditions: [],
      error: 'UnsupportedImage',
      reason: rejection.reason,
      createdAt: at,
      updatedAt: at,
    })
  })

  it('answers firstFailure false on a second failure of the same version, and keeps the first record', async () => {
    // Prepare
    const table = memoryTable()
    const event = objectCreated()
    await recordFailure(table, { event, error: unsupported })
    const first = table.records.get('IMG_m7fzo3.jpg')

    // Act
    const exit = await recordFailure(table, { event, error: { Error: 'States.Timeout' } }, later)

    // Assess
    expect(exit).toEqual(Exit.succeed({ firstFailure: false }))
    expect(table.records.get('IMG_m7fzo3.jpg')).toBe(first)
  })

  it('answers firstFailure true again when the same execution retries after its answer was lost, and names it in the record', async () => {
    const table = memoryTable()
    const executionId = 'arn:aws:states:eu-west-1:123456789012:execution:ImageWorkflow:run-1'
    await recordFailure(table, { event: objectCreated(), error: unsupported, executionId })

    const retried = await recordFailure(table, { event: objectCreated(), error: unsupported, executionId }, later)
    const another = await recordFailure(
      table,
      { event: objectCreated(), error: unsupported, executionId: `${executionId}-2` },
      later,
    )

    expect(table.records.get('IMG_m7fzo3.jpg')).toMatchObject({
      status: 'FAILED',
      failedBy: executionId,
      updatedAt: at,
    })
    expect(retried).toEqual(Exit.succeed(expect.objectContaining({ firstFailure: true })))
    expect(another).toEqual(Exit.succeed(expect.objectContaining({ firstFailure: false })))
  })

  it('dead-letters a run that failed after its version stood PROCESSED (announce or index undone), as no rejection and without downgrading the record', async () => {
    const executionId = 'arn:aws:states:eu-west-1:123456789012:execution:ImageWorkflow:run-1'
    const processed: ImageRecord = {
      key: 'IMG_m7fzo3.jpg',
      bucket: 'example-bucket',
      etag: '4e68adba0abe2dc8653dc3354e14c01d',
      status: 'PROCESSED',
      size: 184662,
      renditions: [],
      createdAt: at,
      updatedAt: at,
    }
    const table = memoryTable({ records: [processed] })

    const exit = await recordFailure(table, { event: objectCreated(), error: unsupported, executionId })

    expect(exit).toEqual(Exit.succeed({ firstFailure: true }))
    expect(table.records.get('IMG_m7fzo3.jpg')).toBe(processed)
  })

  it('dead-letters nothing when another version of the key stands: the newer upload supersedes this one', async () => {
    const newer: ImageRecord = {
      key: 'IMG_m7fzo3.jpg',
      bucket: 'example-bucket',
      etag: 'etag-newer',
      status: 'PROCESSED',
      size: 1,
      renditions: [],
      createdAt: later,
      updatedAt: later,
    }
    const table = {
      ...memoryTable({ records: [newer] }),
      layer: Layer.succeed(ImageTable, {
        get: () => Effect.succeed(newer),
        putVersion: () => Effect.succeed({ written: false, existing: newer }),
      }),
    }

    const exit = await recordFailure(table, { event: objectCreated(), error: unsupported })

    expect(exit).toEqual(Exit.succeed({ firstFailure: false }))
  })

  it('answers firstFailure true again for a new version of the key', async () => {
    const table = memoryTable()
    await recordFailure(table, { event: objectCreated(), error: unsupported })
    const newer = objectCreated()
    newer.detail.object.etag = 'etag-v2'

    const exit = await recordFailure(table, { event: newer, error: unsupported })

    expect(exit).toEqual(Exit.succeed({ firstFailure: true, rejection: expect.objectContaining({ etag: 'etag-v2' }) }))
  })

  it('keeps the version id of a versioned bucket', async () => {
    const table = memoryTable()
    const event = objectCreated()
    event.detail.object['version-id'] = 'v-42'

    await recordFailure(table, { event, error: unsupported })

    expect(table.records.get('IMG_m7fzo3.jpg')?.versionId).toBe('v-42')
  })

  it.each([
    ['not an S3 event', { hello: 'world' }],
    ['missing', undefined],
    [
      'an S3 event without its object',
      (() => {
        const event = objectCreated()
        delete (event.detail as Record<string, unknown>).object
        return event
      })(),
    ],
  ])('still answers, with an empty rejection and no record, when the event is %s', async (_name, event) => {
    const table = memoryTable()

    const exit = await recordFailure(table, { event, error: unsupported })

    expect(exit).toEqual(
      Exit.succeed({
        firstFailure: true,
        rejection: {
          bucket: '',
          key: '',
          etag: '',
          error: 'UnsupportedImage',
          reason: 'IMG_m7fzo3.jpg is not a supported image (detected: text)',
        },
      }),
    )
    expect(table.records.size).toBe(0)
  })

  it("fails with the table's TransientError", async () => {
    const fault = new TransientError({ operation: 'dynamodb:PutItem', message: 'throttled' })

    const exit = await recordFailure(memoryTable({ fail: fault }), { event: objectCreated(), error: unsupported })

    expect(exit).toEqual(Exit.fail(fault))
  })
})
