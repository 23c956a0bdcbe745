import { readHistory, summarizeStates } from '../../stepfunctions/history'
import type { ExecutionRow } from '../../stepfunctions/executor'
import type { LocalRuntime } from '../../runtime'
import { sendJson } from '../../../http/respond'
import { HttpError } from '../../../http/errors'
import type { Router } from '../../../http/router'
import { ExecutionStatuses } from '../../../../contracts/executions'

const executionView = (row: ExecutionRow) => ({
  executionArn: row.arn,
  name: row.name,
  stateMachineArn: row.state_machine,
  workflow: row.workflow,
  status: row.status,
  subject: row.subject ?? undefined,
  startDate: row.start_date ?? row.created_at,
  stopDate: row.stop_date ?? undefined,
  error: row.error ?? undefined,
  cause: row.cause ?? undefined,
})

/** Executions as ListExecutions and DescribeExecution + GetExecutionHistory answer them. */
export const executionRoutes = (router: Router, runtime: LocalRuntime): Router =>
  router
    .on('GET', /^\/executions$/, ({ res, url }) => {
      const status = url.searchParams.get('status')
      if (status && !(ExecutionStatuses as ReadonlyArray<string>).includes(status))
        throw new HttpError(400, 'InvalidParameter', `status: must be one of ${ExecutionStatuses.join(', ')}`)
      const limitParam = url.searchParams.get('limit') ?? '100'
      const limit = Number(limitParam)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new HttpError(400, 'InvalidParameter', 'limit: must be an integer from 1 to 1000')
      const filters: string[] = []
      const values: string[] = []
      for (const [param, column] of [
        ['workflow', 'workflow'],
        ['status', 'status'],
        ['key', 'subject'],
      ] as const) {
        const value = url.searchParams.get(param)
        if (value) {
          filters.push(`${column} = ?`)
          values.push(value)
        }
      }
      const where = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : ''
      const rows = runtime.db
        .prepare(`SELECT * FROM executions ${where} ORDER BY created_at DESC, rowid DESC LIMIT ${limit}`)
        .all(...values) as unknown as ExecutionRow[]
      sendJson(res, 200, { executions: rows.map(executionView) })
    })
    .on('GET', /^\/executions\/(.+)$/, ({ res, params }) => {
      const id = params[0]!
      const row = runtime.db.prepare('SELECT * FROM executions WHERE arn = ? OR name = ?').get(id, id) as
        ExecutionRow | undefined
      if (!row) throw new HttpError(404, 'ExecutionDoesNotExist', `No execution ${id}`)
      const history = readHistory(runtime.db, row.arn)
      sendJson(res, 200, {
        ...executionView(row),
        input: JSON.parse(row.input),
        output: row.output ? JSON.parse(row.output) : undefined,
        states: summarizeStates(history),
        history,
      })
    })
