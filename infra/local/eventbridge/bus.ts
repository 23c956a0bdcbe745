import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import type { AnyEvent, PutEventsEntry } from '../../../contracts/envelope'
import { TargetDeadLetter } from '../../../contracts/dead-letters'
import { transaction } from '../kernel/db'
import { compilePattern } from './pattern'
import { LocalAccount, LocalRegion, type LocalModel } from '../model/template'

/** A PutEvents answer (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): one result per entry, in order. */
export interface PutEventsResult {
  readonly FailedEntryCount: number
  readonly Entries: ReadonlyArray<{
    readonly EventId?: string
    readonly ErrorCode?: string
    readonly ErrorMessage?: string
  }>
}

/** Where a rule's matched events go: the local runtime wires state machines, buses and queues in. */
export interface TargetDispatcher {
  /** Starts an execution for the event inside the caller's transaction; throws when the target cannot take it. */
  readonly startExecution: (stateMachineArn: string, event: AnyEvent) => void
  readonly sendToQueue: (queueArn: string, body: string) => void
}

/** How the bus retries a target that refused an event, as EventBridge does before giving up to the target's DLQ. */
export interface TargetRetryOptions {
  /** The first retry's delay; each next one doubles it, with full jitter, up to a minute. */
  readonly baseDelayMs: number
}

type RuleTarget = LocalModel['rules'][number]['targets'][number]

export class PutEventsValidation extends Error {
  override readonly name = 'ValidationException'
}

interface DeliveryRow {
  readonly id: number
  readonly rule: string
  readonly target: string
  readonly event: string
  readonly attempts: number
  readonly first_at_ms: number
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

const MaxEntries = 10
const MaxBatchBytes = 256 * 1024

const entrySize = (entry: PutEventsEntry) =>
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((sum, resource) => sum + Buffer.byteLength(resource), 0) +
  (entry.Time ? 14 : 0)

const entryError = (entry: PutEventsEntry): { ErrorCode: string; ErrorMessage: string } | undefined => {
  if (typeof entry.Source !== 'string' || entry.Source === '')
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    }
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '')
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    }
  if (typeof entry.Detail !== 'string' || entry.Detail === '')
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
    }
  try {
    const detail: unknown = JSON.parse(entry.Detail)
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) throw new Error('not an object')
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }
  }
  return undefined
}

/**
 * The local EventBridge: buses, rules and archives read from the synthesized template. An accepted event is
 * logged (and archived when an archive's pattern matches and it is not a replay) in the same transaction that
 * starts its targets, so an acknowledged event is never lost and never half-delivered.
 */
export class LocalBus {
  private readonly rules
  private readonly archives
  private readonly busArns: ReadonlyMap<string, string>
  private readonly listeners = new Set<(event: AnyEvent, bus: string) => void>()

  constructor(
    private readonly db: DatabaseSync,
    model: LocalModel,
    private readonly targets: TargetDispatcher,
    private readonly retry: TargetRetryOptions = { baseDelayMs: 1000 },
  ) {
    this.busArns = new Map(model.buses.map((bus) => [bus.arn, bus.name]))
    this.rules = model.rules.map((rule) => ({ ...rule, matches: compilePattern(rule.pattern) }))
    this.archives = model.archives.map((archive) => ({
      ...archive,
      bus: this.busArns.get(archive.busArn) ?? archive.busArn,
      matches: archive.pattern ? compilePattern(archive.pattern) : () => true,
    }))
  }

  get busNames(): ReadonlyArray<string> {
    return [...this.busArns.values()]
  }

  /** The rules as the API lists them: name, bus, pattern and targets. */
  get ruleList() {
    return this.rules.map(({ name, bus, pattern, targets }) => ({
      name,
      bus,
      pattern,
      targets: targets.map(({ id, arn }) => ({ id, arn })),
    }))
  }

  /** The archives, with the bus each one records. */
  get archiveList() {
    return this.archives.map(({ name, bus, pattern, retentionDays }) => ({ name, bus, pattern, retentionDays }))
  }

