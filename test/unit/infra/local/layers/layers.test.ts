import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { Effect, Exit, Layer } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import { ObjectNotFound, type ImageRecord } from '../../../../../contracts/images'
import { LocalBus } from '../../../../../infra/local/eventbridge/bus'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { EventPublisherBus } from '../../../../../infra/local/layers/event-publisher-bus'
import { ImageTableSqlite } from '../../../../../infra/local/layers/image-table-sqlite'
import { LedgerSqlite } from '../../../../../infra/local/layers/ledger-sqlite'
import { ObjectStoreFs } from '../../../../../infra/local/layers/object-store-fs'
import { SearchIndexSqlite } from '../../../../../infra/local/layers/search-index-sqlite'
import { LocalObjectStore } from '../../../../../infra/local/s3/object-store'
import { search } from '../../../../../infra/local/dynamodb/search'
import type { LocalModel } from '../../../../../infra/local/model/template'
import { imageDocument } from '../../../../../steps/images/index/program'
import { persistImage } from '../../../../../steps/images/persist/program'
import { recordImageFailure } from '../../../../../steps/images/record-failure/program'
import { ClockFixed } from '../../../../../steps/services/clock'
import { PipelineConfig } from '../../../../../steps/services/config'
import { EventPublisher } from '../../../../../steps/services/event-publisher'
import { ImageTable } from '../../../../../steps/services/image-table'
import { Ledger } from '../../../../../steps/services/ledger'
import { ObjectStore } from '../../../../../steps/services/object-store'
import { SearchIndex } from '../../../../../steps/services/search-index'
import { memoryPublisher } from '../../../../support/memory-announce'

let dataDir: string
let db: DatabaseSync

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layers-test-'))
  db = openDatabase(dataDir)
})

afterEach(() => {
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const at = '2026-01-01T00:00:00.000Z'

const record = (overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  key: 'uploads/cat.jpg',
  bucket: 'uploads',
  etag: 'etag-v1',
  status: 'PROCESSED',
  size: 48_000,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [],
  createdAt: at,
  updatedAt: at,
  ...overrides,
})

const failed = (overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  key: 'uploads/cat.jpg',
  bucket: 'uploads',
  etag: 'etag-v1',
  status: 'FAILED',
  size: 48_000,
  renditions: [],
  error: 'TransientError',
  reason: 'throttled',
  createdAt: at,
  updatedAt: at,
  ...overrides,
})

