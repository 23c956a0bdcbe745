import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../../cli/main'
import { captureIo, plain, processLikeTheWorkflow, startFakeRuntime, type FakeRuntime } from '../fake-runtime'
import type { ExecutionDetail } from '../../../../contracts/executions'

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)])
const text = Buffer.from('these are my notes, not a picture\n')

let dir: string
let runtime: FakeRuntime | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-'))
})

afterEach(async () => {
  await runtime?.close()
  runtime = undefined
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, bytes: Buffer): string => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** An image-workflow execution that FAILED for this key and etag, started just now. */
const failedExecution = (key: string, etag: string): ExecutionDetail => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:ImageWorkflow:${etag}`,
  name: etag,
  workflow: 'ImageWorkflow',
  status: 'FAILED',
  startDate: new Date().toISOString(),
  stopDate: new Date().toISOString(),
  input: { 'detail-type': 'Object Created', detail: { object: { key, etag } } },
  error: 'States.TaskFailed',
  cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'image table unavailable' }),
  history: [],
})

const puts = (fake: FakeRuntime) => fake.requests.filter((request) => request.method === 'PUT')

describe('pipeline upload', () => {
  it('uploads each file under uploads/{prefix}{basename} and prints one line per file', async () => {
    // Prepare
    runtime = await startFakeRuntime()
    const cat = file('cat.jpg', jpeg)
    const dog = file('dog.png', jpeg)
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['upload', cat, dog, '--prefix', 'batch/'], io)

    // Assess
    expect(code).toBe(0)
    expect(puts(runtime).map(({ path, contentType }) => [path, contentType])).toEqual([
      ['/uploads/batch/cat.jpg', 'image/jpeg'],
      ['/uploads/batch/dog.png', 'image/png'],
    ])
    expect(stdout()).toBe('UPLOADED   uploads/batch/cat.jpg  2.0 KiB\nUPLOADED   uploads/batch/dog.png  2.0 KiB\n')
    expect(stderr()).toBe(`[1/2] ${cat} (2.0 KiB) uploaded\n[2/2] ${dog} (2.0 KiB) uploaded\n`)
  })

  it('URL-encodes each path segment of the key', async () => {
    runtime = await startFakeRuntime()
    const odd = file('my cat #1?.jpg', jpeg)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', odd, '--prefix', 'summer 2024/día 1/'], io)

    expect(code).toBe(0)
    expect(puts(runtime).map((request) => request.path)).toEqual([
      '/uploads/summer%202024/d%C3%ADa%201/my%20cat%20%231%3F.jpg',
    ])
    expect(stdout()).toContain('uploads/summer 2024/día 1/my cat #1?.jpg')
  })

  it('with --wait, skips the record of an older version and prints PROCESSED with the renditions', async () => {
    // Prepare: the key already has a record from an earlier upload (another etag); the new one shows on the second poll.
    const older = {
      ...processLikeTheWorkflow('uploads/cat.jpg', jpeg, 'older-etag'),
      status: 'FAILED' as const,
      error: 'CorruptImage',
    }
    runtime = await startFakeRuntime({ images: [older], pollsBeforeRecord: 1 })
    const cat = file('cat.jpg', jpeg)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['upload', cat, '--wait'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe('PROCESSED  uploads/cat.jpg  thumbnail 200x150 jpeg 5.1 KiB, web 1280x960 webp 80.2 KiB\n')
    expect(runtime.requests.filter((request) => request.path === '/images/cat.jpg').length).toBeGreaterThanOrEqual(2)
    expect(runtime.requests.filter((request) => request.path === '/executions')[0]?.query).toEqual({
      key: 'uploads/cat.jpg',
    })
  })

  it('with --wait, prints FAILED with the reason and exits 1 when any upload fails', async () => {
    runtime = await startFakeRuntime()
    const cat = file('cat.jpg', jpeg)
    const notes = file('notes.txt', text)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', cat, notes, '--wait'], io)

    expect(code).toBe(1)
    const lines = stdout().trim().split('\n').sort()
    expect(lines).toEqual([
      'FAILED     uploads/notes.txt  UnsupportedImage: uploads/notes.txt is not a supported image (detected: unknown)',
      'PROCESSED  uploads/cat.jpg  thumbnail 200x150 jpeg 5.1 KiB, web 1280x960 webp 80.2 KiB',
    ])
  })

  it('with --wait --json, prints one result per file in the order given', async () => {
    runtime = await startFakeRuntime()
    const notes = file('notes.txt', text)
    const cat = file('cat.jpg', jpeg)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', notes, cat, '--wait', '--json'], io)

    expect(code).toBe(1)
    const results = JSON.parse(stdout()) as Array<Record<string, unknown>>
    expect(results.map(({ file: path, key, status, error }) => ({ path, key, status, error }))).toEqual([
      { path: notes, key: 'uploads/notes.txt', status: 'FAILED', error: 'UnsupportedImage' },
      { path: cat, key: 'uploads/cat.jpg', status: 'PROCESSED', error: undefined },
    ])
    expect(results[1]?.renditions).toHaveLength(2)
    expect(results[1]?.etag).toMatch(/^"[0-9a-f]{32}"$/)
  })

  it('with --wait, reports a workflow that failed without recording anything', async () => {
    // Prepare: no image record ever; the execution for this key and etag FAILED.
    runtime = await startFakeRuntime({
      process: (key, _body, etag, fake) => {
        fake.executions.push(failedExecution(key, etag))
        return undefined
      },
    })
    const cat = file('cat.jpg', jpeg)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['upload', cat, '--wait', '--timeout', '5'], io)

    // Assess: the list has no input, so the CLI read the execution to check the key and etag.
    expect(code).toBe(1)
    expect(stdout()).toBe('FAILED     uploads/cat.jpg  States.TaskFailed: image table unavailable\n')
    expect(runtime.requests.some((request) => request.path.startsWith('/executions/arn'))).toBe(true)
  })

  it('with --wait, prefers the record when the workflow ends FAILED after recording the rejection', async () => {
    // Prepare: the image workflow's Fail state comes after RecordFailure, so both show; the record lags one poll.
    runtime = await startFakeRuntime({
      pollsBeforeRecord: 1,
      process: (key, body, etag, fake) => {
        fake.executions.push(failedExecution(key, etag))
        return processLikeTheWorkflow(key, body, etag)
      },
    })
    const notes = file('notes.txt', text)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', notes, '--wait', '--timeout', '5'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe(
      'FAILED     uploads/notes.txt  UnsupportedImage: uploads/notes.txt is not a supported image (detected: unknown)\n',
    )
  })

  it('with --wait, ignores a failed execution about another version of the key', async () => {
    runtime = await startFakeRuntime({
      pollsBeforeRecord: 2,
      process: (key, body, etag, fake) => {
        fake.executions.push(failedExecution(key, 'an-older-etag'))
        return processLikeTheWorkflow(key, body, etag)
      },
    })
    const cat = file('cat.jpg', jpeg)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', cat, '--wait', '--timeout', '5'], io)

    expect(code).toBe(0)
    expect(stdout().startsWith('PROCESSED  uploads/cat.jpg  thumbnail')).toBe(true)
  })

  it('with --wait, gives up after --timeout and exits 1', async () => {
    runtime = await startFakeRuntime({ process: () => undefined })
    const cat = file('cat.jpg', jpeg)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', cat, '--wait', '--timeout', '0.3'], io)

    expect(code).toBe(1)
    expect(stdout()).toContain(
      "TIMEOUT    uploads/cat.jpg  no outcome after 0.3s; see 'pipeline executions --key uploads/cat.jpg'",
    )
  })

  it('reports a rejected upload, still uploads the others, and exits 1', async () => {
    runtime = await startFakeRuntime({ maxUploadBytes: 1024 })
    const big = file('big.jpg', jpeg)
    const small = file('small.txt', text)
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', big, small], io)

    expect(code).toBe(1)
    expect(stdout()).toBe(
      'REJECTED   uploads/big.jpg  413 EntityTooLarge: The upload is 2052 bytes, over the limit of 1024\nUPLOADED   uploads/small.txt  34 B\n',
    )
    expect(stderr()).toContain(`[1/2] ${big} (2.0 KiB) rejected: 413 EntityTooLarge`)
  })

  it('marks a file ERROR and exits 3 when the server fails on it', async () => {
    runtime = await startFakeRuntime({
      failWith: { status: 500, body: '{"error":"InternalError","message":"disk full"}' },
    })
    const cat = file('cat.jpg', jpeg)
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', cat, '--wait'], io)

    expect(code).toBe(3)
    expect(stdout()).toBe('ERROR      uploads/cat.jpg  500 InternalError: disk full\n')
  })

  it.each([
    {
      name: 'a missing file',
      files: (): string[] => [file('cat.jpg', jpeg), join(dir, 'nope.jpg')],
      message: (): string => `pipeline upload: no such file: ${join(dir, 'nope.jpg')}`,
    },
    { name: 'a directory', files: (): string[] => [dir], message: (): string => `pipeline upload: not a file: ${dir}` },
  ])('uploads nothing and exits 2 on $name', async ({ files, message }) => {
    runtime = await startFakeRuntime()
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', ...files()], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(message())
    expect(stderr()).toContain('pipeline upload: nothing was uploaded')
    expect(stdout()).toBe('')
    expect(runtime.requests).toEqual([])
  })

  it('refuses two files that would land on one key', async () => {
    runtime = await startFakeRuntime()
    const first = file('cat.jpg', jpeg)
    const other = join(dir, 'sub')
    mkdirSync(other)
    writeFileSync(join(other, 'cat.jpg'), jpeg)
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['upload', first, join(other, 'cat.jpg')], io)

    expect(code).toBe(2)
    expect(stderr()).toContain(`${first} and ${join(other, 'cat.jpg')} would both upload to uploads/cat.jpg`)
    expect(runtime.requests).toEqual([])
  })

  it.each(['../', '/', 'a//', './'])('refuses --prefix %j, whose key the URL would rewrite', async (prefix) => {
    const cat = file('cat.jpg', jpeg)
    const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(['upload', cat, '--prefix', prefix], io)

    expect(code).toBe(2)
    expect(stderr()).toContain('path segment')
  })

  it('draws a progress bar on a terminal and clears it at the end', async () => {
    runtime = await startFakeRuntime()
    const cat = file('cat.jpg', jpeg)
    const notes = file('notes.txt', text)
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url }, { tty: true, columns: 120 })

    const code = await main(['upload', cat, notes, '--wait'], io)

    expect(code).toBe(1)
    expect(stderr()).toContain('2/2 files  2.0 KiB/2.0 KiB')
    expect(stderr()).toContain('2/2 processed')
    expect(stderr().endsWith('\r\x1b[2K')).toBe(true)
    expect(plain(stdout())).toContain('PROCESSED  uploads/cat.jpg')
    expect(stdout()).toContain('\x1b[32m')
  })
})
