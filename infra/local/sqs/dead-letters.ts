import type { DatabaseSync } from 'node:sqlite'
import { Option } from 'effect'
import {
  deadLetterReason,
  executionEndFacts,
  parseBody,
  readDeadLetter,
  streamBatchFacts,
} from '../../../contracts/dead-letters'
import type { AnyEvent } from '../../../contracts/envelope'
import type { DeadLetter, DeadLetterQueueView, RedriveOutcome } from '../../console/port'
import { transaction } from '../kernel/db'
import type { LocalQueues, MessageExtras } from './queues'
import type { LocalModel } from '../model/template'

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

interface StoredLetter {
  readonly id: string
  readonly body: string
  readonly sent_at: string
  readonly dead_letter: string | null
  readonly attributes: string | null
}

/** Where a dead letter goes back to, read from what its producer wrote. */
export type DeadLetterOrigin =
  /** SQS moved it here after too many receives: back to that queue, as a new message (StartMessageMoveTask). */
  | { readonly kind: 'queue'; readonly queue: string; readonly reason: string; readonly body: string }
  /** A rule target kept refusing the event: delivered to that target again. */
  | {
      readonly kind: 'target'
      readonly rule: string
      readonly targetArn: string
      readonly event: AnyEvent
      readonly reason: string
    }
  /** A workflow's catch-all sent its event here: the workflow starts again with it. */
  | {
      readonly kind: 'workflow'
      readonly stateMachineArn: string | undefined
      readonly workflow: string
      readonly event: unknown
      readonly reason: string
    }
  /**
   * A pipe gave up on a stream batch: the message says where the records are in the stream, not what they hold, so
   * nothing can be sent back; `instead` says which records to re-read while the stream keeps them.
   */
  | { readonly kind: 'stream-batch'; readonly reason: string; readonly instead: string }
  | { readonly kind: 'unknown'; readonly reason: string }

/** The state machine an execution ARN belongs to (`...:execution:Machine:name` → `...:stateMachine:Machine`). */
const machineOfExecution = (executionArn: unknown): string | undefined => {
  if (typeof executionArn !== 'string') return undefined
  const match = /^(arn:aws:states:[^:]*:[^:]*):execution:([^:]+):[^:]+$/.exec(executionArn)
  return match ? `${match[1]}:stateMachine:${match[2]}` : undefined
}

/** Reads a stored dead letter's origin: the redrive policy's source queue, a rule target's record, or a workflow's record. */
export const originOf = (letter: { readonly body: string; readonly dead_letter: string | null }): DeadLetterOrigin => {
  if (letter.dead_letter) {
    const moved = JSON.parse(letter.dead_letter) as { sourceQueue: string; reason: string }
    return { kind: 'queue', queue: moved.sourceQueue, reason: moved.reason, body: letter.body }
  }
  const read = readDeadLetter(letter.body)
  if (read?.kind === 'stream-batch') {
    const facts = streamBatchFacts(read.letter)
    return { kind: 'stream-batch', reason: facts.reason, instead: facts.instead }
  }
  if (read?.kind === 'execution') {
    // A Standard execution that timed out or was aborted: Step Functions' status change event, sent by a rule.
    const facts = executionEndFacts(read.letter)
    if (Option.isNone(facts.input)) return { kind: 'unknown', reason: facts.reason }
    return {
      kind: 'workflow',
      stateMachineArn: facts.stateMachineArn,
      workflow: facts.stateMachineArn.slice(facts.stateMachineArn.lastIndexOf(':') + 1),
      event: facts.input.value,
      reason: facts.reason,
    }
  }
  if (read?.kind === 'target') {
    const { rule, targetArn, event } = read.letter
    return { kind: 'target', rule: rule ?? '', targetArn, event, reason: deadLetterReason(read.letter) }
  }
  if (read?.kind === 'workflow') {
    const { execution, workflow, event } = read.letter
    return {
      kind: 'workflow',
      stateMachineArn: machineOfExecution(execution),
      workflow,
      event,
      reason: deadLetterReason(read.letter),
    }
  }
  return { kind: 'unknown', reason: 'not a dead letter this pipeline wrote: it names no error' }
}

/** The messages a listing shows per queue; its depth counts them all. */
const ListedMessages = 200

const TerminalFailures = "('FAILED', 'ABORTED', 'TIMED_OUT')"

/**
 * Where a redrive sends dead letters back besides queues: the runtime's workflows and buses. The runtime gives these;
 * the queues know nothing of Step Functions or EventBridge.
 */
