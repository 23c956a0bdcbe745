import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../../cli/main'
import { captureIo, closedUrl } from '../fake-runtime'

const s3Event = {
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '123456789012',
  time: '2024-05-01T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:s3:::pipeline-uploads'],
  detail: { bucket: { name: 'pipeline-uploads' }, object: { key: 'uploads/cat.jpg', size: 2048, etag: 'abc' } },
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const file = (name: string, content: unknown): string => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

/** No server runs in these tests: test-pattern must never need one. */
const run = async (argv: string[]) => {
  const { io, stdout, stderr } = captureIo({ PIPELINE_URL: await closedUrl() })
  const code = await main(['test-pattern', ...argv], io)
  return { code, stdout: stdout(), stderr: stderr() }
}

describe('pipeline test-pattern', () => {
  it('prints true and exits 0 when the pattern matches the event', async () => {
    // Prepare
    const pattern = file('pattern.json', {
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { object: { key: [{ prefix: 'uploads/' }] } },
    })
    const event = file('event.json', s3Event)

    // Act
    const result = await run(['--pattern', pattern, '--event', event])

    // Assess
    expect(result).toEqual({ code: 0, stdout: 'true\n', stderr: '' })
  })

  it('prints false and exits 1 when it does not', async () => {
    const pattern = file('pattern.json', { detail: { object: { key: [{ prefix: 'thumbnails/' }] } } })
    const event = file('event.json', s3Event)

    const result = await run(['--pattern', pattern, '--event', event])

    expect(result).toEqual({ code: 1, stdout: 'false\n', stderr: '' })
  })

  it.each([
    {
      name: 'a numeric range',
      pattern: { detail: { object: { size: [{ numeric: ['>', 1024, '<=', 4096] }] } } },
      matched: true,
    },
    {
      name: 'anything-but a suffix',
      pattern: { detail: { object: { key: [{ 'anything-but': { suffix: '.jpg' } }] } } },
      matched: false,
    },
    {
      name: 'exists: false on a missing field',
      pattern: { detail: { object: { versionId: [{ exists: false }] } } },
      matched: true,
    },
    {
      name: 'an $or of two branches',
      pattern: { $or: [{ source: ['aws.ec2'] }, { detail: { bucket: { name: ['pipeline-uploads'] } } }] },
      matched: true,
    },
    { name: 'a wildcard', pattern: { resources: [{ wildcard: 'arn:aws:s3:::*-uploads' }] }, matched: true },
  ])('matches with EventBridge semantics: $name', async ({ pattern, matched }) => {
    const result = await run(['--pattern', file('pattern.json', pattern), '--event', file('event.json', s3Event)])

    expect(result.code).toBe(matched ? 0 : 1)
    expect(result.stdout).toBe(`${matched}\n`)
  })

  it("exits 2 with EventBridge's reason for an invalid pattern", async () => {
    const pattern = file('pattern.json', { detail: { object: { key: [{ prefix: 5 }] } } })
    const event = file('event.json', s3Event)

    const result = await run(['--pattern', pattern, '--event', event])

    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `pipeline test-pattern: --pattern ${pattern}: Event pattern is not valid. Reason: prefix match pattern must be a string at detail.object.key[0].prefix\n`,
    )
  })

  it.each([
    { name: 'an empty object', pattern: {}, reason: 'Empty objects are not allowed' },
    {
      name: 'a value that is not a list',
      pattern: { source: 'aws.s3' },
      reason: '"source" must be an object or an array',
    },
    { name: 'a JSON array', pattern: [{ source: ['aws.s3'] }], reason: 'Filter is not an object' },
  ])('exits 2 for a pattern with $name', async ({ pattern, reason }) => {
    const result = await run(['--pattern', file('pattern.json', pattern), '--event', file('event.json', s3Event)])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain(reason)
  })

  it.each([
    {
      name: 'a missing pattern file',
      argv: (): string[] => ['--pattern', join(dir, 'nope.json'), '--event', file('e.json', s3Event)],
      message: (): string => `--pattern ${join(dir, 'nope.json')}: no such file`,
    },
    {
      name: 'a missing event file',
      argv: (): string[] => ['--pattern', file('p.json', { source: ['aws.s3'] }), '--event', join(dir, 'nope.json')],
      message: (): string => `--event ${join(dir, 'nope.json')}: no such file`,
    },
    {
      name: 'a directory',
      argv: (): string[] => ['--pattern', dir, '--event', file('e.json', s3Event)],
      message: (): string => `--pattern ${dir}: not a file`,
    },
    {
      name: 'a pattern that is not JSON',
      argv: (): string[] => ['--pattern', file('p.json', '{source: aws.s3}'), '--event', file('e.json', s3Event)],
      message: (): string => `--pattern ${join(dir, 'p.json')}: not JSON (`,
    },
    {
      name: 'an empty event file',
      argv: (): string[] => ['--pattern', file('p.json', { source: ['aws.s3'] }), '--event', file('e.json', '')],
      message: (): string => `--event ${join(dir, 'e.json')}: not JSON (Unexpected end of JSON input)`,
    },
    {
      name: 'an event that is not an object',
      argv: (): string[] => ['--pattern', file('p.json', { source: ['aws.s3'] }), '--event', file('e.json', '[1]')],
      message: (): string => `--event ${join(dir, 'e.json')}: an event must be a JSON object`,
    },
  ])('exits 2 naming the flag and the file for $name', async ({ argv, message }) => {
    const result = await run(argv())

    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    // One line, and no --help hint: the command line was fine, the file is not.
    expect(result.stderr.startsWith(`pipeline test-pattern: ${message()}`)).toBe(true)
    expect(result.stderr.split('\n')).toEqual([expect.any(String), ''])
  })

  it.each([
    { name: 'without --pattern', argv: ['--event', 'e.json'], message: '--pattern FILE is required' },
    { name: 'without --event', argv: ['--pattern', 'p.json'], message: '--event FILE is required' },
    { name: 'with an argument', argv: ['p.json'], message: 'takes no arguments (got p.json)' },
  ])('exits 2 $name, pointing at --help', async ({ argv, message }) => {
    const result = await run(argv)

    expect(result.code).toBe(2)
    expect(result.stderr).toBe(`pipeline test-pattern: ${message}\nRun 'pipeline test-pattern --help' for usage.\n`)
  })

  it('reads a file with a byte order mark', async () => {
    const pattern = file('pattern.json', `\uFEFF${JSON.stringify({ source: ['aws.s3'] })}`)

    const result = await run(['--pattern', pattern, '--event', file('event.json', s3Event)])

    expect(result.code).toBe(0)
  })
})