  /** Called after an event is committed: the console and tests watch the bus through this. */
  onEvent(listener: (event: AnyEvent, bus: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** PutEvents: validates like EventBridge and answers per entry instead of failing the batch. */
  putEvents(entries: ReadonlyArray<PutEventsEntry>): PutEventsResult {
    if (entries.length === 0 || entries.length > MaxEntries)
      throw new PutEventsValidation(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MaxEntries}`,
      )
    const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0)
    if (total > MaxBatchBytes)
      throw new PutEventsValidation(
        `Total size of the entries in the request is over the limit of ${MaxBatchBytes} bytes`,
      )
    const delivered: Array<[AnyEvent, string]> = []
    const results = transaction(this.db, () =>
      entries.map((entry) => {
        const error = entryError(entry)
        if (error) return error
        const bus = this.resolveBus(entry.EventBusName ?? 'default')
        if (!bus)
          return {
            ErrorCode: 'ResourceNotFoundException',
            ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
          }
        const event: AnyEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': entry.DetailType,
          source: entry.Source,
          account: LocalAccount,
          time: entry.Time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: LocalRegion,
          resources: [...(entry.Resources ?? [])],
          detail: JSON.parse(entry.Detail),
        }
        this.deliver(bus, event, delivered)
        return { EventId: event.id }
      }),
    )
    this.announce(delivered)
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results }
  }

  /** Puts an event an AWS service emits itself (S3's `Object Created`), skipping PutEvents' client checks. */
  publishServiceEvent(busName: string, event: AnyEvent): void {
    const delivered: Array<[AnyEvent, string]> = []
    transaction(this.db, () => this.deliver(busName, event, delivered))
    this.announce(delivered)
  }

  /**
   * Re-delivers an archived event to a bus; it carries `replay-name` and is not archived again. `alongside` runs in
   * the same transaction (a replay records its progress there, so a crash neither skips nor repeats an event).
   */
  replay(
    busName: string,
    event: AnyEvent,
    replayName: string,
    ruleNames?: ReadonlyArray<string>,
    alongside?: () => void,
  ): void {
    const delivered: Array<[AnyEvent, string]> = []
    transaction(this.db, () => {
      this.deliver(busName, { ...event, 'replay-name': replayName }, delivered, ruleNames)
      alongside?.()
    })
    this.announce(delivered)
  }

  /**
   * Retries the deliveries that are due. A delivery that keeps failing past the target's maximum attempts or
   * event age goes to the target's DLQ with the last error (or is dropped, as EventBridge drops it, when the
   * target has none). Returns how many deliveries are still waiting.
   */
  retryDueDeliveries(now = Date.now()): number {
    const due = this.db
      .prepare('SELECT * FROM deliveries WHERE next_at_ms <= ? ORDER BY next_at_ms LIMIT 100')
      .all(now) as unknown as DeliveryRow[]
    for (const row of due) {
      const event = JSON.parse(row.event) as AnyEvent
      const target = JSON.parse(row.target) as RuleTarget
      transaction(this.db, () => {
        try {
          this.invoke(target, event, [])
          this.db.prepare('DELETE FROM deliveries WHERE id = ?').run(row.id)
        } catch (error) {
          const attempts = row.attempts + 1
          const message = errorMessage(error)
          const expired = now - row.first_at_ms >= target.maximumEventAgeSeconds * 1000
          if (attempts > target.maximumRetryAttempts || expired) {
            this.db.prepare('DELETE FROM deliveries WHERE id = ?').run(row.id)
            this.deadLetter(row.rule, target, event, message, attempts)
          } else {
            this.db
              .prepare('UPDATE deliveries SET attempts = ?, next_at_ms = ?, last_error = ? WHERE id = ?')
              .run(attempts, now + this.backoff(attempts), message, row.id)
          }
        }
      })
    }
    return (this.db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n
  }

  /** When the next retry of a delivery is due, in ms from now: exponential, full jitter, capped at a minute. */
  private backoff(attempts: number): number {
    return Math.random() * Math.min(60_000, this.retry.baseDelayMs * 2 ** (attempts - 1))
  }

  private resolveBus(nameOrArn: string): string | undefined {
    const name = this.busArns.get(nameOrArn) ?? nameOrArn
    return [...this.busArns.values()].includes(name) ? name : undefined
  }

  private deliver(
    bus: string,
    event: AnyEvent,
    delivered: Array<[AnyEvent, string]>,
    ruleNames?: ReadonlyArray<string>,
  ): void {
    const replayed = event['replay-name'] !== undefined
    const archive = replayed
      ? undefined
      : this.archives.find((candidate) => candidate.bus === bus && candidate.matches(event))
    const timeMs = Date.parse(event.time)
    this.db
      .prepare(
        'INSERT INTO events (id, bus, time, time_ms, source, detail_type, archive, replay_name, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        event.id,
        bus,
        event.time,
        Number.isNaN(timeMs) ? Date.now() : timeMs,
        event.source,
        event['detail-type'],
        archive?.name ?? null,
        event['replay-name'] ?? null,
        JSON.stringify(event),
      )
    delivered.push([event, bus])
    for (const rule of this.rules) {
      if (rule.bus !== bus || (ruleNames && !ruleNames.includes(rule.name)) || !rule.matches(event)) continue
      for (const target of rule.targets) this.dispatch(rule.name, target, event, delivered)
    }
  }

  private dispatch(ruleName: string, target: RuleTarget, event: AnyEvent, delivered: Array<[AnyEvent, string]>): void {
    try {
      this.invoke(target, event, delivered)
    } catch (error) {
      // A target that cannot take the event now: retried later under its retry policy, then dead-lettered.
      if (target.maximumRetryAttempts > 0) {
        const now = Date.now()
        this.db
          .prepare(
            'INSERT INTO deliveries (rule, target, event, attempts, first_at_ms, next_at_ms, last_error) VALUES (?, ?, ?, 1, ?, ?, ?)',
          )
          .run(ruleName, JSON.stringify(target), JSON.stringify(event), now, now + this.backoff(1), errorMessage(error))
      } else {
        this.deadLetter(ruleName, target, event, errorMessage(error), 1)
      }
    }
  }

  private invoke(target: RuleTarget, event: AnyEvent, delivered: Array<[AnyEvent, string]>): void {
    const forwardTo = this.busArns.get(target.arn)
    if (forwardTo) this.deliver(forwardTo, event, delivered)
    else if (target.arn.startsWith('arn:aws:states:')) this.targets.startExecution(target.arn, event)
    else if (target.arn.startsWith('arn:aws:sqs:')) this.targets.sendToQueue(target.arn, JSON.stringify(event))
    else throw new Error(`Target ${target.arn} is not a kind the local runtime can invoke`)
  }

  /** The target's DLQ gets the event with the reason, as EventBridge's ERROR_CODE / ERROR_MESSAGE attributes give it. */
  private deadLetter(ruleName: string, target: RuleTarget, event: AnyEvent, message: string, attempts: number): void {
    if (!target.deadLetterArn) {
      console.error(
        `Rule ${ruleName} dropped event ${event.id}: target ${target.arn} failed ${attempts} time(s) and has no DLQ (${message})`,
      )
      return
    }
    this.targets.sendToQueue(
      target.deadLetterArn,
      JSON.stringify(
        TargetDeadLetter.make({
          rule: ruleName,
          target: target.id,
          targetArn: target.arn,
          error: 'TargetInvocationFailed',
          cause: message,
          attempts,
          event,
        }),
      ),
    )
  }

  private announce(delivered: ReadonlyArray<[AnyEvent, string]>): void {
    for (const [event, bus] of delivered) for (const listener of this.listeners) listener(event, bus)
  }
}