export interface RedriveTargets {
  /** StartExecution, inside the redrive's transaction. */
  startExecution(stateMachineArn: string, input: unknown, eventId?: string): string
  /** Starts what the redrive enqueued, once its transaction committed. */
  wake(): void
  readonly busNames: ReadonlyArray<string>
  /** Puts an event on a bus as its AWS service would (a rule target that is a bus). */
  publishServiceEvent(bus: string, event: AnyEvent): void
}

/**
 * The dead-letter queues as `GET /dlq` lists them and SQS's StartMessageMoveTask on the endpoint redrives them (the
 * console and the CLI reach them through SQS, as on AWS). Each message goes back where it came from;
 * the steps are idempotent, so a redrive repeats no side effect. A workflow's dead letter sent back to its
 * workflow owes a new dead letter if that run fails again: the image workflow sends only the first failure of an
 * object version to its DLQ, and a redrive must not make a failure vanish.
 */
export class DeadLetters {
  private readonly machineArns

  constructor(
    private readonly db: DatabaseSync,
    private readonly queues: LocalQueues,
    private readonly targets: RedriveTargets,
    private readonly model: LocalModel,
  ) {
    this.machineArns = new Set(model.stateMachines.map((machine) => machine.arn))
  }

  private get queueNames(): ReadonlyArray<string> {
    return this.queues.names.filter((name) => this.queues.isDeadLetterQueue(name))
  }

  /** The queue's own name for any of the names people use (exact, or ignoring case). */
  resolve(queue: string): string | undefined {
    return (
      this.queueNames.find((name) => name === queue) ??
      this.queueNames.find((name) => name.toLowerCase() === queue.toLowerCase())
    )
  }

  /** Each queue's depth and its oldest messages (up to `shown`), with the reason and the origin of each. */
  list(shown = ListedMessages): ReadonlyArray<DeadLetterQueueView> {
    const depth = this.db.prepare('SELECT COUNT(*) AS n FROM queue_messages WHERE queue = ?')
    return this.queueNames.map((name) => {
      const messages = this.stored(name, shown).map((letter): DeadLetter => {
        const origin = originOf(letter)
        const originName = this.originName(origin)
        return {
          id: letter.id,
          sentAt: letter.sent_at,
          reason: origin.reason,
          ...(originName ? { origin: originName } : {}),
          body: parseBody(letter.body),
        }
      })
      return { name, depth: (depth.get(name) as { n: number }).n, messages }
    })
  }

  /**
   * Sends the messages (all when `ids` is absent) back where they came from, or all to `destinationQueue` when one
   * is named (StartMessageMoveTask's DestinationArn); each one sent is deleted here, in the same transaction.
   */
  redrive(queueName: string, ids?: ReadonlyArray<string>, destinationQueue?: string): RedriveOutcome {
    const queue = this.resolve(queueName)
    if (!queue)
      throw new UnknownDeadLetterQueue(
        `queue: no dead-letter queue named ${queueName} (queues: ${this.queueNames.join(', ')})`,
      )
    const letters = this.stored(queue)
    const chosen = ids ? letters.filter((letter) => ids.includes(letter.id)) : letters
    const failed: Array<{ id: string; reason: string }> = (ids ?? [])
      .filter((id) => !letters.some((letter) => letter.id === id))
      .map((id) => ({ id, reason: `no message ${id} in ${queue}` }))
    let redriven = 0
    for (const letter of chosen) {
      try {
        transaction(this.db, () => {
          if (destinationQueue === undefined) this.sendBack(queue, letter)
          else this.queues.send(destinationQueue, letter.body, extrasOf(letter))
          this.db.prepare('DELETE FROM queue_messages WHERE queue = ? AND id = ?').run(queue, letter.id)
        })
        redriven += 1
      } catch (error) {
        failed.push({ id: letter.id, reason: error instanceof Error ? error.message : String(error) })
      }
    }
    this.targets.wake()
    return { queue, redriven, failed }
  }

