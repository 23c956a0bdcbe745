import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import type { AnyEvent } from '../../../contracts/envelope'
import type { ReplayState } from '../../../contracts/replays'
import type { LocalBus } from './bus'

/** A replay as the API shows it (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeReplay.html). */
export interface ReplayView {
  readonly name: string
  readonly archive: string
  readonly from: string
  readonly to: string
  readonly rules: ReadonlyArray<string> | null
  readonly state: ReplayState
  readonly total: number
  readonly replayed: number
  readonly startedAt: string
  readonly endedAt?: string
  readonly reason?: string
}

interface ReplayRow {
  readonly name: string
  readonly archive: string
  readonly bus: string
  readonly from_ms: number
  readonly to_ms: number
  readonly rules: string | null
  readonly state: ReplayState
  readonly total: number
  readonly replayed: number
  readonly position: number
  readonly reason: string | null
  readonly started_at: string
  readonly ended_at: string | null
}

/** A request EventBridge would refuse: the API answers 400 (409 for a name in use, 404 for an unknown replay). */
export class ReplayRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const view = (row: ReplayRow): ReplayView => ({
  name: row.name,
  archive: row.archive,
  from: new Date(row.from_ms).toISOString(),
  to: new Date(row.to_ms).toISOString(),
  rules: row.rules ? (JSON.parse(row.rules) as string[]) : null,
  state: row.state,
  total: row.total,
  replayed: row.replayed,
  startedAt: row.started_at,
  ...(row.ended_at ? { endedAt: row.ended_at } : {}),
  ...(row.reason ? { reason: row.reason } : {}),
})

const BatchSize = 50

/**
 * StartReplay over the local archive: re-delivers the archived events whose time falls in [from, to) to the
 * archive's bus, all rules or the named ones, oldest first, each carrying `replay-name`. Progress is stored in
 * the transaction that delivers each event, so a replay interrupted by a crash resumes where it stopped.
 */
export class Replayer {
  private readonly running = new Map<string, Promise<void>>()
  private stopped = false

  constructor(
    private readonly db: DatabaseSync,
    private readonly bus: LocalBus,
  ) {}

