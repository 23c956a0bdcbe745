import { readFile, stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import type { Rendition } from '../../contracts/images'
import { UploadsPrefix } from '../../contracts/sources'
import { defineCommand, parseTimeout } from '../args'
import type { Backend } from '../backends/backend'
import { formatBytes, json, paletteFor } from '../format'
import { uploadProgress } from '../progress'
import type { ImageOutcome } from '../../contracts/uploads'
import { HttpError, InvalidResponse, UsageError } from '../errors'
import type { UploadResult } from '../../contracts/uploads'
import { describeFailure } from '../../contracts/executions'

/** One file's final line: UPLOADED without --wait, PROCESSED/FAILED/TIMEOUT with it; REJECTED/ERROR when the PUT failed. */
export interface FileResult {
  readonly file: string
  readonly key: string
  readonly status: 'UPLOADED' | 'REJECTED' | 'ERROR' | 'PROCESSED' | 'FAILED' | 'TIMEOUT'
  readonly size?: number
  readonly etag?: string
  readonly renditions?: ReadonlyArray<Rendition>
  readonly error?: string
  readonly reason?: string
  readonly httpStatus?: number
  readonly executionArn?: string
}

const DefaultTimeoutSeconds = 120

/** What the server sees as Content-Type; it sniffs the magic bytes anyway, this is only a hint. */
const contentTypes: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
}

export const upload = defineCommand(
  {
    name: 'upload',
    summary: 'upload files under uploads/ and, with --wait, report how each was processed',
    positionals: { label: 'FILE...', min: 1, max: Number.POSITIVE_INFINITY },
    options: {
      prefix: {
        type: 'string',
        placeholder: 'P',
        description: 'put each file at uploads/{P}{basename}; end P with / for a folder',
      },
      wait: { type: 'boolean', description: 'wait for each upload to be PROCESSED or FAILED and print its outcome' },
      timeout: {
        type: 'string',
        placeholder: 'S',
        description: `with --wait, give up after S seconds (default ${DefaultTimeoutSeconds})`,
      },
      json: { type: 'boolean', description: 'print a JSON array of per-file results instead of text' },
    },
    description: `Uploads each FILE to the pipeline's bucket as uploads/{prefix}{basename}; each upload starts the
image workflow. Every file is checked before anything is sent: a missing file uploads nothing.
Progress goes to stderr (a bar on a terminal, else one line per file); results go to stdout:
  UPLOADED   uploads/cat.jpg  12.3 KiB
  PROCESSED  uploads/cat.jpg  thumbnail 200x150 jpeg 5.1 KiB, web 1280x960 webp 80.2 KiB
  FAILED     uploads/notes.txt  UnsupportedImage: uploads/notes.txt is not a supported image (detected: unknown)
Exits 1 if any upload was rejected, FAILED or timed out.

On either target, each file is put with S3 PutObject in the stack's bucket (its BucketName output), with a
Content-Type from its extension. Nothing links an upload to the execution it starts but the execution's input, so
--wait lists the image workflow's executions (Step Functions ListExecutions) and reads each new one's input
(DescribeExecution) until one is about this key and etag, then follows it until SUCCEEDED or FAILED. The local
runtime starts it at once; on AWS expect seconds before S3's event starts it, and raise --timeout when the
pipeline is busy.

Examples:
  pipeline upload photos/*.jpg --wait
  pipeline upload scan.png --prefix 2024/05/ --wait --timeout 30 --json
  pipeline --target aws upload cat.jpg --wait`,
  },
  async ({ positionals, options }, { io, backend, target }) => {
    const prefix = options.prefix ?? ''
    const timeoutSeconds = parseTimeout(options.timeout, options.wait, DefaultTimeoutSeconds)
    const files = await checkFiles(positionals, prefix)
    const api = backend()
    const palette = paletteFor(io.stdout, io.env)
    const progress = uploadProgress(io.stderr, {
      files: files.length,
      bytes: files.reduce((sum, file) => sum + file.size, 0),
    })
    const results: FileResult[] = []
    const print = (result: FileResult) => {
      results.push(result)
      if (!options.json)
        progress.above(() =>
          io.stdout.write(`${palette.status(result.status.padEnd(9))}  ${result.key}  ${detail(result)}\n`),
        )
    }
    try {
      const uploaded: Array<{ readonly file: string; readonly receipt: UploadResult }> = []
      const uploadedAt = Date.now()
      for (const file of files) {
        progress.started(file.path, file.size)
        const outcome = await uploadOne(api, file)
        progress.finished(
          file.path,
          file.size,
          outcome.status === 'UPLOADED' ? 'uploaded' : `${outcome.status.toLowerCase()}: ${detail(outcome)}`,
        )
        if (outcome.status === 'UPLOADED' && options.wait) uploaded.push({ file: file.path, receipt: outcome.receipt })
        else print(outcome.status === 'UPLOADED' ? outcome.result : outcome)
      }
      if (options.wait && uploaded.length > 0) {
        const deadline = Date.now() + timeoutSeconds * 1000
        let settled = 0
        progress.waiting(settled, uploaded.length)
        // allSettled, not all: every wait ends on its own (an outcome, the deadline or an error), so none is left polling.
        const waits = await Promise.allSettled(
          uploaded.map(async ({ file, receipt }) => {
            const result = await api.waitForImage(receipt, { deadline, uploadedAt }).then(
              (outcome) =>
                settledResult(
                  file,
                  receipt,
                  outcome,
                  timeoutSeconds,
                  target === 'aws' ? 'pipeline --target aws' : 'pipeline',
                ),
              (error: unknown) => serverError(file, receipt.key, error),
            )
            settled += 1
            progress.waiting(settled, uploaded.length)
            print(result)
          }),
        )
        const unreachable = waits.find((wait) => wait.status === 'rejected')
        if (unreachable) throw unreachable.reason
      }
    } finally {
      progress.end()
    }
    if (options.json) io.stdout.write(json(sortLike(results, files)))
    if (results.some((result) => result.status === 'ERROR')) return 3
    return results.every((result) => result.status === 'UPLOADED' || result.status === 'PROCESSED') ? 0 : 1
  },
)

