import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import { executionSubject, RedrivableStatuses, type ExecutionStatus } from '../../../contracts/executions'
import { transaction } from '../kernel/db'
import { commitGroup, holdGroup } from '../kernel/group-commit'
import type { LocalStateMachine } from '../model/template'
import {
  ErrorNames,
  InvalidDefinition,
  loadDefinition,
  planRedrive,
  realClock,
  runExecution,
  type Clock,
  type ExecutionOutcome,
  type InvokeTask,
  type ResumePlan,
} from './engine'
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  InvalidExecutionInput,
  InvalidName,
  InvalidStateMachine,
  InvalidToken,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  ValidationException,
} from './errors'
import { HistoryWriter, readHistory, readHistoryPage, type HistoryEvent } from './history'
import { taskInvoker, unsupportedTask, type Integrations } from './integrations'
import { expressEventFilter } from './express-log'

export interface ExecutionRow {
  readonly arn: string
  readonly name: string
  readonly state_machine: string
  readonly workflow: string
  readonly status: ExecutionStatus
  readonly subject: string | null
  /** The input as JSON text, as StartExecution took it. */
  readonly input: string
  /** The output as JSON text, as DescribeExecution gives it. */
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

/** DescribeExecution's answer (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html), dates as ISO 8601. */
export interface ExecutionDescription {
  readonly executionArn: string
  readonly stateMachineArn: string
  readonly name: string
  /** An execution accepted and not started yet is RUNNING, as AWS has no other word for it. */
  readonly status: Exclude<ExecutionStatus, 'PENDING'>
  readonly startDate: string
  readonly stopDate?: string
  readonly input: string
  readonly output?: string
  readonly error?: string
  readonly cause?: string
  readonly redriveCount: number
  readonly redriveDate?: string
  readonly redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE'
}

/** One execution of ListExecutions (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionListItem.html). */
export interface ExecutionListItem {
  readonly executionArn: string
  readonly stateMachineArn: string
  readonly name: string
  readonly status: Exclude<ExecutionStatus, 'PENDING'>
  readonly startDate: string
  readonly stopDate?: string
  readonly redriveCount: number
  readonly redriveDate?: string
}

/** StopExecution's error and cause (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html). */
export interface StopReason {
  readonly error?: string
  readonly cause?: string
}

export interface ExecutorOptions {
  /** Executions run at once. */
  readonly concurrency: number
  /** PIPELINE_RETRY_SCALE: a factor in (0, 1] on every Retry wait, so fault-injection runs do not sleep for real. */
  readonly retryScale?: number
  /**
   * Called with the final row when an execution ends (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), inside the transaction
   * that records the end: what it writes commits with it, or not at all. Step Functions' "Execution Status Change"
   * events hang here. A hook that throws is reported and does not undo the end.
   */
  readonly onExecutionEnded?: (row: ExecutionRow) => void
  /** The time and the waits (Wait states, retries, timeouts); default the process's clock. */
  readonly clock?: Clock
}

interface LoadedMachine {
  readonly info: LocalStateMachine
  readonly invokeTask: InvokeTask
  readonly roleArn: string
  /** An Express machine's log filter: what of its history is kept (`express-log.ts`); undefined keeps it all. */
  readonly logged: ReturnType<typeof expressEventFilter>
}

interface Run {
  readonly controller: AbortController
  /** Aborted by the runtime's shutdown: what the run still does is not recorded, and it stays RUNNING. */
  shutdown: boolean
  done: Promise<void>
}

/** Reads `PIPELINE_RETRY_SCALE`: a factor in (0, 1] applied to every retry wait; undefined keeps real time. */
export const parseRetryScale = (text: string | undefined): number | undefined => {
  if (text === undefined || text === '') return undefined
  const scale = Number(text)
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1)
    throw new Error(`PIPELINE_RETRY_SCALE must be a number above 0 and at most 1, got "${text}"`)
  return scale === 1 ? undefined : scale
}

