import { PutObjectCommand } from '@aws-sdk/client-s3'
import { ListExecutionsCommand, type DescribeExecutionCommandOutput, type ExecutionListItem } from '@aws-sdk/client-sfn'
import type { ImageRecord } from '../../../contracts/images'
import { UploadsPrefix } from '../../../contracts/sources'
import type { ExecutionStatus } from '../../../contracts/executions'
import { normalizeEtag, type ImageOutcome, type UploadResult, type WaitOptions } from '../../../contracts/uploads'
import { InvalidResponse } from './errors'
import { iso, parseJson, type AwsContext } from './context'
import { describe } from './executions'
import type { Workflow } from './stack'

/** Executions that started this long before the upload (by this machine's clock) may still be about it: clocks differ. */
const ClockSkewMs = 60_000
/** Pages of ListExecutions read per look, newest first, while they reach back to the upload. */
const MaxPages = 5

/** S3 PutObject of the bytes at `uploads/{key}` in the stack's bucket (the BucketName output). */
export const uploadObject = async (
  aws: AwsContext,
  key: string,
  bytes: Uint8Array,
  contentType: string,
): Promise<UploadResult> => {
  const bucket = await aws.stack.output('BucketName')
  const objectKey = `${UploadsPrefix}${key}`
  const answer = await aws.call('S3', () =>
    aws.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: bytes, ContentType: contentType }),
    ),
  )
  if (!answer.ETag) throw new InvalidResponse(`S3 PutObject of ${objectKey} answered without an ETag`)
  return { bucket, key: objectKey, etag: answer.ETag, size: bytes.byteLength }
}

/** The S3 event an image execution was started by, as far as matching it to an upload needs. */
interface Subject {
  readonly key?: string
  readonly etag?: string
}

const subjectOf = (described: DescribeExecutionCommandOutput): Subject => {
  const object = (parseJson(described.input) as { detail?: { object?: { key?: unknown; etag?: unknown } } } | undefined)
    ?.detail?.object
  return {
    ...(typeof object?.key === 'string' ? { key: object.key } : {}),
    ...(typeof object?.etag === 'string' ? { etag: object.etag } : {}),
  }
}

const isFailure = (status: string | undefined): boolean =>
  status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED'

/**
 * Waits for uploads by reading the image workflow's executions, best effort: S3 tells EventBridge, a rule starts the
 * image state machine, and nothing links the execution to the upload but its input. Each look lists the newest
 * executions (shared by every upload waiting at that moment), reads the input of each new one once (DescribeExecution)
 * until one is about this key and etag, then follows that one until it ends: SUCCEEDED answers its output (the image
 * record), FAILED, TIMED_OUT and ABORTED its error and cause.
 */
export class ImageWaiter {
  private listing: { readonly at: number; readonly executions: Promise<ReadonlyArray<ExecutionListItem>> } | undefined
  /** What each execution read so far is about, by ARN: its input never changes. */
  private readonly subjects = new Map<string, Promise<Subject>>()
  private workflowPromise: Promise<Workflow> | undefined

  constructor(private readonly aws: AwsContext) {}

  async wait(upload: UploadResult, options: WaitOptions): Promise<ImageOutcome> {
    const now = options.now ?? this.aws.now
    const sleep = options.sleep ?? this.aws.sleep
    // Its tag says image; without the tags (no states:ListTagsForResource), its construct's name says ImageWorkflow.
    const workflow = await (this.workflowPromise ??= this.aws.stack
      .pickWorkflows('image')
      .catch(() => this.aws.stack.pickWorkflows('ImageWorkflow'))
      .then((found) => found[0] as Workflow))
    const etag = normalizeEtag(upload.etag)
    const since = options.uploadedAt - ClockSkewMs
    let ours: string | undefined
    let delay = this.aws.pollMs
    for (;;) {
      if (ours === undefined) {
        for (const execution of await this.recent(workflow, since, now)) {
          const arn = execution.executionArn ?? ''
          const subject = await this.subject(arn)
          if (subject.key === upload.key && subject.etag !== undefined && normalizeEtag(subject.etag) === etag) {
            ours = arn
            break
          }
        }
      }
      if (ours !== undefined) {
        const arn = ours
        const described = await describe(this.aws, arn)
        if (described.status === 'SUCCEEDED') {
          const record = recordOf(described, upload)
          return { status: record.status, record }
        }
        if (isFailure(described.status)) {
          return {
            status: 'FAILED',
            execution: {
              executionArn: arn,
              name: described.name ?? arn,
              workflow: workflow.name,
              status: described.status as ExecutionStatus,
              startDate: iso(described.startDate) ?? '',
              ...(described.stopDate ? { stopDate: iso(described.stopDate) } : {}),
              ...(described.error === undefined ? {} : { error: described.error }),
              ...(described.cause === undefined ? {} : { cause: described.cause }),
            },
          }
        }
      }
      const remaining = options.deadline - now()
      if (remaining <= 0) return { status: 'TIMEOUT' }
      await sleep(Math.min(delay, remaining))
      delay = Math.min(this.aws.pollMs * 5, Math.round(delay * 1.5))
    }
  }

  /** The image workflow's executions started since `since`, newest first; uploads waiting together share one listing per poll. */
  private async recent(
    workflow: Workflow,
    since: number,
    now: () => number,
  ): Promise<ReadonlyArray<ExecutionListItem>> {
    if (!this.listing || now() - this.listing.at >= this.aws.pollMs / 2) {
      this.listing = { at: now(), executions: this.list(workflow, since) }
    }
    const executions = await this.listing.executions
    return executions.filter(
      (execution) => (execution.startDate ? new Date(execution.startDate).getTime() : 0) >= since,
    )
  }

  private async list(workflow: Workflow, since: number): Promise<ReadonlyArray<ExecutionListItem>> {
    const all: ExecutionListItem[] = []
    let token: string | undefined
    for (let page = 0; page < MaxPages; page += 1) {
      const answer = await this.aws.call('Step Functions', () =>
        this.aws.clients.sfn.send(
          new ListExecutionsCommand({ stateMachineArn: workflow.arn, maxResults: 100, nextToken: token }),
        ),
      )
      all.push(...(answer.executions ?? []))
      token = answer.nextToken
      const oldest = all[all.length - 1]?.startDate
      if (!token || (oldest !== undefined && new Date(oldest).getTime() < since)) break
    }
    return all
  }

  private subject(arn: string): Promise<Subject> {
    let found = this.subjects.get(arn)
    if (!found) {
      found = describe(this.aws, arn).then(subjectOf)
      this.subjects.set(arn, found)
    }
    return found
  }
}

/** The image workflow's output is the image record (its Succeed state's OutputPath); a minimal one if it is not. */
const recordOf = (described: DescribeExecutionCommandOutput, upload: UploadResult): ImageRecord => {
  const output = parseJson(described.output) as Partial<ImageRecord> | undefined
  if (
    output &&
    typeof output === 'object' &&
    (output.status === 'PROCESSED' || output.status === 'FAILED') &&
    Array.isArray(output.renditions)
  )
    return output as ImageRecord
  const at = iso(described.stopDate) ?? new Date().toISOString()
  return {
    key: upload.key,
    bucket: upload.bucket,
    etag: upload.etag,
    size: upload.size,
    status: 'PROCESSED',
    renditions: [],
    createdAt: at,
    updatedAt: at,
  }
}
