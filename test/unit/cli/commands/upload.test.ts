import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3'
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn'
import { main } from '../../../../cli/main'
import { BucketName, ImageArn, givenStack, inputsOf, mocks } from '../aws/fake-stack'
import { captureIo, plain, processLikeTheWorkflow, startFakeRuntime, type FakeRuntime } from '../fake-runtime'
import { runLocal } from '../local-target'

// The local target: S3 PutObject on the runtime's endpoint, and the image workflow's executions (ListExecutions,
// DescribeExecution) for --wait, as on AWS; the SDK clients are mocked, and nothing reaches the runtime's own routes.

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)])
const text = Buffer.from('these are my notes, not a picture\n')
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex')
const executionArn = (name: string) => `${ImageArn.replace(':stateMachine:', ':execution:')}:${name}`

/** How an image execution ends, as DescribeExecution tells it; undefined: it never ends. */
type Outcome = (key: string, body: Buffer, etag: string) => Partial<DescribeExecutionCommandOutput> | undefined

/** Like the real workflow, roughly: a JPEG's run outputs its record, anything else fails as UnsupportedImage. */
const likeTheWorkflow: Outcome = (key, body, etag) => {
  const record = processLikeTheWorkflow(key, body, `"${etag}"`)
  return record.status === 'PROCESSED'
    ? { status: 'SUCCEEDED', output: JSON.stringify(record) }
    : {
        status: 'FAILED',
        error: 'UnsupportedImage',
        cause: JSON.stringify({ errorType: 'UnsupportedImage', errorMessage: record.reason }),
      }
}

interface Run {
  readonly name: string
  readonly key: string
  readonly etag: string
  readonly startDate: Date
  readonly end: Partial<DescribeExecutionCommandOutput> | undefined
  runningFor: number
}

/**
 * The image workflow as Step Functions shows it: each PutObject starts one execution on the object's key and etag,
 * described RUNNING `runningFor` times, then as `outcome` ends it. `runs` holds them, oldest first.
 */
const givenImageWorkflow = (outcome: Outcome = likeTheWorkflow, runningFor = 0): Run[] => {
  const runs: Run[] = []
  mocks.s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Buffer }) => {
    const etag = md5(input.Body)
    runs.push({
      name: `image-${runs.length + 1}`,
      key: input.Key,
      etag,
      startDate: new Date(),
      end: outcome(input.Key, input.Body, etag),
      runningFor,
    })
    // S3 answers PutObject with the quoted MD5 of the bytes, as it does for a single-part upload.
    return { ETag: `"${etag}"` }
  })
  mocks.sfn.on(ListExecutionsCommand).callsFake(() => ({
    executions: [...runs].reverse().map((run) => ({
      executionArn: executionArn(run.name),
      stateMachineArn: ImageArn,
      name: run.name,
      status: 'RUNNING',
      startDate: run.startDate,
    })),
  }))
  mocks.sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const run = runs.find((candidate) => executionArn(candidate.name) === input.executionArn)
    if (!run) throw new Error(`no execution ${input.executionArn}`)
    const ended = run.end !== undefined && run.runningFor <= 0
    run.runningFor -= 1
    return {
      executionArn: input.executionArn,
      stateMachineArn: ImageArn,
      name: run.name,
      status: 'RUNNING',
      startDate: run.startDate,
      input: JSON.stringify({
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { bucket: { name: BucketName }, object: { key: run.key, etag: run.etag } },
      }),
      ...(ended ? { stopDate: new Date(), ...run.end } : {}),
    }
  })
  return runs
}

let dir: string
let runtime: FakeRuntime

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-'))
  givenStack()
  runtime = await startFakeRuntime()
})