/** The state a validation diagnostic's location points into (`/States/Resize/ItemProcessor/States/ResizeOne/Next`). */
const stateOf = (location: string | undefined): string | undefined => {
  const matches = [...(location ?? '').matchAll(/\/States\/([^/]+)/g)]
  return matches.at(-1)?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~')
}

/**
 * Refuses a template the runtime cannot run, before anything starts: a definition AWS would refuse, or a Task
 * integration the runtime does not provide. Throws InvalidStateMachine naming the state machine, the state and the reason.
 */
export const validateStateMachines = (stateMachines: ReadonlyArray<LocalStateMachine>): void => {
  for (const machine of stateMachines) {
    try {
      loadDefinition(machine.definition, machine.type)
    } catch (error) {
      if (!(error instanceof InvalidDefinition)) throw error
      const [first] = error.diagnostics
      const more = error.diagnostics.length > 1 ? ` (and ${error.diagnostics.length - 1} more)` : ''
      throw new InvalidStateMachine(
        machine.name,
        stateOf(first?.location),
        `${first?.message ?? error.message} [${first?.code ?? 'INVALID_DEFINITION'}${first?.location ? ` at ${first.location}` : ''}]${more}`,
        error.diagnostics,
      )
    }
    const unsupported = unsupportedTask(machine.definition)
    if (unsupported)
      throw new InvalidStateMachine(
        machine.name,
        unsupported.state,
        `uses ${unsupported.resource}, an integration the local runtime does not provide`,
      )
  }
}

/** What an execution name may not contain (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html#StepFunctions-StartExecution-request-name). */
// eslint-disable-next-line no-control-regex
const ForbiddenInName = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u

const checkName = (name: string): void => {
  if (name.length < 1 || name.length > 80 || ForbiddenInName.test(name))
    throw new InvalidName(`Invalid Name: '${name}'`)
}

/** maxResults as the list actions take it: 0 or absent is the default of 100, at most 1000. */
const pageSize = (maxResults: number | undefined): number => {
  if (maxResults === undefined || maxResults === 0) return 100
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000)
    throw new ValidationException(
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    )
  return maxResults
}

const encodeToken = (position: unknown): string => Buffer.from(JSON.stringify(position)).toString('base64url')

const decodeToken = <T>(token: string, valid: (value: unknown) => value is T): T => {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown
    if (valid(value)) return value
  } catch {
    // fall through: not one of ours
  }
  throw new InvalidToken(`Invalid Token: '${token}'`)
}

const isListPosition = (value: unknown): value is [string, number] =>
  Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number'

const isEventId = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value)

/** An event without the input and output it carries (GetExecutionHistory's `includeExecutionData: false`). */
const withoutExecutionData = (event: HistoryEvent): HistoryEvent =>
  Object.fromEntries(
    Object.entries(event).map(([key, value]) => {
      if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) return [key, value]
      const {
        input: _input,
        inputDetails: _inputDetails,
        output: _output,
        outputDetails: _outputDetails,
        ...rest
      } = value as Record<string, unknown>
      return [key, rest]
    }),
  ) as unknown as HistoryEvent

const awsStatus = (status: ExecutionStatus): Exclude<ExecutionStatus, 'PENDING'> =>
  status === 'PENDING' ? 'RUNNING' : status

/**
 * Runs the synthesized state machines with the project's ASL engine (`./engine`). Executions are rows first (PENDING,
 * in the transaction that accepted their event) and run by a bounded pool; their history is the engine's events, stored
 * as they happen. One interrupted by a crash is run again from its start (or from its redrive) on the next boot, which
 * the idempotent steps make safe. The public methods are the Step Functions actions on executions.
 */
export class Executor {
  private readonly machines = new Map<string, LoadedMachine>()
  private readonly running = new Map<string, Run>()
  private readonly idleWaiters: Array<() => void> = []
  /** StartSyncExecution callers, by execution ARN, waiting for the end. */
  private readonly endWaiters = new Map<string, Array<{ resolve: () => void; reject: (error: Error) => void }>>()
  private stopping = false
  private pumping = false
  /** While runs are going, their writes of one loop turn share one commit (`group-commit.ts`). */
  private releaseGroup: (() => void) | undefined
  private readonly historyRows: HistoryWriter
  private readonly concurrency: number
  private readonly retryScale: number
  private readonly onExecutionEnded: ((row: ExecutionRow) => void) | undefined
  private readonly clock: Clock

