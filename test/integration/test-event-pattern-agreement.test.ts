import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge'
import { main } from '../../cli/main'
import { captureIo } from '../unit/cli/fake-runtime'
import { endpointConfig } from '../support/aws-endpoint'
import { startPipeline, type RunningPipeline } from '../support/pipeline'

/*
 * TestEventPattern on the local endpoint (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html)
 * and `pipeline test-pattern` give the same answer on every row of the pattern tables of
 * test/unit/infra/local/eventbridge/pattern.test.ts: a match, no match, or the same InvalidEventPatternException.
 */

type Row = ReadonlyArray<unknown>

/**
 * The rows of the pattern tables, read from the unit test file itself while `describe` and `it` are stood in for, so a
 * row added there is checked here too without being copied.
 */
const patternTables = (): ReadonlyMap<string, ReadonlyArray<Row>> => {
  const tables = new Map<string, Row[]>()
  let table = ''
  const globals = globalThis as unknown as Record<string, unknown>
  const saved = { describe: globals.describe, it: globals.it }
  globals.describe = (name: string, body: () => void) => {
    table = name
    body()
  }
  globals.it = Object.assign(() => undefined, {
    each: (rows: ReadonlyArray<Row>) => () => void tables.set(table, [...(tables.get(table) ?? []), ...rows]),
  })
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../unit/infra/local/eventbridge/pattern.test')
    })
  } finally {
    Object.assign(globals, saved)
  }
  return tables
}

/** TestEventPattern requires these fields of its event; the rows' events that lack one get this value. */
const Envelope = {
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  account: '123456789012',
  source: 'test',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  'detail-type': 'Test',
}

type Outcome = 'match' | 'no match' | { readonly invalid: string } | 'invalid event'

const tables = patternTables()
const rowsOf = (name: string) => tables.get(name) ?? []

/** Each row as the pattern text and the event both sides are given, and what the table expects when the row survives JSON. */
const cases = [
  ...rowsOf('matching').map(([name, pattern, event, expected]) => ({
    name: String(name),
    pattern,
    event,
    expected: expected ? 'match' : 'no match',
  })),
  ...rowsOf('invalid patterns').map(([name, pattern, reason]) => ({
    name: String(name),
    pattern,
    event: Envelope,
    expected: `invalid: ${String(reason)}`,
  })),
  ...rowsOf('valid patterns').map(([name, pattern]) => ({
    name: String(name),
    pattern,
    event: Envelope,
    expected: 'valid',
  })),
].map((row) => {
  const patternText = typeof row.pattern === 'string' ? row.pattern : JSON.stringify(row.pattern)
  const complete =
    typeof row.event === 'object' && row.event !== null && !Array.isArray(row.event)
      ? { ...Envelope, ...(row.event as Record<string, unknown>) }
      : row.event
  // NaN becomes null in JSON, undefined disappears: such a row is still checked for agreement, not against the table.
  const faithful =
    patternText !== undefined &&
    (typeof row.pattern === 'string' || isDeepStrictEqual(JSON.parse(patternText), row.pattern)) &&
    isDeepStrictEqual(JSON.parse(JSON.stringify(complete) ?? 'null'), row.event)
  return { ...row, patternText: patternText ?? 'null', eventText: JSON.stringify(complete) ?? 'null', faithful }
})

let pipeline: RunningPipeline
let events: EventBridgeClient
let dir: string
beforeAll(async () => {
  pipeline = await startPipeline()
  events = new EventBridgeClient(endpointConfig(pipeline.url))
  dir = mkdtempSync(join(tmpdir(), 'pattern-agreement-'))
})
afterAll(async () => {
  events.destroy()
  rmSync(dir, { recursive: true, force: true })
  await pipeline.close()
})

const viaApi = async (patternText: string, eventText: string): Promise<Outcome> => {
  try {
    const { Result } = await events.send(new TestEventPatternCommand({ EventPattern: patternText, Event: eventText }))
    return Result ? 'match' : 'no match'
  } catch (error) {
    const { name, message } = error as Error
    if (name === 'InvalidEventPatternException') return { invalid: message }
    if (name === 'ValidationException' && message === 'Parameter Event is not valid.') return 'invalid event'
    throw error
  }
}

const viaCli = async (patternText: string, eventText: string): Promise<Outcome> => {
  const pattern = join(dir, 'pattern.json')
  const event = join(dir, 'event.json')
  writeFileSync(pattern, patternText)
  writeFileSync(event, eventText)
  const { io, stderr } = captureIo()
  const code = await main(['test-pattern', '--pattern', pattern, '--event', event], io)
  if (code === 0) return 'match'
  if (code === 1) return 'no match'
  if (stderr().includes('--event')) return 'invalid event'
  // `--pattern FILE: Event pattern is not valid. Reason: ...`, or the file's JSON error for text that is not JSON.
  const reason = /Event pattern is not valid\. Reason: .*/.exec(stderr())?.[0]
  return { invalid: reason ?? 'not JSON' }
}

describe('TestEventPattern (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html) and pipeline test-pattern', () => {
  it('read the pattern tables', () => {
    expect(rowsOf('matching').length).toBeGreaterThan(100)
    expect(rowsOf('invalid patterns').length).toBeGreaterThan(50)
    expect(rowsOf('valid patterns').length).toBeGreaterThan(5)
  })

  it.each(cases)('agree on $name', async ({ patternText, eventText, expected, faithful }) => {
    const api = await viaApi(patternText, eventText)
    const cli = await viaCli(patternText, eventText)

    if (typeof api === 'object' && typeof cli === 'object' && cli.invalid !== 'not JSON')
      expect(api.invalid.trim()).toBe(cli.invalid.trim())
    else expect(typeof api === 'object' ? 'invalid' : api).toBe(typeof cli === 'object' ? 'invalid' : cli)
    // Where JSON carries the row as it is written, both give the table's answer.
    if (faithful) {
      if (expected === 'valid') expect(api).not.toEqual(expect.objectContaining({ invalid: expect.anything() }))
      else if (expected.startsWith('invalid: '))
        expect(typeof api === 'object' ? api.invalid : api).toContain(expected.slice('invalid: '.length))
      else expect(api).toBe(expected)
    }
  })
})