interface LocalFile {
  readonly path: string
  readonly size: number
  /** The key after `uploads/`. */
  readonly key: string
}

/** Every file must exist and be a regular file, and no two may land on one key, before anything is sent. */
const checkFiles = async (paths: ReadonlyArray<string>, prefix: string): Promise<ReadonlyArray<LocalFile>> => {
  const problems: string[] = []
  const files: LocalFile[] = []
  const byKey = new Map<string, string>()
  for (const path of paths) {
    const key = `${prefix}${basename(path)}`
    // `.` and `..` would be resolved away by the URL and empty segments collapse: the object would land elsewhere.
    if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw new UsageError(
        `--prefix ${JSON.stringify(prefix)} makes the key ${UploadsPrefix}${key}, which has an empty, "." or ".." path segment`,
      )
    }
    try {
      const info = await stat(path)
      if (!info.isFile()) {
        problems.push(`not a file: ${path}`)
        continue
      }
      const clash = byKey.get(key)
      if (clash !== undefined) problems.push(`${clash} and ${path} would both upload to ${UploadsPrefix}${key}`)
      byKey.set(key, path)
      files.push({ path, size: info.size, key })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      problems.push(
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `no such file: ${path}`
          : code === 'EACCES'
            ? `permission denied: ${path}`
            : `cannot read ${path}`,
      )
    }
  }
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\nnothing was uploaded`, { showHelpHint: false })
  return files
}

type UploadOutcome =
  | (FileResult & { readonly status: 'REJECTED' | 'ERROR' | 'FAILED' })
  | { readonly status: 'UPLOADED'; readonly receipt: UploadResult; readonly result: FileResult }

/** PUTs one file; a 4xx is that file's rejection, a 5xx or an off-contract answer a server error. Unreachable propagates. */
const uploadOne = async (api: Backend, file: LocalFile): Promise<UploadOutcome> => {
  const key = `${UploadsPrefix}${file.key}`
  let bytes: Uint8Array
  try {
    bytes = await readFile(file.path)
  } catch {
    return { file: file.path, key, status: 'FAILED', error: 'ReadError', reason: `cannot read ${file.path}` }
  }
  try {
    const receipt = await api.upload(
      file.key,
      bytes,
      contentTypes[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    )
    return {
      status: 'UPLOADED',
      receipt,
      result: { file: file.path, key: receipt.key, status: 'UPLOADED', size: receipt.size, etag: receipt.etag },
    }
  } catch (error) {
    if (error instanceof HttpError && error.status < 500) {
      return {
        file: file.path,
        key,
        status: 'REJECTED',
        httpStatus: error.status,
        error: error.code,
        reason: error.message,
      }
    }
    return serverError(file.path, key, error)
  }
}

/** A 5xx or an off-contract answer is this file's ERROR (exit 3); anything else, Unreachable included, is rethrown. */
const serverError = (file: string, key: string, error: unknown): FileResult & { readonly status: 'ERROR' } => {
  if (error instanceof HttpError)
    return { file, key, status: 'ERROR', httpStatus: error.status, error: error.code, reason: error.message }
  if (error instanceof InvalidResponse)
    return { file, key, status: 'ERROR', error: 'InvalidResponse', reason: error.message }
  throw error
}

/** `pipeline` names the command to run for more: `pipeline --target aws` on a deployed stack. */
const settledResult = (
  file: string,
  receipt: UploadResult,
  outcome: ImageOutcome,
  timeoutSeconds: number,
  pipeline: string,
): FileResult => {
  const base = { file, key: receipt.key, size: receipt.size, etag: receipt.etag }
  if (outcome.status === 'TIMEOUT') {
    return {
      ...base,
      status: 'TIMEOUT',
      reason: `no outcome after ${timeoutSeconds}s; see '${pipeline} executions --key ${receipt.key}'`,
    }
  }
  if ('execution' in outcome) {
    const { execution } = outcome
    return {
      ...base,
      status: 'FAILED',
      executionArn: execution.executionArn,
      error: execution.error ?? execution.status,
      reason: describeFailure(undefined, execution.cause) ?? `execution ${execution.name} ${execution.status}`,
    }
  }
  const { record } = outcome
  return {
    ...base,
    status: record.status,
    renditions: record.renditions,
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.reason === undefined ? {} : { reason: record.reason }),
  }
}

/** The text after the key on a result line. */
const detail = (result: FileResult): string => {
  switch (result.status) {
    case 'UPLOADED':
      return formatBytes(result.size ?? 0)
    case 'PROCESSED': {
      const renditions = result.renditions ?? []
      if (renditions.length === 0) return 'no renditions'
      return renditions.map((r) => `${r.name} ${r.width}x${r.height} ${r.format} ${formatBytes(r.bytes)}`).join(', ')
    }
    case 'REJECTED':
    case 'ERROR':
      return [result.httpStatus, describeFailure(result.error, result.reason)]
        .filter((part) => part !== undefined)
        .join(' ')
    default:
      return describeFailure(result.error, result.reason) ?? result.status.toLowerCase()
  }
}

/** --wait prints as outcomes arrive; JSON lists the files in the order given. */
const sortLike = (results: ReadonlyArray<FileResult>, files: ReadonlyArray<LocalFile>): ReadonlyArray<FileResult> => {
  const order = new Map(files.map((file, index) => [file.path, index]))
  return [...results].sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0))
}
