import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { summarizeDetail } from '../../../../cli/commands/events'
import { formatTime } from '../../../../cli/format'
import { main } from '../../../../cli/main'
import { archivedEvent, captureIo, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

const created = archivedEvent(1, '2024-05-01T12:00:00.000Z')
const processed = archivedEvent(2, '2024-05-01T12:00:02.000Z', {
  source: 'pipeline.images',
  'detail-type': 'Image Processed',
  detail: { key: 'uploads/photo-1.jpg', status: 'PROCESSED' },
})
const heartbeat = archivedEvent(3, '2024-05-01T12:05:00.000Z', {
  source: 'pipeline.monitor',
  'detail-type': 'Heartbeat',
  detail: { status: 'ok', queued: 0, note: 'x'.repeat(60), healthy: true, region: 'us-east-1' },
})
const redelivered = archivedEvent(4, '2024-05-01T13:00:00.000Z', {}, { replayName: 'retry-1' })
/** The bus logged it, but it is not (or no longer) in an archive: never listed. */
const unarchived = archivedEvent(5, '2024-05-01T13:30:00.000Z', {}, { archive: null })

let runtime: FakeRuntime | undefined
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-'))
})
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, content: unknown): string => {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(content))
  return path
}

const eventRequests = (fake: FakeRuntime) => fake.requests.filter((request) => request.path === '/events')

