import { createHash } from 'node:crypto'
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type ExecutionStatus as SfnStatus,
} from '@aws-sdk/client-sfn'
import { iso, mapLimit, parseJson } from '../client/context'
import { executionSubject } from '../../../contracts/executions'
import { fromAwsError } from '../client/errors'
import { executionArnOf } from '../client/executions'
import {
  type ExecutionDetail,
  type ExecutionQuery,
  type ExecutionStatus,
  type ExecutionSummary,
  type HistoryEventView,
  type Page,
} from '../../console/port'
import { stateDetails } from '../../console/state-outcomes'
import type { ExpressExecution, PipelineExtras } from '../../console/extras'
import { badField, type ConsoleContext } from './context'
import type { ConsoleWorkflow, StackMap } from './stack-map'
import { HttpError } from '../../http/errors'
import { ExecutionStatuses } from '../../../contracts/executions'
import { refuseUnlessRedrivable } from '../client/redrive'

/** ListExecutions' largest page. */
const PageSize = 100
/** ListExecutions calls one request may make past each workflow's first page; fewer when a text query reads each execution's input. */
const ListCallsPerRequest = 10
const ListCallsPerTextRequest = 3
const DescribeConcurrency = 8
/** Subjects remembered, oldest forgotten first: enough for every execution a person pages through. */
const RememberedSubjects = 20_000
export const DefaultLimit = 50
export const MaxLimit = 200
const Statuses: ReadonlyArray<string> = ExecutionStatuses

/** Where one workflow's listing stands: the ListExecutions page (its token) and how many of its items were shown. */
interface Position {
  readonly t?: string
  readonly s: number
}

interface Cursor {
  /** A digest of the workflows and status the cursor was made for: another query may not reuse it. */
  readonly q: string
  /** Per workflow, in the query's order, its position; null once its executions are all read. */
  readonly w: ReadonlyArray<Position | null>
}

/*
 * The cursor carries, per state machine, the nextToken of the ListExecutions page the next execution comes from and how
 * many of that page were already shown. Step Functions lists each state machine apart, newest first, and its tokens
 * resume only at page boundaries; merging several machines newest first therefore stops mid-page, and the next request
 * reads that page again and skips what was shown. The price: a page read twice, and a token that Step Functions expires
 * after 24 hours (an old cursor then answers 400). Time range and text are filtered here, over at most a few pages per
 * request: a page may come back short (or empty) with a `next` to read further, instead of one request reading
 * thousands of executions. `from` ends a machine's listing as soon as its executions are older than it.
 */
const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url')

