import {
  DescribeExecutionCommand,
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
  /** The workflows and status the cursor was made for: another query may not reuse it. */
  readonly q: string
  /** Per state machine ARN, its position; null once its executions are all read. */
  readonly w: Readonly<Record<string, Position | null>>
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
  if (
    typeof cursor !== 'object' ||
    cursor === null ||
    typeof cursor.q !== 'string' ||
    typeof cursor.w !== 'object' ||
    cursor.w === null
  )
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

/** One listing in progress: a workflow, the page it reads and where in it. */
interface Stream {
  readonly workflow: ConsoleWorkflow
  token: string | undefined
  index: number
  page: ReadonlyArray<ExecutionListItem> | undefined
  nextToken: string | undefined
  done: boolean
}

/** Executions on Step Functions: ListExecutions, DescribeExecution, GetExecutionHistory, RedriveExecution, StartExecution. */
export class Executions {
  /** Inputs never change: each execution's subject, read once. */
  private readonly subjects = new Map<string, Promise<string | undefined>>()

  constructor(
    private readonly context: ConsoleContext,
    private readonly stack: StackMap,
  ) {}

  /**
   * Newest first across the workflows asked for, filtered by status on Step Functions (statusFilter), and by time range
   * and text here. Express workflows keep no list of executions in Step Functions: asking for one is 501; listing all
   * leaves them out.
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
      const workflow = await this.stack.workflow(query.workflow)
      if (workflow.type === 'EXPRESS') throw expressNotListed(workflow)
      workflows = [workflow]
    } else workflows = (await this.stack.workflows()).filter((workflow) => workflow.type === 'STANDARD')
    const queryKey = `${workflows.map((workflow) => workflow.arn).join(',')}|${query.status ?? ''}`
    const cursor = query.cursor ? decodeCursor(query.cursor, queryKey) : undefined
    const streams: Stream[] = workflows.map((workflow) => {
      const position = cursor ? cursor.w[workflow.arn] : { s: 0 }
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
    let calls = streams.length + (text ? ListCallsPerTextRequest : ListCallsPerRequest)
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
        const answer = await this.context.aws.call('Step Functions', () =>
          this.context.clients.sfn.send(
            new ListExecutionsCommand({
              stateMachineArn: stream.workflow.arn,
              maxResults: PageSize,
              ...(stream.token ? { nextToken: stream.token } : {}),
              ...(query.status ? { statusFilter: query.status as SfnStatus } : {}),
            }),
          ),
        )
        stream.page = answer.executions ?? []
        stream.nextToken = answer.nextToken
        if (text)
          await this.readSubjects(stream.page.slice(stream.index).filter((execution) => !matchesName(execution, text)))
      }
    }

    const picked: Array<{ readonly execution: ExecutionListItem; readonly workflow: ConsoleWorkflow }> = []
    while (picked.length < limit) {
      const live = (await Promise.all(streams.map(async (stream) => ((await ready(stream)) ? [stream] : [])))).flat()
      if (outOfCalls || live.length === 0) break
      const stream = live.reduce((newest, candidate) =>
        startOf(head(candidate)) > startOf(head(newest)) ? candidate : newest,
      )
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
    await this.readSubjects(picked.map(({ execution }) => execution))
    const items: ExecutionSummary[] = []
    for (const { execution, workflow } of picked)
      items.push(this.summaryOfListed(execution, workflow, await this.knownSubject(execution)))
    const positions = Object.fromEntries(streams.map((stream) => [stream.workflow.arn, positionOf(stream)]))
    if (Object.values(positions).every((position) => position === null)) return { items }
    return { items, next: encodeCursor({ q: queryKey, w: positions }) }
  }

  /** DescribeExecution, every page of GetExecutionHistory, and the definition it ran (DescribeStateMachineForExecution). */
  async detail(nameOrArn: string): Promise<ExecutionDetail> {
    const described = await this.describe(nameOrArn)
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
    const described = await this.describe(nameOrArn)
    const executionArn = described.executionArn ?? nameOrArn
    refuseUnlessRedrivable(described, nameOrArn)
    await this.context.aws.call('Step Functions', () =>
      this.context.clients.sfn.send(new RedriveExecutionCommand({ executionArn })),
    )
    return this.summaryOf(await this.describeArn(executionArn))
  }

  /** StartExecution of the same state machine with the same input: a new execution, with a name Step Functions gives it. */
  async startAgain(nameOrArn: string): Promise<ExecutionSummary> {
    const described = await this.describe(nameOrArn)
    const stateMachineArn = described.stateMachineArn ?? ''
    const started = await this.context.aws.call('Step Functions', () =>
      this.context.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, input: described.input ?? '{}' })),
    )
    const executionArn = started.executionArn ?? ''
    const subject = executionSubject(parseJson(described.input))
    return {
      executionArn,
      name: executionArn.slice(executionArn.lastIndexOf(':') + 1),
      workflow: await this.workflowName(stateMachineArn),
      status: 'RUNNING',
      startDate: iso(started.startDate) ?? new Date(this.context.aws.now()).toISOString(),
      ...(subject === undefined ? {} : { subject }),
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
      ...(described.redriveCount ? { redriveCount: described.redriveCount } : {}),
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
      ...(execution.redriveCount ? { redriveCount: execution.redriveCount } : {}),
    }
  }

  private async workflowName(stateMachineArn: string): Promise<string> {
    return (
      (await this.stack.workflowOf(stateMachineArn))?.name ??
      stateMachineArn.slice(stateMachineArn.lastIndexOf(':') + 1)
    )
  }

  /** The subject read for this execution; undefined when it was not, or could not be, read. */
  private knownSubject(execution: ExecutionListItem): Promise<string | undefined> {
    return (this.subjects.get(execution.executionArn ?? '') ?? Promise.resolve(undefined)).catch(() => undefined)
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

const head = (stream: Stream): ExecutionListItem => (stream.page ?? [])[stream.index] as ExecutionListItem
const startOf = (execution: ExecutionListItem): number =>
  execution.startDate ? new Date(execution.startDate).getTime() : 0
const matchesName = (execution: ExecutionListItem, text: string): boolean =>
  [execution.name ?? '', execution.executionArn ?? ''].some((value) => value.toLowerCase().includes(text))

export const expressNotListed = (workflow: ConsoleWorkflow): HttpError =>
  new HttpError(
    501,
    'ExpressExecutionsNotListed',
    `${workflow.name} is an Express workflow: Step Functions keeps no list or history of its executions (ListExecutions and GetExecutionHistory refuse Express state machines). Its executions are in the CloudWatch Logs log group it logs to; search them there (CloudWatch Logs Insights).`,
  )
