import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions'
import { executionSubject } from '../../console/subject'
import { transaction } from '../kernel/db'
import { commitGroup, holdGroup } from '../kernel/group-commit'
import { historyRecorder, HistoryWriter, readHistory, taskResources } from './history'
import { resumePoint } from './resume-point'
import type { Integrations } from './integrations'
import { taskOverrides } from './integrations'
import type { AslDefinition } from '../model/asl'
import { scaledRetryIntervals } from './retry-scale'
import type { LocalStateMachine } from '../model/template'

export type ExecutionStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'

/**
 * Told of every execution that ends, with its final row, inside the transaction that records the end: the runtime
 * turns it into Step Functions' "Execution Status Change" event (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html).
 * Whatever engine runs the executions calls it, timeouts and aborts included.
 */
export type ExecutionEndListener = (execution: ExecutionRow) => void

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
  /** RedriveExecution's bookkeeping: how often, when last, and where and with what input the run resumes. */
  readonly redrive_count?: number
  readonly redrive_date?: string | null
  readonly redrive_from?: string | null
  readonly redrive_input?: string | null
  /** The id of the latest ExecutionRedriven history event: what a redriven run's history continues from. */
  readonly redrive_event_id?: number | null
}

/** RedriveExecution's refusal for an execution that did not end unsuccessfully. */
export class ExecutionNotRedrivable extends Error {
  override readonly name = 'ExecutionNotRedrivable'
}

export class ExecutionDoesNotExist extends Error {
  override readonly name = 'ExecutionDoesNotExist'
}

