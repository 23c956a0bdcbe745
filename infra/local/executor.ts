import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions'
import { transaction } from './db'
import { historyRecorder, HistoryWriter, taskResources } from './history'
import type { Integrations } from './integrations'
import { taskOverrides } from './integrations'
import type { LocalStateMachine } from './template'

export type ExecutionStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED'

export interface ExecutionRow {
  readonly arn: string
  readonly name: string
  readonly state_machine: string
  readonly workflow: string
  readonly status: ExecutionStatus
  readonly subject: string | null
  readonly input: string
  readonly output: string | null
  readonly error: string | null
  readonly cause: string | null
  readonly event_id: string | null
  readonly created_at: string
  readonly start_date: string | null
  readonly stop_date: string | null
}

/** The object key or business id an execution is about (image key, order id, user id), so users can find executions by it. */
const subjectOf = (input: unknown): string | null => {
  const detail = (input as { detail?: Record<string, unknown> } | null)?.detail
  if (!detail) return null
  const candidates = [
    (detail.object as { key?: unknown } | undefined)?.key,
    detail.orderId,
    (detail.order as { orderId?: unknown } | undefined)?.orderId,
    ...['newImage', 'oldImage'].flatMap((image) => {
      const item = detail[image] as { orderId?: unknown; userId?: unknown } | undefined
      return [item?.orderId, item?.userId]
    }),
  ]
  const subject = candidates.find((candidate) => typeof candidate === 'string')
  return typeof subject === 'string' ? subject : null
}

interface LoadedMachine {
  readonly info: LocalStateMachine
  readonly machine: StateMachine
  readonly overrides: ReturnType<typeof taskOverrides>
  readonly resources: ReadonlyMap<string, string | undefined>
}

/**
 * Runs the synthesized state machines with aws-local-stepfunctions. Executions are rows first (PENDING, in
 * the transaction that accepted their event) and run by a bounded pool; one interrupted by a crash is run
 * again from the start on the next boot, which the idempotent steps make safe.
 */
export class Executor {
  private readonly machines = new Map<string, LoadedMachine>()
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>()
  private readonly idleWaiters: Array<() => void> = []
  private stopping = false
  private pumping = false
  private readonly history: HistoryWriter

  constructor(private readonly db: DatabaseSync, stateMachines: ReadonlyArray<LocalStateMachine>, integrations: Integrations, private readonly concurrency: number) {
    this.history = new HistoryWriter(db)
    for (const info of stateMachines) {
      const definition = info.definition as unknown as StateMachineDefinition
      // aws-local-stepfunctions annotates the definition it is given: hand it a copy, keep the synthesized one intact.
      // A JSON copy, not structuredClone: under jest's VM realm a structured clone's objects fail the library's plain-object check.
      this.machines.set(info.arn, { info, machine: new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition), overrides: taskOverrides(definition, integrations), resources: taskResources(definition) })
    }
  }

  get stateMachines(): ReadonlyArray<LocalStateMachine> {
    return [...this.machines.values()].map((loaded) => loaded.info)
  }

  /** StartExecution, inside the caller's transaction: the run itself starts once the row is committed and `wake` is called. */
  enqueue(stateMachineArn: string, input: unknown, eventId?: string): string {
    const loaded = this.machines.get(stateMachineArn)
    if (!loaded) throw new Error(`State machine ${stateMachineArn} does not exist`)
    const name = randomUUID()
    const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`
    this.db.prepare(`INSERT INTO executions (arn, name, state_machine, workflow, status, subject, input, event_id, created_at)
      VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)`).run(arn, name, stateMachineArn, loaded.info.workflow, subjectOf(input), JSON.stringify(input), eventId ?? null, new Date().toISOString())
    queueMicrotask(() => this.wake())
    return arn
  }

  /** On boot: executions a crash interrupted start over (their history is rewritten by the new run). */
  recover(): number {
    const result = transaction(this.db, () => {
      this.db.prepare("DELETE FROM history WHERE execution_arn IN (SELECT arn FROM executions WHERE status = 'RUNNING')").run()
      return this.db.prepare("UPDATE executions SET status = 'PENDING', start_date = NULL WHERE status = 'RUNNING'").run()
    })
    this.wake()
    return Number(result.changes)
  }

  wake(): void {
    if (this.pumping || this.stopping) return
    this.pumping = true
    try {
      while (this.running.size < this.concurrency) {
        const next = this.db.prepare("SELECT * FROM executions WHERE status = 'PENDING' ORDER BY created_at, rowid LIMIT 1").get() as ExecutionRow | undefined
        if (!next) break
        this.db.prepare("UPDATE executions SET status = 'RUNNING', start_date = ? WHERE arn = ?").run(new Date().toISOString(), next.arn)
        this.launch(next)
      }
    } finally {
      this.pumping = false
    }
    if (this.running.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve())
  }

  /** Resolves once nothing is pending or running: tests and `drain` wait on it. */
  idle(): Promise<void> {
    const pending = this.db.prepare("SELECT COUNT(*) AS n FROM executions WHERE status IN ('PENDING', 'RUNNING')").get() as { n: number }
    if (pending.n === 0 && this.running.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Stops taking work; runs still going after `graceMs` are aborted and stay RUNNING, to be run again on the next boot. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true
    const all = Promise.all([...this.running.values()].map((run) => run.done))
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref())
    if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'timeout') {
      for (const run of this.running.values()) run.abort()
    }
    this.history.flush()
  }

  private launch(row: ExecutionRow): void {
    const loaded = this.machines.get(row.state_machine)
    if (!loaded) {
      this.finish(row.arn, { status: 'FAILED', error: 'States.Runtime', cause: `State machine ${row.state_machine} no longer exists` })
      return
    }
    const input = JSON.parse(row.input) as never
    const startTime = new Date().toISOString()
    const execution = loaded.machine.run(input, {
      overrides: loaded.overrides,
      noThrowOnAbort: true,
      context: {
        Execution: { Id: row.arn, Name: row.name, StartTime: startTime, Input: input, RoleArn: `arn:aws:iam::000000000000:role/${loaded.info.name}Role` },
        StateMachine: { Id: loaded.info.arn, Name: loaded.info.name },
      },
    })
    const recorder = historyRecorder(this.history, row.arn, loaded.resources)
    const done = (async () => {
      const logs = (async () => { for await (const log of execution.eventLogs) recorder.record(log) })()
      try {
        const output = await execution.result
        await logs
        if (this.stopping && output === null) return // aborted at shutdown: stays RUNNING for the next boot
        this.finish(row.arn, { status: 'SUCCEEDED', output: JSON.stringify(output) })
      } catch (error) {
        await logs.catch(() => undefined)
        const failure = recorder.failure ?? { error: error instanceof ExecutionError ? 'States.Runtime' : 'States.Runtime', cause: error instanceof Error ? error.message : String(error) }
        this.finish(row.arn, { status: 'FAILED', ...failure })
      }
    })().finally(() => {
      this.running.delete(row.arn)
      this.wake()
    })
    this.running.set(row.arn, { abort: execution.abort, done })
  }

  private finish(arn: string, outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string }): void {
    // The whole history lands before the final status does.
    this.history.flush()
    this.db.prepare('UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ? WHERE arn = ?')
      .run(outcome.status, outcome.output ?? null, outcome.error ?? null, outcome.cause ?? null, new Date().toISOString(), arn)
  }
}