  /** Throws InvalidStateMachine for a definition AWS would refuse or an integration the runtime lacks. */
  constructor(
    private readonly db: DatabaseSync,
    stateMachines: ReadonlyArray<LocalStateMachine>,
    private readonly integrations: Integrations,
    options: ExecutorOptions,
  ) {
    validateStateMachines(stateMachines)
    this.historyRows = new HistoryWriter(db)
    this.concurrency = options.concurrency
    this.retryScale = options.retryScale ?? 1
    this.onExecutionEnded = options.onExecutionEnded
    this.clock = options.clock ?? realClock()
    for (const info of stateMachines) this.load(info)
  }

  private load(info: LocalStateMachine): void {
    const account = /^arn:[^:]+:states:[^:]*:([^:]*):/.exec(info.arn)?.[1] ?? '000000000000'
    this.machines.set(info.arn, {
      info,
      invokeTask: taskInvoker(info.definition, this.integrations),
      roleArn: info.roleArn ?? `arn:aws:iam::${account}:role/${info.name}Role`,
      logged: expressEventFilter(info),
    })
  }

  /**
   * Runs a state machine created or updated through the API (CreateStateMachine, UpdateStateMachine) beside the
   * template's; throws InvalidStateMachine for a definition AWS refuses. Running executions keep the definition they
   * started with.
   */
  putStateMachine(info: LocalStateMachine): void {
    validateStateMachines([info])
    this.load(info)
  }

  /** DeleteStateMachine of one created through the API: its executions stay readable, new ones are refused. */
  removeStateMachine(stateMachineArn: string): void {
    this.machines.delete(stateMachineArn)
  }

  get stateMachines(): ReadonlyArray<LocalStateMachine> {
    return [...this.machines.values()].map((loaded) => loaded.info)
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString()
  }

  private machine(stateMachineArn: string): LoadedMachine {
    const loaded = this.machines.get(stateMachineArn)
    if (!loaded) throw new StateMachineDoesNotExist(`State Machine Does Not Exist: '${stateMachineArn}'`)
    return loaded
  }

  private row(executionArn: string): ExecutionRow {
    const row = this.db.prepare('SELECT * FROM executions WHERE arn = ?').get(executionArn) as unknown as
      ExecutionRow | undefined
    if (!row) throw new ExecutionDoesNotExist(`Execution Does Not Exist: '${executionArn}'`)
    return row
  }

  private insert(loaded: LoadedMachine, name: string, inputText: string, input: unknown, eventId?: string) {
    const arn = `${loaded.info.arn.replace(':stateMachine:', ':execution:')}:${name}`
    const createdAt = this.isoNow()
    this.db
      .prepare(
        `INSERT INTO executions (arn, name, state_machine, workflow, status, subject, input, event_id, created_at)
      VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)`,
      )
      .run(
        arn,
        name,
        loaded.info.arn,
        loaded.info.workflow,
        executionSubject(input) ?? null,
        inputText,
        eventId ?? null,
        createdAt,
      )
    queueMicrotask(() => this.wake())
    return { executionArn: arn, startDate: createdAt }
  }

  /** Starts an execution of the project's own (a rule target, a dead letter sent back), inside the caller's transaction: it runs once the row is committed. */
  enqueue(stateMachineArn: string, input: unknown, eventId?: string): string {
    return this.insert(this.machine(stateMachineArn), randomUUID(), JSON.stringify(input), input, eventId).executionArn
  }