/** The statuses RedriveExecution accepts (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html). */
export const RedrivableStatuses: ReadonlyArray<string> = ['FAILED', 'ABORTED', 'TIMED_OUT']

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
  /** While runs are going, their writes of one loop turn share one commit (`group-commit.ts`). */
  private releaseGroup: (() => void) | undefined
  private readonly history: HistoryWriter
  /** Copies of the definitions starting at a redriven state, by machine ARN and state. */
  private readonly resumingMachines = new Map<string, StateMachine>()

  /** `retryScale` (PIPELINE_RETRY_SCALE) shrinks every Retry wait, so fault-injection runs do not sleep for real. */
  constructor(
    private readonly db: DatabaseSync,
    stateMachines: ReadonlyArray<LocalStateMachine>,
    integrations: Integrations,
    private readonly concurrency: number,
    retryScale?: number,
    private readonly onEnded?: ExecutionEndListener,
  ) {
    this.history = new HistoryWriter(db)
    for (const info of stateMachines) {
      const definition = info.definition as unknown as StateMachineDefinition
      // aws-local-stepfunctions annotates the definition it is given: hand it a copy, keep the synthesized one intact.
      // A JSON copy, not structuredClone: under jest's VM realm a structured clone's objects fail the library's plain-object check.
      this.machines.set(info.arn, {
        info,
        machine: new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition),
        overrides: {
          ...taskOverrides(definition, integrations),
          ...(retryScale === undefined
            ? {}
            : {
                retryIntervalOverrides: scaledRetryIntervals(info.definition as unknown as AslDefinition, retryScale),
              }),
        },
        resources: taskResources(definition),
      })
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
    this.db
      .prepare(
        `INSERT INTO executions (arn, name, state_machine, workflow, status, subject, input, event_id, created_at)
      VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)`,
      )
      .run(
        arn,
        name,
        stateMachineArn,
        loaded.info.workflow,
        executionSubject(input) ?? null,
        JSON.stringify(input),
        eventId ?? null,
        new Date().toISOString(),
      )
    queueMicrotask(() => this.wake())
    return arn
  }

  /**
   * RedriveExecution (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html): the same
   * execution runs again from the top-level state it failed in, with the input that state received; the states
   * that succeeded are not run again. Its history continues with ExecutionRedriven and redriveCount grows by one.
   */
  redrive(executionArn: string): void {
    transaction(this.db, () => {
      const row = this.db.prepare('SELECT * FROM executions WHERE arn = ?').get(executionArn) as
        ExecutionRow | undefined
      if (!row) throw new ExecutionDoesNotExist(`Execution does not exist: ${executionArn}`)
      if (!RedrivableStatuses.includes(row.status))
        throw new ExecutionNotRedrivable(
          `Execution ${row.name} is ${row.status}: only FAILED, ABORTED or TIMED_OUT executions can be redriven`,
        )
      const loaded = this.machines.get(row.state_machine)
      if (!loaded) throw new ExecutionNotRedrivable(`State machine ${row.state_machine} no longer exists`)
      this.history.flush()
      const resume = resumePoint(loaded.info.definition, readHistory(this.db, row.arn), row.input)
      const last = (
        this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM history WHERE execution_arn = ?').get(row.arn) as {
          id: number
        }
      ).id
      const now = new Date().toISOString()
      const redriveCount = (row.redrive_count ?? 0) + 1
      this.db
        .prepare(
          'INSERT INTO history (execution_arn, id, previous_id, timestamp, type, details) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          row.arn,
          last + 1,
          last,
          now,
          'ExecutionRedriven',
          JSON.stringify({ executionRedrivenEventDetails: { redriveCount } }),
        )
      this.db
        .prepare(
          `UPDATE executions SET status = 'PENDING', output = NULL, error = NULL, cause = NULL, stop_date = NULL,
        redrive_count = ?, redrive_date = ?, redrive_from = ?, redrive_input = ?, redrive_event_id = ? WHERE arn = ?`,
        )
        .run(redriveCount, now, resume.state, resume.input, last + 1, row.arn)
    })
    this.wake()
  }

  /** On boot: executions a crash interrupted start over (their history is rewritten by the new run); a redriven one resumes its redrive. */
  recover(): number {
    const result = transaction(this.db, () => {
      this.db
        .prepare(
          "DELETE FROM history WHERE execution_arn IN (SELECT arn FROM executions WHERE status = 'RUNNING') AND id > COALESCE((SELECT redrive_event_id FROM executions WHERE arn = history.execution_arn), 0)",
        )
        .run()
      return this.db
        .prepare(
          "UPDATE executions SET status = 'PENDING', start_date = CASE WHEN redrive_count > 0 THEN start_date END WHERE status = 'RUNNING'",
        )
        .run()
    })
    this.wake()
    return Number(result.changes)
  }

  wake(): void {
    if (this.pumping || this.stopping) return
    this.pumping = true
    try {
      // Claimed in one transaction: a crash before it commits leaves them PENDING, to be claimed again on the next boot.
      while (this.running.size < this.concurrency) {
        const claimed = transaction(this.db, () => {
          const rows = this.db
            .prepare("SELECT * FROM executions WHERE status = 'PENDING' ORDER BY created_at, rowid LIMIT ?")
            .all(this.concurrency - this.running.size) as unknown as ExecutionRow[]
          const now = new Date().toISOString()
          for (const row of rows)
            this.db
              .prepare("UPDATE executions SET status = 'RUNNING', start_date = COALESCE(start_date, ?) WHERE arn = ?")
              .run(now, row.arn)
          return rows
        })
        if (claimed.length === 0) break
        for (const row of claimed) this.launch(row)
      }
    } finally {
      this.pumping = false
    }
    if (this.running.size > 0) {
      this.releaseGroup ??= holdGroup(this.db)
      return
    }
    // Idle: what the runs wrote is committed before anyone waiting for the idle executor looks.
    this.releaseGroup?.()
    this.releaseGroup = undefined
    commitGroup(this.db)
    this.idleWaiters.splice(0).forEach((resolve) => resolve())
  }

  /** Resolves once nothing is pending or running: tests and `drain` wait on it. */
  idle(): Promise<void> {
    const pending = this.db
      .prepare("SELECT COUNT(*) AS n FROM executions WHERE status IN ('PENDING', 'RUNNING')")
      .get() as { n: number }
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
      this.finish(row.arn, {
        status: 'FAILED',
        error: 'States.Runtime',
        cause: `State machine ${row.state_machine} no longer exists`,
      })
      return
    }
    const input = JSON.parse(row.input) as never
    const startTime = row.start_date ?? new Date().toISOString()
    const machine = row.redrive_from ? this.resumingMachine(loaded, row.redrive_from) : loaded.machine
    const execution = machine.run(row.redrive_from ? (JSON.parse(row.redrive_input ?? 'null') as never) : input, {
      overrides: loaded.overrides,
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: row.arn,
          Name: row.name,
          StartTime: startTime,
          Input: input,
          RoleArn: `arn:aws:iam::000000000000:role/${loaded.info.name}Role`,
        },
        StateMachine: { Id: loaded.info.arn, Name: loaded.info.name },
      },
    })
    const recorder = historyRecorder(this.history, row.arn, loaded.resources, row.redrive_event_id ?? 0)
    const done = (async () => {
      const logs = (async () => {
        for await (const log of execution.eventLogs) recorder.record(log)
      })()
      try {
        const output = await execution.result
        await logs
        if (this.stopping && output === null) return // aborted at shutdown: stays RUNNING for the next boot
        this.finish(row.arn, { status: 'SUCCEEDED', output: JSON.stringify(output) })
      } catch (error) {
        await logs.catch(() => undefined)
        const failure = recorder.failure ?? {
          error: error instanceof ExecutionError ? 'States.Runtime' : 'States.Runtime',
          cause: error instanceof Error ? error.message : String(error),
        }
        this.finish(row.arn, { status: 'FAILED', ...failure })
      }
    })().finally(() => {
      this.running.delete(row.arn)
      this.wake()
    })
    this.running.set(row.arn, { abort: execution.abort, done })
  }

  /** The definition started at `state`; it is the validated one otherwise, so the copy skips validation (its earlier states are unreachable). */
  private resumingMachine(loaded: LoadedMachine, state: string): StateMachine {
    const key = `${loaded.info.arn}#${state}`
    let machine = this.resumingMachines.get(key)
    if (!machine) {
      const definition = {
        ...(JSON.parse(JSON.stringify(loaded.info.definition)) as Record<string, unknown>),
        StartAt: state,
      }
      machine = new StateMachine(definition as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      })
      this.resumingMachines.set(key, machine)
    }
    return machine
  }

  private finish(
    arn: string,
    outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string },
  ): void {
    // The whole history lands with the final status, in one transaction.
    transaction(this.db, () => {
      this.history.flush()
      this.db
        .prepare('UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ? WHERE arn = ?')
        .run(
          outcome.status,
          outcome.output ?? null,
          outcome.error ?? null,
          outcome.cause ?? null,
          new Date().toISOString(),
          arn,
        )
      if (this.onEnded)
        this.onEnded(this.db.prepare('SELECT * FROM executions WHERE arn = ?').get(arn) as unknown as ExecutionRow)
    })
  }
}