  start(request: {
    name?: string
    from: string
    to: string
    rules?: ReadonlyArray<string>
    archive?: string
  }): ReplayView {
    const fromMs = Date.parse(request.from)
    const toMs = Date.parse(request.to)
    if (Number.isNaN(fromMs)) throw new ReplayRequestError(400, 'ValidationException', 'from: must be an ISO 8601 time')
    if (Number.isNaN(toMs)) throw new ReplayRequestError(400, 'ValidationException', 'to: must be an ISO 8601 time')
    if (fromMs >= toMs) throw new ReplayRequestError(400, 'ValidationException', 'from: must be before to')
    if (toMs > Date.now() + 1000)
      throw new ReplayRequestError(400, 'ValidationException', 'to: must not be in the future')
    const archives = this.bus.archiveList
    const archive = request.archive ? archives.find((candidate) => candidate.name === request.archive) : archives[0]
    if (!archive)
      throw new ReplayRequestError(
        400,
        'ResourceNotFoundException',
        request.archive ? `archive: ${request.archive} does not exist` : 'archive: this pipeline has no archive',
      )
    const known = new Set(this.bus.ruleList.filter((rule) => rule.bus === archive.bus).map((rule) => rule.name))
    const unknown = (request.rules ?? []).filter((rule) => !known.has(rule))
    if (unknown.length > 0)
      throw new ReplayRequestError(
        400,
        'ValidationException',
        `rules: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a rule' : 'are not rules'} of bus ${archive.bus} (known: ${[...known].join(', ')})`,
      )
    const name = request.name ?? `replay-${randomUUID().slice(0, 8)}`
    if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name))
      throw new ReplayRequestError(400, 'ValidationException', 'name: 1 to 64 letters, digits, ".", "-" or "_"')
    const total = (
      this.db
        .prepare('SELECT COUNT(*) AS n FROM events WHERE archive = ? AND time_ms >= ? AND time_ms < ?')
        .get(archive.name, fromMs, toMs) as { n: number }
    ).n
    try {
      this.db
        .prepare(
          `INSERT INTO replays (name, archive, bus, from_ms, to_ms, rules, state, total, started_at) VALUES (?, ?, ?, ?, ?, ?, 'STARTING', ?, ?)`,
        )
        .run(
          name,
          archive.name,
          archive.bus,
          fromMs,
          toMs,
          request.rules && request.rules.length > 0 ? JSON.stringify(request.rules) : null,
          total,
          new Date().toISOString(),
        )
    } catch {
      throw new ReplayRequestError(409, 'ResourceAlreadyExistsException', `name: a replay named ${name} already exists`)
    }
    this.launch(name)
    return this.get(name)!
  }

  get(name: string): ReplayView | undefined {
    const row = this.row(name)
    return row && view(row)
  }

  list(): ReadonlyArray<ReplayView> {
    return (this.db.prepare('SELECT * FROM replays ORDER BY started_at DESC').all() as unknown as ReplayRow[]).map(view)
  }

  /** CancelReplay: a replay that has not ended stops before its next event. */
  cancel(name: string): ReplayView {
    const row = this.row(name)
    if (!row) throw new ReplayRequestError(404, 'ResourceNotFoundException', `No replay named ${name}`)
    if (row.state !== 'STARTING' && row.state !== 'RUNNING')
      throw new ReplayRequestError(409, 'IllegalStatusException', `Replay ${name} already ended ${row.state}`)
    this.end(name, 'CANCELLED', 'Cancelled by request')
    return this.get(name)!
  }

  /** On boot: replays a crash interrupted carry on from their stored position. */
  resume(): void {
    const rows = this.db.prepare("SELECT name FROM replays WHERE state IN ('STARTING', 'RUNNING')").all() as Array<{
      name: string
    }>
    for (const { name } of rows) this.launch(name)
  }

  /** Resolves when every replay this process runs has ended or paused for shutdown. */
  async stop(): Promise<void> {
    this.stopped = true
    await Promise.all(this.running.values())
  }

  /** Resolves once the named replay's loop has finished (tests and the CLI's `--wait` rely on its state instead). */
  settled(name: string): Promise<void> {
    return this.running.get(name) ?? Promise.resolve()
  }

  private row(name: string): ReplayRow | undefined {
    return this.db.prepare('SELECT * FROM replays WHERE name = ?').get(name) as ReplayRow | undefined
  }

  private end(name: string, state: ReplayState, reason?: string): void {
    this.db
      .prepare(
        "UPDATE replays SET state = ?, reason = ?, ended_at = ? WHERE name = ? AND state IN ('STARTING', 'RUNNING')",
      )
      .run(state, reason ?? null, new Date().toISOString(), name)
  }

  private launch(name: string): void {
    const run = this.run(name)
      .catch((error: unknown) => this.end(name, 'FAILED', error instanceof Error ? error.message : String(error)))
      .finally(() => this.running.delete(name))
    this.running.set(name, run)
  }

  private async run(name: string): Promise<void> {
    this.db.prepare("UPDATE replays SET state = 'RUNNING' WHERE name = ? AND state = 'STARTING'").run(name)
    const advance = this.db.prepare('UPDATE replays SET position = ?, replayed = replayed + 1 WHERE name = ?')
    for (;;) {
      // Yield between batches: the server keeps answering while a long replay runs.
      await new Promise((resolve) => setImmediate(resolve))
      const replay = this.row(name)
      if (!replay || replay.state !== 'RUNNING' || this.stopped) return
      const batch = this.db
        .prepare(
          'SELECT seq, event FROM events WHERE archive = ? AND time_ms >= ? AND time_ms < ? AND seq > ? ORDER BY seq LIMIT ?',
        )
        .all(replay.archive, replay.from_ms, replay.to_ms, replay.position, BatchSize) as Array<{
        seq: number
        event: string
      }>
      if (batch.length === 0) return this.end(name, 'COMPLETED')
      const rules = replay.rules ? (JSON.parse(replay.rules) as string[]) : undefined
      for (const { seq, event } of batch) {
        if (this.row(name)?.state !== 'RUNNING') return
        this.bus.replay(replay.bus, JSON.parse(event) as AnyEvent, name, rules, () => advance.run(seq, name))
      }
    }
  }
}