  /**
   * StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): the input
   * is JSON text (default `{}`), the name is generated unless given. A name already used answers that execution when
   * it is open with the same input, and ExecutionAlreadyExists when it is open with another input or closed.
   */
  startExecution(
    stateMachineArn: string,
    request: { readonly input?: string; readonly name?: string } = {},
  ): { readonly executionArn: string; readonly startDate: string } {
    const loaded = this.machine(stateMachineArn)
    const inputText = request.input ?? '{}'
    let input: unknown
    try {
      input = JSON.parse(inputText)
    } catch (error) {
      throw new InvalidExecutionInput(`Invalid State Machine Execution Input: '${(error as Error).message}'`)
    }
    const name = request.name ?? randomUUID()
    checkName(name)
    return transaction(this.db, () => {
      const arn = `${loaded.info.arn.replace(':stateMachine:', ':execution:')}:${name}`
      const existing = this.db.prepare('SELECT * FROM executions WHERE arn = ?').get(arn) as unknown as
        ExecutionRow | undefined
      if (existing) {
        const open = existing.status === 'PENDING' || existing.status === 'RUNNING'
        if (open && existing.input === inputText)
          return { executionArn: arn, startDate: existing.start_date ?? existing.created_at }
        throw new ExecutionAlreadyExists(`Execution Already Exists: '${arn}'`)
      }
      return this.insert(loaded, name, inputText, input)
    })
  }

  /**
   * StartSyncExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html):
   * starts an execution of an EXPRESS state machine and answers once it ended, however it ended.
   */
  async startSyncExecution(
    stateMachineArn: string,
    request: { readonly input?: string; readonly name?: string } = {},
  ): Promise<ExecutionDescription> {
    if (this.machine(stateMachineArn).info.type !== 'EXPRESS')
      throw new StateMachineTypeNotSupported('This operation is not supported by STANDARD state machines')
    const { executionArn } = this.startExecution(stateMachineArn, request)
    await this.ended(executionArn)
    return this.describeExecution(executionArn)
  }