  /**
   * Settles workflow runs started by a redrive once they end: a run that failed without sending its own dead
   * letter gets one, with its new error and cause. Returns how many runs are still awaited.
   */
  settle(): number {
    const ended = this.db
      .prepare(
        `SELECT r.execution_arn, r.queue, r.body, e.error, e.cause FROM dead_letter_redrives r
      JOIN executions e ON e.arn = r.execution_arn WHERE e.status NOT IN ('PENDING', 'RUNNING') LIMIT 100`,
      )
      .all() as Array<{
      execution_arn: string
      queue: string
      body: string
      error: string | null
      cause: string | null
    }>
    for (const run of ended) {
      transaction(this.db, () => {
        const failed =
          this.db
            .prepare(`SELECT 1 FROM executions WHERE arn = ? AND status IN ${TerminalFailures}`)
            .get(run.execution_arn) !== undefined
        const sentItsOwn =
          this.db
            .prepare('SELECT 1 FROM queue_messages WHERE queue = ? AND instr(body, ?) > 0')
            .get(run.queue, JSON.stringify(run.execution_arn)) !== undefined
        if (failed && !sentItsOwn) {
          const body = {
            ...(JSON.parse(run.body) as Json),
            execution: run.execution_arn,
            error: run.error ?? 'States.Runtime',
            cause: run.cause ?? '',
          }
          this.queues.send(run.queue, JSON.stringify(body))
        }
        this.db.prepare('DELETE FROM dead_letter_redrives WHERE execution_arn = ?').run(run.execution_arn)
      })
    }
    return (this.db.prepare('SELECT COUNT(*) AS n FROM dead_letter_redrives').get() as { n: number }).n
  }

  private stored(queue: string, limit = -1): ReadonlyArray<StoredLetter> {
    return this.db
      .prepare(
        'SELECT id, body, sent_at, dead_letter, attributes FROM queue_messages WHERE queue = ? ORDER BY seq LIMIT ?',
      )
      .all(queue, limit) as unknown as StoredLetter[]
  }

  private originName(origin: DeadLetterOrigin): string | undefined {
    switch (origin.kind) {
      case 'queue':
        return origin.queue
      case 'target':
        return `${origin.targetArn.slice(origin.targetArn.lastIndexOf(':') + 1)} (rule ${origin.rule})`
      case 'workflow': {
        const machine = this.workflowMachine(origin)
        return machine ? machine.slice(machine.lastIndexOf(':') + 1) : origin.workflow
      }
      case 'stream-batch':
        return origin.instead
      default:
        return undefined
    }
  }

  private workflowMachine(origin: Extract<DeadLetterOrigin, { kind: 'workflow' }>): string | undefined {
    if (origin.stateMachineArn && this.machineArns.has(origin.stateMachineArn)) return origin.stateMachineArn
    return this.model.stateMachines.find((machine) => machine.workflow === origin.workflow)?.arn
  }

  private sendBack(queue: string, letter: StoredLetter): void {
    const origin = originOf(letter)
    switch (origin.kind) {
      case 'queue':
        // Back to its source queue as a new message, with its attributes, as SQS's redrive moves it.
        this.queues.send(origin.queue, origin.body, extrasOf(letter))
        return
      case 'target': {
        const { targetArn, event } = origin
        const bus = this.targets.busNames.find((name) => targetArn.endsWith(`:event-bus/${name}`))
        if (bus) this.targets.publishServiceEvent(bus, event)
        else if (targetArn.startsWith('arn:aws:states:')) this.targets.startExecution(targetArn, event, event.id)
        else if (targetArn.startsWith('arn:aws:sqs:')) this.queues.send(targetArn, JSON.stringify(event))
        else throw new Error(`target ${targetArn} is not a kind the local runtime can invoke`)
        return
      }
      case 'workflow': {
        const machine = this.workflowMachine(origin)
        if (!machine) throw new Error(`workflow ${origin.workflow} does not exist`)
        const eventId = isObject(origin.event) && typeof origin.event.id === 'string' ? origin.event.id : undefined
        const executionArn = this.targets.startExecution(machine, origin.event, eventId)
        this.db
          .prepare('INSERT INTO dead_letter_redrives (execution_arn, queue, body) VALUES (?, ?, ?)')
          .run(executionArn, queue, letter.body)
        return
      }
      case 'stream-batch':
        throw new Error(origin.instead)
      default:
        throw new Error(`not a dead letter the local runtime knows where to send back (${origin.reason})`)
    }
  }
}

/** A stored message's attributes, to send on with it. */
const extrasOf = (letter: StoredLetter): MessageExtras =>
  letter.attributes ? (JSON.parse(letter.attributes) as MessageExtras) : {}

export class UnknownDeadLetterQueue extends Error {
  override readonly name = 'UnknownDeadLetterQueue'
}