describe('pipeline events', () => {
  it('prints time, source, detail-type, id and a summary of the detail', async () => {
    // Prepare
    runtime = await startFakeRuntime({ events: [created, processed, heartbeat, redelivered, unarchived] })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['events'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe(
      [
        'TIME                 SOURCE            DETAIL-TYPE      ID                                    SUMMARY',
        `${formatTime(created.event.time)}  aws.s3            Object Created   00000000-0000-0000-0000-000000000001  uploads/photo-1.jpg`,
        `${formatTime(processed.event.time)}  pipeline.images   Image Processed  00000000-0000-0000-0000-000000000002  uploads/photo-1.jpg`,
        `${formatTime(heartbeat.event.time)}  pipeline.monitor  Heartbeat        00000000-0000-0000-0000-000000000003  status=ok queued=0 healthy=true`,
        `${formatTime(redelivered.event.time)}  aws.s3            Object Created   00000000-0000-0000-0000-000000000004  uploads/photo-4.jpg (replay retry-1)`,
        '',
      ].join('\n'),
    )
    expect(stderr()).toBe('')
    // One more than it needs: a 101st event would mean more match.
    expect(eventRequests(runtime).map((request) => request.query)).toEqual([{ limit: '101' }])
  })

  it('sends --from, --to, the pattern as JSON text and --limit', async () => {
    runtime = await startFakeRuntime({ events: [created, processed, heartbeat] })
    const pattern = { source: ['pipeline.images'], detail: { status: ['PROCESSED'] } }
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      [
        'events',
        '--from',
        '2024-05-01T12:00:00Z',
        '--to',
        '2024-05-01T13:00:00+01:00',
        '--pattern',
        file('p.json', pattern),
        '--limit',
        '5',
      ],
      io,
    )

    expect(code).toBe(0)
    expect(eventRequests(runtime)[0]?.query).toEqual({
      from: '2024-05-01T12:00:00.000Z',
      to: '2024-05-01T12:00:00.000Z',
      pattern: JSON.stringify(pattern),
      limit: '6',
    })
    expect(stdout()).toBe('No events.\n')
  })

  it('reads relative times as a duration before now', async () => {
    runtime = await startFakeRuntime()
    const { io } = captureIo({ PIPELINE_URL: runtime.url })
    const before = Date.now()

    const code = await main(['events', '--from', '2h', '--to', '15m'], io)

    const { from, to } = eventRequests(runtime)[0]?.query ?? {}
    expect(code).toBe(0)
    expect(Date.parse(from ?? '')).toBeGreaterThanOrEqual(before - 2 * 3_600_000)
    expect(Date.parse(from ?? '')).toBeLessThanOrEqual(Date.now() - 2 * 3_600_000)
    expect(Date.parse(to ?? '') - Date.parse(from ?? '')).toBe(105 * 60_000)
  })

  it('filters by the pattern on the server, URL-encoded', async () => {
    runtime = await startFakeRuntime({ events: [created, processed, heartbeat] })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(
      ['events', '--pattern', file('p.json', { 'detail-type': [{ prefix: 'Image ' }] }), '--json'],
      io,
    )

    expect(code).toBe(0)
    expect((JSON.parse(stdout()) as Array<{ seq: number }>).map((archived) => archived.seq)).toEqual([2])
  })

  it('follows next from page to page and prints the events array with --json', async () => {
    runtime = await startFakeRuntime({ events: [created, processed, heartbeat, redelivered], eventsPageSize: 3 })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['events', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual([created, processed, heartbeat, redelivered])
    expect(eventRequests(runtime).map((request) => request.query)).toEqual([
      { limit: '101' },
      { limit: '98', after: '3' },
    ])
  })

  it('stops at --limit across pages and says more match', async () => {
    runtime = await startFakeRuntime({ events: [created, processed, heartbeat, redelivered], eventsPageSize: 2 })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['events', '--limit', '3', '--json'], io)

    expect(code).toBe(0)
    expect((JSON.parse(stdout()) as Array<{ seq: number }>).map((archived) => archived.seq)).toEqual([1, 2, 3])
    expect(eventRequests(runtime).map((request) => request.query)).toEqual([{ limit: '4' }, { limit: '2', after: '2' }])
    expect(stderr()).toBe('pipeline events: showing the first 3 events; more match (raise --limit to see them)\n')
  })

  it('does not say more match when --limit is reached exactly by the last event', async () => {
    runtime = await startFakeRuntime({ events: [created, processed] })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['events', '--limit', '2'], io)

    expect(code).toBe(0)
    expect(eventRequests(runtime).map((request) => request.query)).toEqual([{ limit: '3' }])
    expect(stderr()).toBe('')
  })

  it('asks once more after a full page, then knows there are no more', async () => {
    // Prepare: the server fills its 2-event page and so gives a next, though nothing follows.
    runtime = await startFakeRuntime({ events: [created, processed], eventsPageSize: 2 })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['events', '--limit', '2', '--json'], io)

    // Assess
    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual([created, processed])
    expect(eventRequests(runtime).map((request) => request.query)).toEqual([{ limit: '3' }, { limit: '1', after: '2' }])
    expect(stderr()).toBe('')
  })

  it('cuts the summary to the terminal width', async () => {
    runtime = await startFakeRuntime({
      events: [
        archivedEvent(1, '2024-05-01T12:00:00.000Z', { detail: { key: `uploads/${'deep/'.repeat(30)}cat.jpg` } }),
      ],
    })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url }, { tty: true, columns: 120 })

    await main(['events'], io)

    expect(
      Math.max(
        ...stdout()
          .split('\n')
          .map((line) => line.length),
      ),
    ).toBeLessThan(120)
    expect(stdout()).toContain('…')
  })

  it.each([
    {
      name: 'a --from that is not a time',
      argv: ['--from', 'yesterday'],
      message:
        '--from must be an ISO 8601 time (2024-05-01T12:00:00Z, 2024-05-01) or a duration ago (30s, 15m, 2h, 1d, 1w), or now (got yesterday)',
    },
    { name: 'a --to off the calendar', argv: ['--to', '2024-02-30'], message: '--to must be an ISO 8601 time' },
    { name: 'a --to off the clock', argv: ['--to', '2024-05-01T24:30:00Z'], message: '--to must be an ISO 8601 time' },
    { name: 'a negative duration', argv: ['--from', '-5m'], message: 'option --from needs a value' },
    { name: 'a duration in years', argv: ['--from', '1y'], message: '--from must be an ISO 8601 time' },
    { name: '--from after --to', argv: ['--from', '1h', '--to', '2h'], message: '--from (' },
    { name: 'a --limit of 0', argv: ['--limit', '0'], message: '--limit must be a positive whole number (got 0)' },
    {
      name: 'a fractional --limit',
      argv: ['--limit', '2.5'],
      message: '--limit must be a positive whole number (got 2.5)',
    },
  ])('exits 2 on $name, naming the flag, before sending anything', async ({ argv, message }) => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['events', ...argv], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(`pipeline events: ${message}`)
    expect(stdout()).toBe('')
    expect(runtime.requests).toEqual([])
  })

  it("exits 2 with EventBridge's reason for an invalid pattern, before sending anything", async () => {
    runtime = await startFakeRuntime()
    const pattern = file('p.json', { detail: { size: [{ numeric: ['>', 'big'] }] } })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['events', '--pattern', pattern], io)

    expect(code).toBe(2)
    expect(stderr()).toBe(
      `pipeline events: --pattern ${pattern}: Event pattern is not valid. Reason: Value of > must be numeric at detail.size[0].numeric\n`,
    )
    expect(runtime.requests).toEqual([])
  })

  it('exits 2 naming the flag for a missing pattern file', async () => {
    const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(['events', '--pattern', join(dir, 'nope.json')], io)

    expect(code).toBe(2)
    expect(stderr()).toBe(`pipeline events: --pattern ${join(dir, 'nope.json')}: no such file\n`)
  })

  it('exits 3 when the server answers without an events list', async () => {
    runtime = await startFakeRuntime({ failWith: { status: 200, body: '{"items":[]}' } })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['events'], io)

    expect(code).toBe(3)
    expect(stderr()).toBe(
      "pipeline events: the server's answer is outside its contract: GET /events answered events: is missing\n",
    )
  })

  it('exits 3 rather than loop when next never moves', async () => {
    runtime = await startFakeRuntime({
      failWith: { status: 200, body: JSON.stringify({ events: [created], next: 1 }) },
    })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['events'], io)

    expect(code).toBe(3)
    expect(stderr()).toContain('GET /events answered next=1 again')
    expect(runtime.requests).toHaveLength(2)
  })
})

describe('summarizeDetail', () => {
  it.each([
    {
      name: "S3's object key",
      detail: { bucket: { name: 'b' }, object: { key: 'uploads/a.jpg' } },
      text: 'uploads/a.jpg',
    },
    { name: 'a key field', detail: { key: 'uploads/b.png', object: { key: 'other' } }, text: 'uploads/b.png' },
    {
      name: 'short scalar fields, at most three',
      detail: { a: 1, nested: { x: 1 }, b: 'two', c: false, d: 4 },
      text: 'a=1 b=two c=false',
    },
    { name: 'only long or nested fields', detail: { blob: 'x'.repeat(41), nested: {} }, text: '-' },
    { name: 'a string detail', detail: 'plain words', text: 'plain words' },
    { name: 'no detail', detail: undefined, text: '-' },
    { name: 'an array', detail: [1, 2], text: '[1,2]' },
  ])('reads $name', ({ detail, text }) => {
    expect(summarizeDetail(detail)).toBe(text)
  })
})
