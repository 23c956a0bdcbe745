import { stateSummaries } from '../../../console/state-outcomes'
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
      const value = (name: string) => url.searchParams.get(name) || undefined
      const rows = runtime.executor.list(
        { workflow: value('workflow'), status: value('status'), subject: value('key') },
        limit,
      )
      sendJson(res, 200, { executions: rows.map(executionView) })
    })
    .on('GET', /^\/executions\/(.+)$/, ({ res, params }) => {
      const id = params[0]!
      const row = runtime.executor.find(id)
      if (!row) throw new HttpError(404, 'ExecutionDoesNotExist', `No execution ${id}`)
      const history = runtime.executor.history(row.arn)
      sendJson(res, 200, {
        ...executionView(row),
        input: JSON.parse(row.input),
        output: row.output ? JSON.parse(row.output) : undefined,
        states: stateSummaries(history),
        history,
      })
    })
