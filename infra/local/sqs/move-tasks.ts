import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import type { DeadLetters } from './dead-letters'
import type { LocalQueues } from './queues'

/** A message movement task as ListMessageMoveTasks shows it (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasksResultEntry.html). */
export interface MoveTask {
  readonly taskHandle: string
  readonly status: 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED'
  readonly sourceArn: string
  readonly destinationArn?: string
  readonly maxNumberOfMessagesPerSecond?: number
  readonly moved: number
  readonly toMove: number
  readonly failureReason?: string
  /** Epoch milliseconds. */
  readonly startedMs: number
}

/** A move task SQS refuses: `ResourceNotFoundException` (an unknown queue) or `InvalidParameterValue`, with SQS's words. */
export class MoveTaskRefused extends Error {
  override readonly name = 'MoveTaskRefused'
  constructor(
    readonly code: 'ResourceNotFoundException' | 'InvalidParameterValue',
    message: string,
  ) {
    super(message)
  }
}

interface TaskRow {
  readonly task_id: string
  readonly source_arn: string
  readonly destination_arn: string | null
  readonly rate: number | null
  readonly status: MoveTask['status']
  readonly to_move: number
  readonly moved: number
  readonly failure: string | null
  readonly started_ms: number
}

/** SQS's task handle: the task and its source queue, base64 JSON, which CancelMessageMoveTask reads back. */
const taskHandle = (taskId: string, sourceArn: string): string =>
  Buffer.from(JSON.stringify({ taskId, sourceArn })).toString('base64')

/**
 * StartMessageMoveTask over the dead-letter redrive (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html):
 * the messages of a queue that some queue's redrive policy names go back to the queue each came from (or all to a
 * destination queue), through the same redrive the console uses. The move runs at once, so a task is over by the time
 * it is listed; the rate a caller asks for is kept and shown, not applied.
 */
export class MessageMoveTasks {
  constructor(
    private readonly db: DatabaseSync,
    private readonly queues: LocalQueues,
    private readonly deadLetters: DeadLetters,
  ) {}

  start(request: {
    readonly sourceArn: string
    readonly destinationArn?: string
    readonly maxNumberOfMessagesPerSecond?: number
  }): MoveTask {
    const source = this.queues.find(request.sourceArn)
    if (!source || source.arn !== request.sourceArn)
      throw new MoveTaskRefused(
        'ResourceNotFoundException',
        "The resource that you specified for the SourceArn parameter doesn't exist.",
      )
    const isDeadLetterQueue = this.queues.names.some(
      (name) => this.queues.queue(name).redrive?.deadLetterArn === source.arn,
    )
    if (!isDeadLetterQueue)
      throw new MoveTaskRefused('InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.')
    const destination = request.destinationArn === undefined ? undefined : this.queues.find(request.destinationArn)
    if (request.destinationArn !== undefined && (!destination || destination.arn !== request.destinationArn))
      throw new MoveTaskRefused(
        'ResourceNotFoundException',
        "The resource that you specified for the DestinationArn parameter doesn't exist.",
      )
    const taskId = randomUUID()
    const startedMs = Date.now()
    const toMove = this.queues.count(source.name)
    const outcome = this.deadLetters.redrive(source.name, undefined, destination?.name)
    const failure = outcome.failed[0]?.reason
    this.db
      .prepare(
        'INSERT INTO message_move_tasks (task_id, source_arn, destination_arn, rate, status, to_move, moved, failure, started_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        taskId,
        source.arn,
        destination?.arn ?? null,
        request.maxNumberOfMessagesPerSecond ?? null,
        failure === undefined ? 'COMPLETED' : 'FAILED',
        toMove,
        outcome.redriven,
        failure ?? null,
        startedMs,
      )
    return this.list(source.arn, 1)[0]!
  }

  /** The queue's tasks, most recent first (ListMessageMoveTasks). */
  list(sourceArn: string, max: number): ReadonlyArray<MoveTask> {
    const source = this.queues.find(sourceArn)
    if (!source || source.arn !== sourceArn)
      throw new MoveTaskRefused(
        'ResourceNotFoundException',
        "The resource that you specified for the SourceArn parameter doesn't exist.",
      )
    const rows = this.db
      .prepare('SELECT * FROM message_move_tasks WHERE source_arn = ? ORDER BY started_ms DESC, rowid DESC LIMIT ?')
      .all(sourceArn, max) as unknown as TaskRow[]
    return rows.map((row) => ({
      taskHandle: taskHandle(row.task_id, row.source_arn),
      status: row.status,
      sourceArn: row.source_arn,
      ...(row.destination_arn === null ? {} : { destinationArn: row.destination_arn }),
      ...(row.rate === null ? {} : { maxNumberOfMessagesPerSecond: row.rate }),
      moved: row.moved,
      toMove: row.to_move,
      ...(row.failure === null ? {} : { failureReason: row.failure }),
      startedMs: row.started_ms,
    }))
  }
}