  /** Resolves once the execution is closed (rejects if the runtime stops first). */
  private ended(executionArn: string): Promise<void> {
    const status = this.row(executionArn).status
    if (status !== 'PENDING' && status !== 'RUNNING') return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiters = this.endWaiters.get(executionArn) ?? []
      waiters.push({ resolve, reject })
      this.endWaiters.set(executionArn, waiters)
    })
  }

  /** DescribeExecution, by ARN: throws ExecutionDoesNotExist. */
  describeExecution(executionArn: string): ExecutionDescription {
    const row = this.row(executionArn)
    const type = this.machines.get(row.state_machine)?.info.type
    return {
      executionArn: row.arn,
      stateMachineArn: row.state_machine,
      name: row.name,
      status: awsStatus(row.status),
      startDate: row.start_date ?? row.created_at,
      ...(row.stop_date === null ? {} : { stopDate: row.stop_date }),
      input: row.input,
      ...(row.output === null ? {} : { output: row.output }),
      ...(row.error === null ? {} : { error: row.error }),
      ...(row.cause === null ? {} : { cause: row.cause }),
      redriveCount: row.redrive_count ?? 0,
      ...(row.redrive_date ? { redriveDate: row.redrive_date } : {}),
      redriveStatus: type === 'STANDARD' && RedrivableStatuses.includes(row.status) ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    }
  }

  /**
   * ListExecutions (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html): one state
   * machine's executions, newest first, narrowed by status and by whether they were redriven, a page at a time.
   */
  listExecutions(query: {
    readonly stateMachineArn: string
    readonly statusFilter?: Exclude<ExecutionStatus, 'PENDING'>
    readonly redriveFilter?: 'REDRIVEN' | 'NOT_REDRIVEN'
    readonly maxResults?: number
    readonly nextToken?: string
  }): { readonly executions: ReadonlyArray<ExecutionListItem>; readonly nextToken?: string } {
    const loaded = this.machine(query.stateMachineArn)
    if (loaded.info.type === 'EXPRESS')
      throw new StateMachineTypeNotSupported('This operation is not supported by EXPRESS state machines')
    const limit = pageSize(query.maxResults)
    const where = ['state_machine = ?']
    const values: Array<string | number> = [query.stateMachineArn]
    if (query.statusFilter === 'RUNNING') where.push("status IN ('PENDING', 'RUNNING')")
    else if (query.statusFilter !== undefined) {
      where.push('status = ?')
      values.push(query.statusFilter)
    }
    if (query.redriveFilter === 'REDRIVEN') where.push('redrive_count > 0')
    if (query.redriveFilter === 'NOT_REDRIVEN') where.push('redrive_count = 0')
    if (query.nextToken !== undefined) {
      const [createdAt, rowid] = decodeToken(query.nextToken, isListPosition)
      where.push('(created_at, rowid) < (?, ?)')
      values.push(createdAt, rowid)
    }
    const rows = this.db
      .prepare(
        `SELECT rowid, * FROM executions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...values, limit + 1) as unknown as Array<ExecutionRow & { rowid: number }>
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      executions: page.map((row) => ({
        executionArn: row.arn,
        stateMachineArn: row.state_machine,
        name: row.name,
        status: awsStatus(row.status),
        startDate: row.start_date ?? row.created_at,
        ...(row.stop_date === null ? {} : { stopDate: row.stop_date }),
        redriveCount: row.redrive_count ?? 0,
        ...(row.redrive_date ? { redriveDate: row.redrive_date } : {}),
      })),
      ...(rows.length > limit && last ? { nextToken: encodeToken([last.created_at, last.rowid]) } : {}),
    }
  }

  /**
   * GetExecutionHistory (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html):
   * a page of events, oldest first or newest first, with or without the inputs and outputs they carry.
   */
  getExecutionHistory(
    executionArn: string,
    request: {
      readonly maxResults?: number
      readonly nextToken?: string
      readonly reverseOrder?: boolean
      readonly includeExecutionData?: boolean
    } = {},
  ): { readonly events: ReadonlyArray<HistoryEvent>; readonly nextToken?: string } {
    this.row(executionArn)
    const limit = pageSize(request.maxResults)
    const after = request.nextToken === undefined ? undefined : decodeToken(request.nextToken, isEventId)
    this.historyRows.flush()
    const events = readHistoryPage(this.db, executionArn, {
      after,
      limit: limit + 1,
      reverse: request.reverseOrder === true,
    })
    const page = events.slice(0, limit)
    const last = page.at(-1)
    return {
      events: request.includeExecutionData === false ? page.map(withoutExecutionData) : page,
      ...(events.length > limit && last ? { nextToken: encodeToken(last.id) } : {}),
    }
  }

  /**
   * StopExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html): a running
   * execution ends ABORTED with the error and cause given, recorded on its ExecutionAborted event; answers once it is
   * recorded. A closed execution is left as it is (AWS's documentation does not say what it answers then).
   */
  async stopExecution(executionArn: string, reason: StopReason = {}): Promise<{ readonly stopDate: string }> {
    if ((reason.error?.length ?? 0) > 256 || (reason.cause?.length ?? 0) > 32768)
      throw new ValidationException(
        '1 validation error detected: error is at most 256 and cause at most 32768 characters',
      )
    const row = this.row(executionArn)
    if (row.status === 'PENDING' && !this.running.has(executionArn)) {
      // Not started yet: it runs now with the stop already given, so its history shows ExecutionStarted then ExecutionAborted.
      transaction(this.db, () =>
        this.db
          .prepare("UPDATE executions SET status = 'RUNNING', start_date = COALESCE(start_date, ?) WHERE arn = ?")
          .run(this.isoNow(), executionArn),
      )
      this.launch(this.row(executionArn), reason)
    } else this.running.get(executionArn)?.controller.abort({ ...reason })
    await this.running.get(executionArn)?.done
    const stopped = this.row(executionArn)
    return { stopDate: stopped.stop_date ?? this.isoNow() }
  }

  /**
   * RedriveExecution (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html): the same
   * execution runs again from the top-level state it failed in, with the input that state received; the states that
   * succeeded are not run again, nor the Map iterations and Parallel branches that succeeded. Its history continues
   * with ExecutionRedriven and redriveCount grows by one.
   */
  redriveExecution(executionArn: string): { readonly redriveDate: string } {
    const redriven = transaction(this.db, () => {
      const row = this.row(executionArn)
      if (!RedrivableStatuses.includes(row.status))
        throw new ExecutionNotRedrivable(
          `Execution ${row.name} is ${row.status}: only FAILED, ABORTED or TIMED_OUT executions can be redriven`,
        )
      const loaded = this.machines.get(row.state_machine)
      if (!loaded) throw new ExecutionNotRedrivable(`State machine ${row.state_machine} no longer exists`)
      if (loaded.info.type === 'EXPRESS')
        throw new ExecutionNotRedrivable(
          `Execution ${row.name} belongs to an Express workflow: RedriveExecution takes Standard workflows only`,
        )
      const plan = this.redrivePlan(loaded, row.arn)
      const redriveDate = this.isoNow()
      this.db
        .prepare(
          `UPDATE executions SET status = 'PENDING', output = NULL, error = NULL, cause = NULL, stop_date = NULL,
        redrive_count = ?, redrive_date = ?, redrive_from = ?, redrive_input = ?, redrive_event_id = ? WHERE arn = ?`,
        )
        .run(plan.redriveCount, redriveDate, plan.state, plan.inputText, plan.nextEventId, row.arn)
      return { redriveDate }
    })
    this.wake()
    return redriven
  }

  /** Where a redriven execution resumes, from its history so far. */
  private redrivePlan(loaded: LoadedMachine, executionArn: string): ResumePlan {
    this.historyRows.flush()
    return planRedrive(loaded.info.definition, readHistory(this.db, executionArn))
  }

  /**
   * On boot: executions a crash interrupted run again from their start, or a redriven one from its redrive, with the
   * history of the interrupted run removed (the new run writes it again). Resuming from the history instead would
   * need the history's tail, which is written a turn after the fact, and would show a redrive AWS never made.
   */
  recover(): number {
    const result = transaction(this.db, () => {
      this.db
        .prepare(
          "DELETE FROM history WHERE execution_arn IN (SELECT arn FROM executions WHERE status = 'RUNNING') AND id >= COALESCE((SELECT redrive_event_id FROM executions WHERE arn = history.execution_arn), 0)",
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
          const now = this.isoNow()
          return rows.map((row) => {
            this.db
              .prepare("UPDATE executions SET status = 'RUNNING', start_date = COALESCE(start_date, ?) WHERE arn = ?")
              .run(now, row.arn)
            return { ...row, start_date: row.start_date ?? now }
          })
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

  /** How many executions are accepted and not started, and how many run. */
  unfinished(): { readonly pending: number; readonly running: number } {
    const rows = this.db
      .prepare("SELECT status, COUNT(*) AS n FROM executions WHERE status IN ('PENDING', 'RUNNING') GROUP BY status")
      .all() as Array<{ status: string; n: number }>
    const count = (status: string) => rows.find((row) => row.status === status)?.n ?? 0
    return { pending: count('PENDING'), running: count('RUNNING') }
  }

  /** Executions newest first, narrowed by workflow, status and subject (the project's own listing). */
  list(
    filter: { readonly workflow?: string; readonly status?: string; readonly subject?: string },
    limit: number,
  ): ReadonlyArray<ExecutionRow> {
    const columns = { workflow: 'workflow', status: 'status', subject: 'subject' } as const
    const given = (Object.keys(columns) as Array<keyof typeof columns>).filter((key) => filter[key])
    const where = given.length > 0 ? `WHERE ${given.map((key) => `${columns[key]} = ?`).join(' AND ')}` : ''
    return this.db
      .prepare(`SELECT * FROM executions ${where} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(...given.map((key) => filter[key]!), limit) as unknown as ExecutionRow[]
  }

  /** One execution by ARN or name. */
  find(arnOrName: string): ExecutionRow | undefined {
    return this.db
      .prepare('SELECT * FROM executions WHERE arn = ? UNION ALL SELECT * FROM executions WHERE name = ? LIMIT 1')
      .get(arnOrName, arnOrName) as unknown as ExecutionRow | undefined
  }

  /** An execution's whole history so far, oldest first, with what was recorded this very turn. */
  history(executionArn: string): ReadonlyArray<HistoryEvent> {
    this.historyRows.flush()
    return readHistory(this.db, executionArn)
  }

  /** Resolves once nothing is pending or running: tests and `drain` wait on it. */
  idle(): Promise<void> {
    const { pending, running } = this.unfinished()
    if (pending + running === 0 && this.running.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Stops taking work; runs still going after `graceMs` are aborted and stay RUNNING, to be run again on the next boot. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true
    const all = Promise.all([...this.running.values()].map((run) => run.done))
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref())
    if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'timeout') {
      for (const run of this.running.values()) {
        run.shutdown = true
        run.controller.abort()
      }
    }
    this.historyRows.flush()
    // What finished runs wrote is committed now; an aborted run writes nothing more.
    this.releaseGroup?.()
    this.releaseGroup = undefined
    commitGroup(this.db)
    for (const [, waiters] of this.endWaiters)
      for (const waiter of waiters) waiter.reject(new Error('The local runtime stopped before the execution ended'))
    this.endWaiters.clear()
  }

  /** Runs one claimed execution; `stopped` is a StopExecution given before it started. */
  private launch(row: ExecutionRow, stopped?: StopReason): void {
    const controller = new AbortController()
    if (stopped) controller.abort({ ...stopped })
    const run: Run = { controller, shutdown: false, done: Promise.resolve() }
    this.running.set(row.arn, run)
    run.done = this.execute(row, run).finally(() => {
      this.running.delete(row.arn)
      this.wake()
    })
  }

  private async execute(row: ExecutionRow, run: Run): Promise<void> {
    let outcome: ExecutionOutcome
    try {
      const loaded = this.machines.get(row.state_machine)
      if (!loaded) throw new Error(`State machine ${row.state_machine} no longer exists`)
      const redrive = (row.redrive_count ?? 0) > 0 ? this.redrivePlan(loaded, row.arn) : undefined
      outcome = await runExecution({
        definition: loaded.info.definition,
        input: row.input,
        context: {
          executionArn: row.arn,
          executionName: row.name,
          stateMachineArn: loaded.info.arn,
          stateMachineName: loaded.info.name,
          roleArn: loaded.roleArn,
          startTime: row.start_date ?? this.isoNow(),
          stateMachineType: loaded.info.type,
        },
        invokeTask: loaded.invokeTask,
        onEvent: (event) => {
          if (run.shutdown) return
          if (!loaded.logged) this.historyRows.record(row.arn, event)
          else if (loaded.logged.keep(event.type))
            this.historyRows.record(row.arn, loaded.logged.withData ? event : withoutExecutionData(event))
        },
        signal: run.controller.signal,
        retryDelayScale: this.retryScale,
        sleep: this.clock.sleep,
        now: this.clock.now,
        ...(redrive ? { redrive } : {}),
      })
    } catch (error) {
      outcome = {
        status: 'FAILED',
        error: ErrorNames.runtime,
        cause: error instanceof Error ? error.message : String(error),
      }
    }
    // Aborted at shutdown: it stays RUNNING, and the next boot runs it again.
    if (run.shutdown) return
    this.finish(row.arn, outcome)
  }

  private finish(arn: string, outcome: ExecutionOutcome): void {
    // The whole history lands with the final status, in one transaction.
    transaction(this.db, () => {
      this.historyRows.flush()
      this.db
        .prepare('UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ? WHERE arn = ?')
        .run(outcome.status, outcome.output ?? null, outcome.error ?? null, outcome.cause ?? null, this.isoNow(), arn)
      if (this.onExecutionEnded) {
        const row = this.row(arn)
        try {
          transaction(this.db, () => this.onExecutionEnded?.(row))
        } catch (error) {
          console.error(`The end of ${arn} was recorded, but its onExecutionEnded hook failed:`, error)
        }
      }
    })
    for (const waiter of this.endWaiters.get(arn) ?? []) waiter.resolve()
    this.endWaiters.delete(arn)
  }
}