const decodeCursor = (raw: string, query: string): Cursor => {
  const cursor = parseJson(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor | undefined
  if (typeof cursor !== 'object' || cursor === null || typeof cursor.q !== 'string' || !Array.isArray(cursor.w))
    throw badField('cursor', 'not a cursor this console made')
  if (cursor.q !== query)
    throw badField('cursor', 'it belongs to another query (workflow or status changed): start from the first page')
  return cursor
}

const isoBound = (field: string, value: string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined
  const ms = Date.parse(value)
  if (!Number.isFinite(ms)) throw badField(field, `not an ISO-8601 date (got ${value})`)
  return ms
}

export const limitOf = (limit: number | undefined): number => {
  if (limit === undefined) return DefaultLimit
  if (!Number.isInteger(limit) || limit < 1 || limit > MaxLimit)
    throw badField('limit', `a whole number from 1 to ${MaxLimit} (got ${limit})`)
  return limit
}

const durationOf = (
  start: Date | string | undefined,
  stop: Date | string | undefined,
): { readonly durationMs?: number } =>
  start !== undefined && stop !== undefined ? { durationMs: new Date(stop).getTime() - new Date(start).getTime() } : {}

/**
 * One listed execution: a Standard one as ListExecutions answers it (what it is about is read from its input), an
 * Express one as the extras answer it (with what it is about).
 */
type Listed =
  | { readonly kind: 'standard'; readonly item: ExecutionListItem }
  | { readonly kind: 'express'; readonly summary: ExecutionSummary }

/** One listing in progress: a workflow, the page it reads and where in it. */
interface Stream {
  readonly workflow: ConsoleWorkflow
  token: string | undefined
  index: number
  page: ReadonlyArray<Listed> | undefined
  nextToken: string | undefined
  done: boolean
}

/**
 * Executions on Step Functions: ListExecutions, DescribeExecution, GetExecutionHistory, RedriveExecution,
 * StartExecution; an Express workflow's, which those do not list or describe, from the extras.
 */
export class Executions {
  /** Inputs never change: each execution's subject, read once. */
  private readonly subjects = new Map<string, Promise<string | undefined>>()

  constructor(
    private readonly context: ConsoleContext,
    private readonly stack: StackMap,
    private readonly extras: PipelineExtras,
  ) {}

  /**
   * Newest first across the workflows asked for (executions that started at the same moment by name, last first),
   * filtered by status on Step Functions (statusFilter), and by time range and text here. An Express workflow's
   * executions come from the extras: where the target cannot list them (AWS keeps them in CloudWatch Logs), asking
   * for one such workflow is 501 saying so, and listing all leaves them out.
   */
  async list(query: ExecutionQuery): Promise<Page<ExecutionSummary>> {
    const limit = limitOf(query.limit)
    const from = isoBound('from', query.from)
    const to = isoBound('to', query.to)
    const text = query.text?.trim().toLowerCase() || undefined
    if (query.status !== undefined && !Statuses.includes(query.status))
      throw badField('status', `one of ${Statuses.join(', ')} (got ${String(query.status)})`)
    // Step Functions has no PENDING status: nothing there is waiting to start.
    if (query.status === 'PENDING') return { items: [] }
    let workflows: ReadonlyArray<ConsoleWorkflow>
    if (query.workflow) {
      // A filter that names no workflow is a bad parameter, not a missing resource.
      const workflow = await this.stack.workflow(query.workflow).catch((error: unknown) => {
        throw error instanceof HttpError && error.status === 404 ? badField('workflow', error.message) : error
      })
      workflows = [workflow]
    } else workflows = await this.stack.workflows()
    // A digest, not the ARNs: the cursor travels in a URL, and a stack has several workflows.
    const queryKey = createHash('sha256')
      .update(`${workflows.map((workflow) => workflow.arn).join(',')}|${query.status ?? ''}`)
      .digest('base64url')
      .slice(0, 12)
    const cursor = query.cursor ? decodeCursor(query.cursor, queryKey) : undefined
    const streams: Stream[] = workflows.map((workflow, index) => {
      const position = cursor ? cursor.w[index] : { s: 0 }
      return {
        workflow,
        token: position?.t,
        index: position?.s ?? 0,
        page: undefined,
        nextToken: undefined,
        done: position === null || position === undefined,
      }
    })

    // Every workflow's first page always fits, so each request moves every cursor on.
    let calls = streams.filter((stream) => !stream.done).length + (text ? ListCallsPerTextRequest : ListCallsPerRequest)
    let outOfCalls = false
    /** Makes sure the stream has a current execution, reading pages as needed; false when it has none (now). */
    const ready = async (stream: Stream): Promise<boolean> => {
      for (;;) {
        if (stream.done) return false
        if (stream.page && stream.index < stream.page.length) return true
        if (stream.page) {
          if (!stream.nextToken) {
            stream.done = true
            return false
          }
          stream.token = stream.nextToken
          stream.index = 0
          stream.page = undefined
        }
        if (calls === 0) {
          outOfCalls = true
          return false
        }
        calls -= 1
        const page = await this.listPage(stream, query, workflows.length === 1)
        if (page === undefined) {
          // The target keeps no list of this Express workflow's executions: the full list goes on without them.
          stream.done = true
          return false
        }
        stream.page = page.items
        stream.nextToken = page.next
        if (text)
          await this.readSubjects(
            standardOf(stream.page.slice(stream.index).filter((execution) => !matchesName(execution, text))),
          )
      }
    }

    const picked: Array<{ readonly execution: Listed; readonly workflow: ConsoleWorkflow }> = []
    while (picked.length < limit) {
      const live = (await Promise.all(streams.map(async (stream) => ((await ready(stream)) ? [stream] : [])))).flat()
      if (outOfCalls || live.length === 0) break
      const stream = live.reduce((newest, candidate) => (isNewer(head(candidate), head(newest)) ? candidate : newest))
      const execution = head(stream)
      stream.index += 1
      const started = startOf(execution)
      if (from !== undefined && started < from) {
        // Newest first: everything after this one is older still.
        stream.done = true
        continue
      }
      if (to !== undefined && started > to) continue
      const subject = await this.knownSubject(execution)
      if (text && !matchesName(execution, text) && !(subject ?? '').toLowerCase().includes(text)) continue
      picked.push({ execution, workflow: stream.workflow })
    }
    // ListExecutions does not say what an execution is about: read the inputs of this page's (each once, ever).
    await this.readSubjects(standardOf(picked.map(({ execution }) => execution)))
    const items: ExecutionSummary[] = []
    for (const { execution, workflow } of picked)
      items.push(
        execution.kind === 'express'
          ? execution.summary
          : this.summaryOfListed(execution.item, workflow, await this.knownSubject(execution)),
      )
    const positions = streams.map(positionOf)
    if (positions.every((position) => position === null)) return { items }
    return { items, next: encodeCursor({ q: queryKey, w: positions }) }
  }

  /** One page of a stream: ListExecutions for a Standard workflow, the extras for an Express one (undefined: none kept). */
  private async listPage(
    stream: Stream,
    query: ExecutionQuery,
    named: boolean,
  ): Promise<{ readonly items: ReadonlyArray<Listed>; readonly next?: string | undefined } | undefined> {
    const status = query.status as Exclude<ExecutionStatus, 'PENDING'> | undefined
    if (stream.workflow.type === 'EXPRESS') {
      try {
        const page = await this.extras.expressExecutions({
          stateMachineArn: stream.workflow.arn,
          workflow: stream.workflow.name,
          limit: PageSize,
          ...(stream.token ? { token: stream.token } : {}),
          ...(status ? { status } : {}),
        })
        return {
          items: page.items.map((summary) => ({
            kind: 'express',
            summary: { ...summary, workflow: stream.workflow.name },
          })),
          next: page.next,
        }
      } catch (error) {
        if (!named && error instanceof HttpError && error.status === 501) return undefined
        throw error
      }
    }
    const answer = await this.context.aws.call('Step Functions', () =>
      this.context.clients.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: stream.workflow.arn,
          maxResults: PageSize,
          ...(stream.token ? { nextToken: stream.token } : {}),
          ...(status ? { statusFilter: status as SfnStatus } : {}),
        }),
      ),
    )
    return { items: (answer.executions ?? []).map((item) => ({ kind: 'standard', item })), next: answer.nextToken }
  }

  /**
   * DescribeExecution, every page of GetExecutionHistory, and the definition it ran (DescribeStateMachineForExecution);
   * an Express workflow's execution from the extras, with its state machine's definition (DescribeStateMachine).
   */
  async detail(nameOrArn: string): Promise<ExecutionDetail> {
    const found = await this.locate(nameOrArn)
    if (found.kind === 'express') return this.expressDetail(found.express)
    const described = found.described
    const executionArn = described.executionArn ?? nameOrArn
    const { aws, clients } = this.context
    const [history, machine] = await Promise.all([
      (async () => {
        const events: HistoryEventView[] = []
        let token: string | undefined
        do {
          const page = await aws.call('Step Functions', () =>
            clients.sfn.send(
              new GetExecutionHistoryCommand({
                executionArn,
                maxResults: 1000,
                includeExecutionData: true,
                ...(token ? { nextToken: token } : {}),
              }),
            ),
          )
          for (const event of page.events ?? [])
            events.push({ ...event, id: event.id ?? 0, type: event.type ?? '', timestamp: iso(event.timestamp) ?? '' })
          token = page.nextToken
        } while (token)
        return events
      })(),
      aws.call('Step Functions', () => clients.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }))),
    ])
    const definition = parseJson(machine.definition) ?? {}
    const input = parseJson(described.input)
    const output = parseJson(described.output)
    return {
      ...(await this.summaryOf(described)),
      input: input ?? described.input ?? null,
      ...(described.output === undefined ? {} : { output: output ?? described.output }),
      ...(described.error === undefined ? {} : { error: described.error }),
      ...(described.cause === undefined ? {} : { cause: described.cause }),
      workflowDefinition: definition,
      states: stateDetails(history, definition),
      history,
    }
  }

  /** RedriveExecution: only a FAILED, ABORTED or TIMED_OUT execution (409 otherwise); answers it as it is now. */
  async redrive(nameOrArn: string): Promise<ExecutionSummary> {
    const found = await this.locate(nameOrArn)
    if (found.kind === 'express')
      throw new HttpError(
        409,
        'ExecutionNotRedrivable',
        `execution ${found.express.summary.name} belongs to an Express workflow: RedriveExecution takes Standard workflows only; start it again instead`,
      )
    const described = found.described
    const executionArn = described.executionArn ?? nameOrArn
    refuseUnlessRedrivable(described, nameOrArn)
    await this.context.aws.call('Step Functions', () =>
      this.context.clients.sfn.send(new RedriveExecutionCommand({ executionArn })),
    )
    return this.summaryOf(await this.describeArn(executionArn))
  }

  /** StartExecution of the same state machine with the same input: a new execution, with a name Step Functions gives it. */
  async startAgain(nameOrArn: string): Promise<ExecutionSummary> {
    const found = await this.locate(nameOrArn)
    const { stateMachineArn, input } =
      found.kind === 'express'
        ? { stateMachineArn: found.express.stateMachineArn, input: JSON.stringify(found.express.input ?? {}) }
        : { stateMachineArn: found.described.stateMachineArn ?? '', input: found.described.input ?? '{}' }
    const started = await this.context.aws.call('Step Functions', () =>
      this.context.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, input })),
    )
    const executionArn = started.executionArn ?? ''
    const subject = executionSubject(parseJson(input))
    return {
      executionArn,
      name: executionArn.slice(executionArn.lastIndexOf(':') + 1),
      workflow: await this.workflowName(stateMachineArn),
      status: 'RUNNING',
      startDate: iso(started.startDate) ?? new Date(this.context.aws.now()).toISOString(),
      ...(subject === undefined ? {} : { subject }),
    }
  }

  /**
   * The execution `nameOrArn` names: a Standard one as DescribeExecution answers it, or an Express one from the extras
   * (an ARN whose state machine is an Express workflow of the stack, or a name no Standard workflow has).
   */
  private async locate(
    nameOrArn: string,
  ): Promise<
    | { readonly kind: 'standard'; readonly described: DescribeExecutionCommandOutput }
    | { readonly kind: 'express'; readonly express: ExpressExecution }
  > {
    const id = nameOrArn.trim()
    if (id === '') throw badField('execution', 'give its name or ARN')
    if (id.startsWith('arn:')) {
      const workflow = await this.stack.workflowOf(stateMachineArnOf(id))
      if (workflow?.type !== 'EXPRESS') return { kind: 'standard', described: await this.describeArn(id) }
      const express = await this.extras.expressExecution(id)
      if (!express) throw new HttpError(404, 'ExecutionDoesNotExist', `no execution ${id} in ${workflow.name}`)
      return { kind: 'express', express }
    }
    try {
      return { kind: 'standard', described: await this.describe(id) }
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 404)) throw error
      const express = await this.extras.expressExecution(id)
      if (express) return { kind: 'express', express }
      // The local runtime's extras searched the Express workflows too; on AWS a name is searched in none of them.
      if (this.extras.target !== 'local') throw error
      const workflows = await this.stack.workflows()
      throw new HttpError(
        404,
        'ExecutionDoesNotExist',
        `No execution ${id} in the workflows of stack ${this.context.aws.stack.stackName} (${workflows.map((workflow) => workflow.name).join(', ') || 'none'})`,
      )
    }
  }

  private async expressDetail(express: ExpressExecution): Promise<ExecutionDetail> {
    const machine = await this.context.aws.call('Step Functions', () =>
      this.context.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: express.stateMachineArn })),
    )
    const definition = parseJson(machine.definition) ?? {}
    return {
      ...express.summary,
      workflow: await this.workflowName(express.stateMachineArn),
      input: express.input ?? null,
      ...(express.output === undefined ? {} : { output: express.output }),
      ...(express.error === undefined ? {} : { error: express.error }),
      ...(express.cause === undefined ? {} : { cause: express.cause }),
      workflowDefinition: definition,
      states: stateDetails(express.history, definition),
      history: express.history,
    }
  }

  /** By ARN, or by name: an execution's ARN is its state machine's with the name appended, so try each Standard workflow. */
  async describe(nameOrArn: string): Promise<DescribeExecutionCommandOutput> {
    const id = nameOrArn.trim()
    if (id === '') throw badField('execution', 'give its name or ARN')
    if (id.startsWith('arn:')) return this.describeArn(id)
    const workflows = (await this.stack.workflows()).filter((workflow) => workflow.type === 'STANDARD')
    for (const workflow of workflows) {
      try {
        return await this.context.clients.sfn.send(
          new DescribeExecutionCommand({ executionArn: executionArnOf(workflow, id) }),
        )
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ExecutionDoesNotExist') continue
        throw fromAwsError(error, 'Step Functions', this.context.aws.settings)
      }
    }
    throw new HttpError(
      404,
      'ExecutionDoesNotExist',
      `no execution named ${id} in the Standard workflows of stack ${this.context.aws.stack.stackName} (${workflows.map((workflow) => workflow.name).join(', ') || 'none'})`,
    )
  }

  private describeArn(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    return this.context.aws.call('Step Functions', () =>
      this.context.clients.sfn.send(new DescribeExecutionCommand({ executionArn })),
    )
  }

  private async summaryOf(described: DescribeExecutionCommandOutput): Promise<ExecutionSummary> {
    const subject = executionSubject(parseJson(described.input))
    return {
      executionArn: described.executionArn ?? '',
      name: described.name ?? '',
      workflow: await this.workflowName(described.stateMachineArn ?? ''),
      status: (described.status ?? 'RUNNING') as ExecutionStatus,
      startDate: iso(described.startDate) ?? '',
      ...(described.stopDate
        ? { stopDate: iso(described.stopDate), ...durationOf(described.startDate, described.stopDate) }
        : {}),
      ...(subject === undefined ? {} : { subject }),
      ...(described.redriveCount === undefined ? {} : { redriveCount: described.redriveCount }),
    }
  }

  private summaryOfListed(
    execution: ExecutionListItem,
    workflow: ConsoleWorkflow,
    subject: string | undefined,
  ): ExecutionSummary {
    return {
      executionArn: execution.executionArn ?? '',
      name: execution.name ?? '',
      workflow: workflow.name,
      status: (execution.status ?? 'RUNNING') as ExecutionStatus,
      startDate: iso(execution.startDate) ?? '',
      ...(execution.stopDate
        ? { stopDate: iso(execution.stopDate), ...durationOf(execution.startDate, execution.stopDate) }
        : {}),
      ...(subject === undefined ? {} : { subject }),
      ...(execution.redriveCount === undefined ? {} : { redriveCount: execution.redriveCount }),
    }
  }

  private async workflowName(stateMachineArn: string): Promise<string> {
    return (
      (await this.stack.workflowOf(stateMachineArn))?.name ??
      stateMachineArn.slice(stateMachineArn.lastIndexOf(':') + 1)
    )
  }

  /** The subject read for this execution (an Express one comes with it); undefined when it was not, or could not be, read. */
  private knownSubject(execution: Listed): Promise<string | undefined> {
    if (execution.kind === 'express') return Promise.resolve(execution.summary.subject)
    return (this.subjects.get(execution.item.executionArn ?? '') ?? Promise.resolve(undefined)).catch(() => undefined)
  }

  /** Reads the subject of each execution not read yet (DescribeExecution), a few at a time. */
  private async readSubjects(executions: ReadonlyArray<ExecutionListItem>): Promise<void> {
    await mapLimit(executions, DescribeConcurrency, async (execution) => {
      const arn = execution.executionArn ?? ''
      let subject = this.subjects.get(arn)
      if (!subject) {
        subject = this.describeArn(arn).then((described) => executionSubject(parseJson(described.input)))
        if (this.subjects.size >= RememberedSubjects) this.subjects.delete(this.subjects.keys().next().value ?? '')
        this.subjects.set(arn, subject)
        // A subject that cannot be read is left out of the list, not a failed page; it is tried again next time.
        subject.catch(() => this.subjects.delete(arn))
      }
      await subject.catch(() => undefined)
    })
  }
}

