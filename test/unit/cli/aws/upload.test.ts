import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3'
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn'
import { BucketName, ImageArn, givenStack, inputsOf, mocks, runAws } from './fake-stack'

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)])
const text = Buffer.from('these are my notes, not a picture\n')
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex')

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-aws-'))
  givenStack()
  // S3 answers PutObject with the quoted MD5 of the bytes, as it does for a single-part upload.
  mocks.s3.on(PutObjectCommand).callsFake((input: { Body: Buffer }) => ({ ETag: `"${md5(input.Body)}"` }))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const file = (name: string, bytes: Buffer): string => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

const executionArn = (name: string) => `${ImageArn.replace(':stateMachine:', ':execution:')}:${name}`

/** An image execution as DescribeExecution answers it: its input is the S3 event of `key` with `etag`. */
const described = (
  name: string,
  key: string,
  etag: string,
  extra: Partial<DescribeExecutionCommandOutput> = {},
): DescribeExecutionCommandOutput => ({
  $metadata: {},
  executionArn: executionArn(name),
  stateMachineArn: ImageArn,
  name,
  status: 'RUNNING',
  startDate: new Date(),
  input: JSON.stringify({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: BucketName }, object: { key, etag, size: 2052 } },
  }),
  ...extra,
})

const listed = (name: string, startDate: Date) => ({
  executionArn: executionArn(name),
  stateMachineArn: ImageArn,
  name,
  status: 'RUNNING' as const,
  startDate,
})

describe('pipeline --target aws upload', () => {
  it("puts each file at uploads/{prefix}{name} in the stack's bucket, with a Content-Type from its extension", async () => {
    // Prepare
    const cat = file('cat.jpg', jpeg)
    const notes = file('notes.txt', text)

    // Act
    const { code, stdout } = await runAws(['upload', cat, notes, '--prefix', 'pets/'])

    // Assess
    expect(code).toBe(0)
    expect(inputsOf(mocks.s3.commandCalls(PutObjectCommand))).toEqual([
      { Bucket: BucketName, Key: 'uploads/pets/cat.jpg', Body: jpeg, ContentType: 'image/jpeg' },
      { Bucket: BucketName, Key: 'uploads/pets/notes.txt', Body: text, ContentType: 'application/octet-stream' },
    ])
    expect(stdout).toBe('UPLOADED   uploads/pets/cat.jpg  2.0 KiB\nUPLOADED   uploads/pets/notes.txt  34 B\n')
  })

  it('with --wait, finds the image execution whose input has this key and etag, follows it and prints the record it output', async () => {
    // Prepare: the first look finds no execution yet; then ours among another upload's and one that started long before.
    const cat = file('cat.jpg', jpeg)
    const etag = md5(jpeg)
    mocks.sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({ executions: [] })
      .resolves({
        executions: [
          listed('other', new Date()),
          listed('ours', new Date()),
          listed('old', new Date(Date.now() - 3_600_000)),
        ],
      })
    mocks.sfn
      .on(DescribeExecutionCommand, { executionArn: executionArn('other') })
      .resolves(described('other', 'uploads/dog.jpg', 'ffff'))
    const record = {
      key: 'uploads/cat.jpg',
      bucket: BucketName,
      etag,
      size: jpeg.length,
      status: 'PROCESSED',
      format: 'jpeg',
      width: 1600,
      height: 1200,
      renditions: [
        {
          name: 'thumbnail',
          key: 'thumbnails/thumbnail/uploads/cat.jpg.jpg',
          format: 'jpeg',
          width: 200,
          height: 150,
          bytes: 5222,
        },
        {
          name: 'web',
          key: 'thumbnails/web/uploads/cat.jpg.webp',
          format: 'webp',
          width: 1280,
          height: 960,
          bytes: 82_124,
        },
      ],
      createdAt: '2024-05-01T12:00:00.000Z',
      updatedAt: '2024-05-01T12:00:00.000Z',
    }
    mocks.sfn
      .on(DescribeExecutionCommand, { executionArn: executionArn('ours') })
      .resolvesOnce(described('ours', 'uploads/cat.jpg', etag))
      .resolvesOnce(described('ours', 'uploads/cat.jpg', etag))
      .resolves(
        described('ours', 'uploads/cat.jpg', etag, {
          status: 'SUCCEEDED',
          stopDate: new Date(),
          output: JSON.stringify(record),
        }),
      )

    // Act
    const { code, stdout } = await runAws(['upload', cat, '--wait', '--timeout', '10'])

    // Assess: listed on the image state machine; the old one's input never read, the other's once.
    expect(code).toBe(0)
    expect(stdout).toBe('PROCESSED  uploads/cat.jpg  thumbnail 200x150 jpeg 5.1 KiB, web 1280x960 webp 80.2 KiB\n')
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))[0]).toEqual({
      stateMachineArn: ImageArn,
      maxResults: 100,
      nextToken: undefined,
    })
    const describedArns = inputsOf(mocks.sfn.commandCalls(DescribeExecutionCommand)).map((input) => input.executionArn)
    expect(describedArns.filter((arn) => arn === executionArn('other'))).toHaveLength(1)
    expect(describedArns).not.toContain(executionArn('old'))
    expect(describedArns.filter((arn) => arn === executionArn('ours')).length).toBeGreaterThanOrEqual(3)
  })

  it('with --wait, prints the error and cause of the execution that FAILED, and exits 1', async () => {
    const notes = file('notes.txt', text)
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [listed('ours', new Date())] })
    mocks.sfn.on(DescribeExecutionCommand).resolves(
      described('ours', 'uploads/notes.txt', md5(text), {
        status: 'FAILED',
        stopDate: new Date(),
        error: 'UnsupportedImage',
        cause: JSON.stringify({
          errorType: 'UnsupportedImage',
          errorMessage: 'uploads/notes.txt is not a supported image (detected: unknown)',
        }),
      }),
    )

    const { code, stdout } = await runAws(['upload', notes, '--wait', '--json'])

    expect(code).toBe(1)
    const [result] = JSON.parse(stdout) as Array<Record<string, unknown>>
    expect(result).toMatchObject({
      key: 'uploads/notes.txt',
      status: 'FAILED',
      error: 'UnsupportedImage',
      reason: 'uploads/notes.txt is not a supported image (detected: unknown)',
      executionArn: executionArn('ours'),
    })
  })

  it('with --wait, gives up after --timeout and says how to look for it on the same target', async () => {
    const cat = file('cat.jpg', jpeg)
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] })

    const { code, stdout } = await runAws(['upload', cat, '--wait', '--timeout', '0.05'])

    expect(code).toBe(1)
    expect(stdout).toBe(
      "TIMEOUT    uploads/cat.jpg  no outcome after 0.05s; see 'pipeline --target aws executions --key uploads/cat.jpg'\n",
    )
  })

  it("reports S3's refusal as that file's REJECTED, and exits 1", async () => {
    const cat = file('cat.jpg', jpeg)
    mocks.s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    )

    const { code, stdout } = await runAws(['upload', cat])

    expect(code).toBe(1)
    expect(stdout).toBe('REJECTED   uploads/cat.jpg  403 AccessDenied: Access Denied\n')
  })

  it('marks a file ERROR and exits 3 when S3 fails', async () => {
    const cat = file('cat.jpg', jpeg)
    mocks.s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'InternalError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
        message: 'We encountered an internal error.',
      }),
    )

    const { code, stdout } = await runAws(['upload', cat])

    expect(code).toBe(3)
    expect(stdout).toBe('ERROR      uploads/cat.jpg  500 InternalError: We encountered an internal error.\n')
  })
})