const withTable = <A, E>(use: (table: typeof ImageTable.Service) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(Effect.flatMap(ImageTable, use).pipe(Effect.provide(ImageTableSqlite(db))))

const withLedger = <A, E>(use: (ledger: typeof Ledger.Service) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(Effect.flatMap(Ledger, use).pipe(Effect.provide(LedgerSqlite(db))))

const withIndex = <A, E>(use: (index: typeof SearchIndex.Service) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(Effect.flatMap(SearchIndex, use).pipe(Effect.provide(SearchIndexSqlite(db))))

describe('ImageTableSqlite.putVersion', () => {
  it.each([
    ['writes when no record stands', [], record(), true],
    ['writes another version (another etag)', [record()], record({ etag: 'etag-v2' }), true],
    ['upgrades a FAILED record of this version to PROCESSED', [failed()], record(), true],
    [
      'does not rewrite a PROCESSED record of this version',
      [record()],
      record({ updatedAt: '2026-02-02T00:00:00.000Z' }),
      false,
    ],
    ['does not downgrade a PROCESSED record of this version to FAILED', [record()], failed(), false],
    [
      'does not rewrite a FAILED record of this version with another failure',
      [failed()],
      failed({ error: 'States.Timeout' }),
      false,
    ],
  ])('%s', async (_name, standing, incoming, written) => {
    // Prepare
    await withTable((table) => Effect.forEach(standing, (existing) => table.putVersion(existing)))
    const before = standing.at(-1)

    // Act
    const exit = await withTable((table) => table.putVersion(incoming))

    // Assess
    expect(exit).toEqual(Exit.succeed(written ? { written: true } : { written: false, existing: before }))
    expect(await withTable((table) => table.get(incoming.key))).toEqual(Exit.succeed(written ? incoming : before))
  })

  it('answers undefined for a key with no record', async () => {
    expect(await withTable((table) => table.get('uploads/none.jpg'))).toEqual(Exit.succeed(undefined))
  })

  it('keeps one row per key', async () => {
    await withTable((table) =>
      Effect.forEach([failed(), record(), record({ etag: 'etag-v2' })], (each) => table.putVersion(each)),
    )

    expect(db.prepare('SELECT key, etag, status FROM images').all()).toEqual([
      { key: 'uploads/cat.jpg', etag: 'etag-v2', status: 'PROCESSED' },
    ])
  })
})

describe('persist and record-failure over ImageTableSqlite', () => {
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
  const config = Layer.succeed(PipelineConfig, { maxImageBytes: 1e6, maxImagePixels: 1e6, busName: 'bus' })
  // Persist also announces the version: the ledger over the same database, the bus in memory.
  const layer = (clock = at) =>
    Layer.mergeAll(ImageTableSqlite(db), LedgerSqlite(db), memoryPublisher().layer, config, ClockFixed(clock))

  it('lets a retried run that succeeds upgrade the FAILED record, and a duplicate run return it unchanged', async () => {
    // Prepare
    const failure = await Effect.runPromiseExit(
      recordImageFailure.run({ event, error: { Error: 'TransientError' } }).pipe(Effect.provide(layer())),
    )

    // Act
    const upgraded = await Effect.runPromiseExit(
      persistImage.run({ image, renditions: [], executionId: 'exec-1' }).pipe(Effect.provide(layer())),
    )
    const duplicate = await Effect.runPromiseExit(
      persistImage
        .run({ image, renditions: [], executionId: 'exec-2' })
        .pipe(Effect.provide(layer('2026-03-03T00:00:00.000Z'))),
    )
    const lateFailure = await Effect.runPromiseExit(
      recordImageFailure.run({ event, error: { Error: 'TransientError' } }).pipe(Effect.provide(layer())),
    )

    // Assess
    expect(failure).toEqual(Exit.succeed(expect.objectContaining({ firstFailure: true })))
    expect(upgraded).toEqual(Exit.succeed(record()))
    expect(duplicate).toEqual(Exit.succeed(record()))
    // A run failing after the version stands PROCESSED is dead-lettered (its work may be undone), as no rejection.
    expect(lateFailure).toEqual(Exit.succeed({ firstFailure: true }))
  })
})

describe('LedgerSqlite', () => {
  const key = 'ImageProcessed#uploads/uploads/cat.jpg#etag-v1'

  it.each([
    ['a free key: yes', [], 'exec-1', true],
    ['a key this owner claimed and never completed (its run restarted): yes', [{ claim: 'exec-1' }], 'exec-1', true],
    ['a key another owner holds: no', [{ claim: 'exec-1' }], 'exec-2', false],
    ['a completed key, for its owner: no', [{ claim: 'exec-1' }, { complete: true }], 'exec-1', false],
    ['a completed key, for another owner: no', [{ claim: 'exec-1' }, { complete: true }], 'exec-2', false],
    ['a key its owner released: yes, for anyone', [{ claim: 'exec-1' }, { release: 'exec-1' }], 'exec-2', true],
    ['a key another owner tried to release: no', [{ claim: 'exec-1' }, { release: 'exec-2' }], 'exec-2', false],
    [
      'a completed key its owner tried to release: no',
      [{ claim: 'exec-1' }, { complete: true }, { release: 'exec-1' }],
      'exec-2',
      false,
    ],
    ['a key completed without a standing claim: no, for good', [{ complete: true }], 'exec-2', false],
    [
      'a key completed after its claim was released: no',
      [{ claim: 'exec-1' }, { release: 'exec-1' }, { complete: true }],
      'exec-1',
      false,
    ],
  ] as ReadonlyArray<
    [string, ReadonlyArray<{ claim?: string; complete?: boolean; release?: string }>, string, boolean]
  >)('claim on %s', async (_name, history, owner, granted) => {
    // Prepare
    await withLedger((ledger) =>
      Effect.forEach(history, (step) =>
        step.claim
          ? ledger.claim(key, step.claim)
          : step.complete
            ? ledger.complete(key)
            : ledger.release(key, step.release!),
      ),
    )

    // Act
    const exit = await withLedger((ledger) => ledger.claim(key, owner))

    // Assess
    expect(exit).toEqual(Exit.succeed(granted))
  })

  it('keeps claims of different keys apart', async () => {
    const exit = await withLedger((ledger) =>
      Effect.all([ledger.claim('a', 'exec-1'), ledger.claim('b', 'exec-2'), ledger.claim('a', 'exec-2')]),
    )

    expect(exit).toEqual(Exit.succeed([true, true, false]))
  })
})

describe('SearchIndexSqlite', () => {
  const document = imageDocument(record())

  it('leaves one document, the latest, when the same id is upserted twice', async () => {
    // Prepare
    const newer = imageDocument(record({ etag: 'etag-v2', width: 800, height: 600 }))

    // Act
    const exit = await withIndex((index) => Effect.zipRight(index.upsert(document), index.upsert(newer)))

    // Assess
    expect(exit).toEqual(Exit.succeed(undefined))
    expect(db.prepare('SELECT id, text FROM search').all()).toEqual([{ id: document.id, text: newer.text }])
    expect(search(db, 'cat')).toEqual([{ id: document.id, kind: 'image', title: 'uploads/cat.jpg', data: newer.data }])
  })

  it('removes a document by id', async () => {
    await withIndex((index) => Effect.zipRight(index.upsert(document), index.remove(document.id)))

    expect(search(db, 'cat')).toEqual([])
  })

  it('releases its savepoint and fails with TransientError when the database refuses the write', async () => {
    // Prepare
    const layer = SearchIndexSqlite(db)
    const upsert = () =>
      Effect.runPromiseExit(Effect.flatMap(SearchIndex, (index) => index.upsert(document)).pipe(Effect.provide(layer)))
    await upsert()
    db.exec('DROP TABLE search')

    // Act
    const exit = await upsert()

    // Assess
    expect(exit).toEqual(
      Exit.fail(
        expect.objectContaining({
          _tag: 'TransientError',
          operation: 'search:upsert',
          message: expect.stringContaining('no such table'),
        }),
      ),
    )
    expect(db.isTransaction).toBe(false)
  })
})

describe('search', () => {
  beforeEach(async () => {
    await withIndex((index) =>
      Effect.forEach(
        [
          imageDocument(record()),
          imageDocument(record({ key: 'uploads/dog.png', format: 'png', width: 300, height: 200 })),
        ],
        (doc) => index.upsert(doc),
      ),
    )
  })

  it.each([
    ['a word', 'cat', ['image:uploads/cat.jpg']],
    ['a prefix', 'do', ['image:uploads/dog.png']],
    ['two words, both required', 'dog png', ['image:uploads/dog.png']],
    ['a format', 'jpeg', ['image:uploads/cat.jpg']],
    ['a path', 'uploads/cat', ['image:uploads/cat.jpg']],
    ['dimensions', '300x200', ['image:uploads/dog.png']],
    ['case-insensitively', 'CAT', ['image:uploads/cat.jpg']],
    ['nothing for an empty text', '', []],
    ['nothing for blanks', ' \t ', []],
  ])('finds %s', (_name, text, ids) => {
    expect(search(db, text).map((hit) => hit.id)).toEqual(ids)
  })

  it.each([
    ['a lone double quote', '"'],
    ['an unbalanced quote before a word', '"cat'],
    ['a quote inside a word', 'cat"jpeg'],
    ['a lone asterisk', '*'],
    ['a leading asterisk', '*cat'],
    ['the AND operator', 'AND'],
    ['a dangling AND', 'cat AND'],
    ['OR and NOT', 'OR NOT cat'],
    ['an open parenthesis', '('],
    ['a close parenthesis', ')'],
    ['NEAR(', 'NEAR(cat'],
    ['a column filter', 'title:cat'],
    ['a caret', '^cat'],
    ['a minus', '-cat'],
    ['a plus', '+'],
    ['a backslash', '\\'],
    ['an emoji', '🐱'],
  ])('takes %s as text, never as FTS5 syntax', (_name, text) => {
    expect(() => search(db, text)).not.toThrow()
  })

  it.each([
    ['the word after an unbalanced quote', '"cat', ['image:uploads/cat.jpg']],
    ['the word before an asterisk', 'cat*', ['image:uploads/cat.jpg']],
    ['nothing for "cat AND": AND is a word, and no document has it', 'cat AND', []],
  ])('finds %s', (_name, text, ids) => {
    expect(search(db, text).map((hit) => hit.id)).toEqual(ids)
  })

  it('caps the hits at the limit', () => {
    expect(search(db, 'uploads', 1)).toHaveLength(1)
  })
})

describe('ObjectStoreFs and EventPublisherBus', () => {
  const model: LocalModel = {
    buses: [
      { name: 'default', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
      { name: 'pipeline', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/pipeline' },
    ],
    archives: [],
    rules: [],
    stateMachines: [],
    functions: [],
    queues: [],
    buckets: [{ name: 'uploads', eventBridge: false }],
  }
  const services = () => {
    const bus = new LocalBus(db, model, { startExecution: () => undefined, sendToQueue: () => undefined })
    const store = new LocalObjectStore(db, path.join(dataDir, 'objects'), model, bus)
    return Layer.merge(ObjectStoreFs(store, 'uploads'), EventPublisherBus(bus))
  }
  const body = new TextEncoder().encode('hello')

  it('puts, heads and gets an object through the ObjectStore port', async () => {
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const store = yield* ObjectStore
        const { etag } = yield* store.put('thumbnails/a.txt', body, 'text/plain')
        return {
          bucket: store.bucket,
          etag,
          head: yield* store.head('thumbnails/a.txt'),
          body: yield* store.get('thumbnails/a.txt'),
        }
      }).pipe(Effect.provide(services())),
    )

    expect(exit).toEqual(
      Exit.succeed({
        bucket: 'uploads',
        etag: '5d41402abc4b2a76b9719d911017c592',
        head: { size: 5, etag: '5d41402abc4b2a76b9719d911017c592', contentType: 'text/plain' },
        body: new Uint8Array(body),
      }),
    )
  })

  it.each<[string, (store: typeof ObjectStore.Service) => Effect.Effect<unknown, ObjectNotFound | TransientError>]>([
    ['head', (store) => store.head('uploads/missing.jpg')],
    ['get', (store) => store.get('uploads/missing.jpg')],
  ])('%s of a missing key fails with ObjectNotFound', async (_name, call) => {
    const exit = await Effect.runPromiseExit(Effect.flatMap(ObjectStore, call).pipe(Effect.provide(services())))

    expect(exit).toEqual(Exit.fail(new ObjectNotFound({ key: 'uploads/missing.jpg' })))
  })

  it('publishes accepted entries and fails with TransientError naming the refused ones', async () => {
    const publish = (entries: Parameters<typeof EventPublisher.Service.publish>[0]) =>
      Effect.runPromiseExit(
        Effect.flatMap(EventPublisher, (publisher) => publisher.publish(entries)).pipe(Effect.provide(services())),
      )

    const accepted = await publish([
      { EventBusName: 'pipeline', Source: 'pipeline.images', DetailType: 'ImageProcessed', Detail: '{}' },
    ])
    const refused = await publish([
      { EventBusName: 'nowhere', Source: 'pipeline.images', DetailType: 'ImageProcessed', Detail: '{}' },
    ])

    expect(accepted).toEqual(Exit.succeed(undefined))
    expect(refused).toEqual(
      Exit.fail(new TransientError({ operation: 'events:PutEvents', message: 'Event bus nowhere does not exist.' })),
    )
    expect(db.prepare('SELECT bus, source FROM events').all()).toEqual([{ bus: 'pipeline', source: 'pipeline.images' }])
  })
})