/** Where the next request resumes this stream; null when it has nothing more. */
const positionOf = (stream: Stream): Position | null => {
  if (stream.done) return null
  if (!stream.page || stream.index < stream.page.length)
    return { ...(stream.token ? { t: stream.token } : {}), s: stream.index }
  return stream.nextToken ? { t: stream.nextToken, s: 0 } : null
}

const head = (stream: Stream): Listed => (stream.page ?? [])[stream.index] as Listed
const nameOf = (execution: Listed): string =>
  execution.kind === 'express' ? execution.summary.name : (execution.item.name ?? '')
const arnOf = (execution: Listed): string =>
  execution.kind === 'express' ? execution.summary.executionArn : (execution.item.executionArn ?? '')
const startOf = (execution: Listed): number => {
  const start = execution.kind === 'express' ? execution.summary.startDate : execution.item.startDate
  return start ? new Date(start).getTime() : 0
}
/** Newest first; executions that started at the same moment by name, the last first, so every page agrees. */
const isNewer = (a: Listed, b: Listed): boolean =>
  startOf(a) > startOf(b) || (startOf(a) === startOf(b) && nameOf(a) > nameOf(b))
const matchesName = (execution: Listed, text: string): boolean =>
  [nameOf(execution), arnOf(execution)].some((value) => value.toLowerCase().includes(text))
const standardOf = (executions: ReadonlyArray<Listed>): ReadonlyArray<ExecutionListItem> =>
  executions.flatMap((execution) => (execution.kind === 'standard' ? [execution.item] : []))

/** The state machine an execution ARN (`arn:aws:states:R:A:execution:MACHINE:NAME`, or `express:`) belongs to. */
const stateMachineArnOf = (executionArn: string): string => {
  const parts = executionArn.split(':')
  return [...parts.slice(0, 5), 'stateMachine', parts[6] ?? ''].join(':')
}