afterEach(async () => {
  await runtime.close()
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, bytes: Buffer): string => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

const putKeys = () => inputsOf(mocks.s3.commandCalls(PutObjectCommand)).map((input) => input.Key)

describe('pipeline upload', () => {
  it("puts each file at uploads/{prefix}{basename} in the stack's bucket and prints one line per file", async () => {
    // Prepare
    givenImageWorkflow()
    const cat = file('cat.jpg', jpeg)
    const dog = file('dog.png', jpeg)

    // Act
    const { code, stdout, stderr } = await runLocal(['upload', cat, dog, '--prefix', 'batch/'], runtime.url)

    // Assess
    expect(code).toBe(0)
    expect(
      inputsOf(mocks.s3.commandCalls(PutObjectCommand)).map(({ Bucket, Key, ContentType }) => [
        Bucket,
        Key,
        ContentType,
      ]),
    ).toEqual([
      [BucketName, 'uploads/batch/cat.jpg', 'image/jpeg'],
      [BucketName, 'uploads/batch/dog.png', 'image/png'],
    ])
    expect(runtime.requests).toEqual([])
    expect(stdout).toBe('UPLOADED   uploads/batch/cat.jpg  2.0 KiB\nUPLOADED   uploads/batch/dog.png  2.0 KiB\n')
    expect(stderr).toBe(`[1/2] ${cat} (2.0 KiB) uploaded\n[2/2] ${dog} (2.0 KiB) uploaded\n`)
  })

  it('keeps each path segment of the key as it is, for S3 to encode', async () => {
    givenImageWorkflow()
    const odd = file('my cat #1?.jpg', jpeg)

    const { code, stdout } = await runLocal(['upload', odd, '--prefix', 'summer 2024/día 1/'], runtime.url)

    expect(code).toBe(0)
    expect(putKeys()).toEqual(['uploads/summer 2024/día 1/my cat #1?.jpg'])
    expect(stdout).toContain('uploads/summer 2024/día 1/my cat #1?.jpg')
  })

  it('with --wait, follows the execution of this version and prints PROCESSED with the renditions it output', async () => {
    // Prepare: an earlier upload of the key (another etag) failed; ours runs for two looks before it ends.
    const runs = givenImageWorkflow(likeTheWorkflow, 2)
    runs.push({
      name: 'image-older',
      key: 'uploads/cat.jpg',
      etag: 'older-etag',
      startDate: new Date(),
      end: { status: 'FAILED', error: 'CorruptImage', cause: 'truncated' },
      runningFor: 0,
    })
    const cat = file('cat.jpg', jpeg)

    // Act
    const { code, stdout } = await runLocal(['upload', cat, '--wait'], runtime.url)

    // Assess
    expect(code).toBe(0)
    expect(stdout).toBe('PROCESSED  uploads/cat.jpg  thumbnail 200x150 jpeg 5.1 KiB, web 1280x960 webp 80.2 KiB\n')
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))[0]).toMatchObject({ stateMachineArn: ImageArn })
    const described = inputsOf(mocks.sfn.commandCalls(DescribeExecutionCommand)).map((input) => input.executionArn)
    const ours = runs.find((run) => run.etag === md5(jpeg))
    expect(described.filter((arn) => arn === executionArn(ours?.name ?? '')).length).toBeGreaterThanOrEqual(3)
  })

  it('with --wait, prints FAILED with the reason and exits 1 when any upload fails', async () => {
    givenImageWorkflow()
    const cat = file('cat.jpg', jpeg)
    const notes = file('notes.txt', text)

    const { code, stdout } = await runLocal(['upload', cat, notes, '--wait'], runtime.url)

    expect(code).toBe(1)
    expect(stdout.trim().split('\n').sort()).toEqual([
      'FAILED     uploads/notes.txt  UnsupportedImage: uploads/notes.txt is not a supported image (detected: unknown)',
      'PROCESSED  uploads/cat.jpg  thumbnail 200x150 jpeg 5.1 KiB, web 1280x960 webp 80.2 KiB',
    ])
  })

  it('with --wait --json, prints one result per file in the order given', async () => {
    givenImageWorkflow()
    const notes = file('notes.txt', text)
    const cat = file('cat.jpg', jpeg)

    const { code, stdout } = await runLocal(['upload', notes, cat, '--wait', '--json'], runtime.url)

    expect(code).toBe(1)
    const results = JSON.parse(stdout) as Array<Record<string, unknown>>
    expect(results.map(({ file: path, key, status, error }) => ({ path, key, status, error }))).toEqual([
      { path: notes, key: 'uploads/notes.txt', status: 'FAILED', error: 'UnsupportedImage' },
      { path: cat, key: 'uploads/cat.jpg', status: 'PROCESSED', error: undefined },
    ])
    expect(results[1]?.renditions).toHaveLength(2)
    expect(results[1]?.etag).toMatch(/^"[0-9a-f]{32}"$/)
  })

  it("with --wait, reports a run that failed on an error of its own with the cause's message", async () => {
    givenImageWorkflow(() => ({
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'image table unavailable' }),
    }))
    const cat = file('cat.jpg', jpeg)

    const { code, stdout } = await runLocal(['upload', cat, '--wait', '--timeout', '5'], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toBe('FAILED     uploads/cat.jpg  States.TaskFailed: image table unavailable\n')
  })

  it('with --wait, ignores a failed execution about another version of the key', async () => {
    const runs = givenImageWorkflow(likeTheWorkflow, 1)
    runs.push({
      name: 'image-other-version',
      key: 'uploads/cat.jpg',
      etag: 'an-older-etag',
      startDate: new Date(),
      end: { status: 'FAILED', error: 'States.TaskFailed', cause: 'not this one' },
      runningFor: 0,
    })
    const cat = file('cat.jpg', jpeg)

    const { code, stdout } = await runLocal(['upload', cat, '--wait', '--timeout', '5'], runtime.url)

    expect(code).toBe(0)
    expect(stdout.startsWith('PROCESSED  uploads/cat.jpg  thumbnail')).toBe(true)
  })

  it('with --wait, gives up after --timeout and exits 1', async () => {
    givenImageWorkflow(() => undefined)
    const cat = file('cat.jpg', jpeg)

    const { code, stdout } = await runLocal(['upload', cat, '--wait', '--timeout', '0.3'], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toContain(
      "TIMEOUT    uploads/cat.jpg  no outcome after 0.3s; see 'pipeline executions --key uploads/cat.jpg'",
    )
  })

  it("reports S3's refusal of one file as REJECTED, still uploads the others, and exits 1", async () => {
    givenImageWorkflow()
    mocks.s3.on(PutObjectCommand, { Key: 'uploads/big.jpg' }).rejects(
      new S3ServiceException({
        name: 'EntityTooLarge',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Your proposed upload exceeds the maximum allowed size',
      }),
    )
    const big = file('big.jpg', jpeg)
    const small = file('small.txt', text)

    const { code, stdout, stderr } = await runLocal(['upload', big, small], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toBe(
      'REJECTED   uploads/big.jpg  400 EntityTooLarge: Your proposed upload exceeds the maximum allowed size\nUPLOADED   uploads/small.txt  34 B\n',
    )
    expect(stderr).toContain(`[1/2] ${big} (2.0 KiB) rejected: 400 EntityTooLarge`)
  })

  it('marks a file ERROR and exits 3 when S3 fails on it', async () => {
    mocks.s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'InternalError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
        message: 'disk full',
      }),
    )
    const cat = file('cat.jpg', jpeg)

    const { code, stdout } = await runLocal(['upload', cat, '--wait'], runtime.url)

    expect(code).toBe(3)
    expect(stdout).toBe('ERROR      uploads/cat.jpg  500 InternalError: disk full\n')
  })

  it.each([
    {
      name: 'a missing file',
      files: (): string[] => [file('cat.jpg', jpeg), join(dir, 'nope.jpg')],
      message: (): string => `pipeline upload: no such file: ${join(dir, 'nope.jpg')}`,
    },
    { name: 'a directory', files: (): string[] => [dir], message: (): string => `pipeline upload: not a file: ${dir}` },
  ])('uploads nothing and exits 2 on $name', async ({ files, message }) => {
    givenImageWorkflow()

    const { code, stdout, stderr } = await runLocal(['upload', ...files()], runtime.url)

    expect(code).toBe(2)
    expect(stderr).toContain(message())
    expect(stderr).toContain('pipeline upload: nothing was uploaded')
    expect(stdout).toBe('')
    expect(putKeys()).toEqual([])
  })

  it('refuses two files that would land on one key', async () => {
    givenImageWorkflow()
    const first = file('cat.jpg', jpeg)
    const other = join(dir, 'sub')
    mkdirSync(other)
    writeFileSync(join(other, 'cat.jpg'), jpeg)

    const { code, stderr } = await runLocal(['upload', first, join(other, 'cat.jpg')], runtime.url)

    expect(code).toBe(2)
    expect(stderr).toContain(`${first} and ${join(other, 'cat.jpg')} would both upload to uploads/cat.jpg`)
    expect(putKeys()).toEqual([])
  })

  it.each(['../', '/', 'a//', './'])('refuses --prefix %j, whose key the URL would rewrite', async (prefix) => {
    const cat = file('cat.jpg', jpeg)
    const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(['upload', cat, '--prefix', prefix], io)

    expect(code).toBe(2)
    expect(stderr()).toContain('path segment')
  })

  it('draws a progress bar on a terminal and clears it at the end', async () => {
    givenImageWorkflow()
    const cat = file('cat.jpg', jpeg)
    const notes = file('notes.txt', text)

    const { code, stdout, stderr } = await runLocal(['upload', cat, notes, '--wait'], runtime.url, { tty: true })

    expect(code).toBe(1)
    expect(stderr).toContain('2/2 files  2.0 KiB/2.0 KiB')
    expect(stderr).toContain('2/2 processed')
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true)
    expect(plain(stdout)).toContain('PROCESSED  uploads/cat.jpg')
    expect(stdout).toContain('\x1b[32m')
  })
})
