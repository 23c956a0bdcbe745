import { ListExecutionsCommand, StateMachineTypeNotSupported, type ExecutionListItem } from '@aws-sdk/client-sfn'
import { formatTime } from '../../../../cli/format'
import type { ExecutionSummary } from '../../../../contracts/executions'
import { ImageArn, OrderArn, givenStack, inputsOf, mocks } from '../aws/fake-stack'
import { startFakeRuntime, type FakeRuntime } from '../fake-runtime'
import { runLocal } from '../local-target'

// The local target: Step Functions' ListExecutions on the runtime's endpoint for the Standard workflows, and the
// runtime's own console route for an Express one's, which ListExecutions refuses (as on AWS).

const executionArn = (machine: string, name: string) => `${machine.replace(':stateMachine:', ':execution:')}:${name}`
const listed = (
  name: string,
  status: ExecutionListItem['status'],
  start: string,
  stop?: string,
): ExecutionListItem => ({
  executionArn: executionArn(ImageArn, name),
  stateMachineArn: ImageArn,
  name,
  status,
  startDate: new Date(start),
  ...(stop ? { stopDate: new Date(stop) } : {}),
})
const order: ExecutionSummary = {
  executionArn: executionArn(OrderArn, 'order-1'),
  name: 'order-1',
  workflow: 'OrderWorkflow',
  status: 'SUCCEEDED',
  startDate: '2024-05-01T11:00:00.000Z',
  stopDate: '2024-05-01T11:02:05.000Z',
  subject: 'ord_1',
}

let runtime: FakeRuntime
beforeEach(async () => {
  givenStack()
  mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: ImageArn }).resolves({
    executions: [
      listed('image-9a1d', 'FAILED', '2024-05-01T12:05:00.000Z', '2024-05-01T12:05:03.250Z'),
      listed('image-7f3c', 'SUCCEEDED', '2024-05-01T12:00:00.000Z', '2024-05-01T12:00:01.500Z'),
    ],
  })
  mocks.sfn
    .on(ListExecutionsCommand, { stateMachineArn: OrderArn })
    .rejects(new StateMachineTypeNotSupported({ $metadata: { httpStatusCode: 400 }, message: 'Express' }))
  runtime = await startFakeRuntime({ expressExecutions: { [OrderArn]: [order] } })
})
afterEach(() => runtime.close())

describe('pipeline executions', () => {
  it("prints one table newest first: the Standard workflows' from ListExecutions, an Express one's from the runtime", async () => {
    // Act
    const { code, stdout, stderr } = await runLocal(['executions'], runtime.url)

    // Assess
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
      { stateMachineArn: ImageArn, maxResults: 100 },
      { stateMachineArn: OrderArn, maxResults: 100 },
    ])
    expect(runtime.requests.map((request) => [request.path, request.query])).toEqual([
      ['/console/api/executions', { workflow: OrderArn, limit: '100' }],
    ])
    expect(stdout).toBe(
      [
        'NAME        WORKFLOW  STATUS     STARTED              DURATION',
        `image-9a1d  image     FAILED     ${formatTime('2024-05-01T12:05:00.000Z')}  3.2s`,
        `image-7f3c  image     SUCCEEDED  ${formatTime('2024-05-01T12:00:00.000Z')}  1.5s`,
        `order-1     order     SUCCEEDED  ${formatTime(order.startDate)}  2m 05s`,
        '',
      ].join('\n'),
    )
  })

  it('passes --workflow and an upper-cased --status to Step Functions', async () => {
    const { code, stdout } = await runLocal(['executions', '--workflow', 'image', '--status', 'failed'], runtime.url)

    expect(code).toBe(0)
    expect(inputsOf(mocks.sfn.commandCalls(ListExecutionsCommand))).toEqual([
      { stateMachineArn: ImageArn, maxResults: 100, statusFilter: 'FAILED' },
    ])
    expect(runtime.requests).toEqual([])
    expect(stdout).toContain('image-9a1d')
  })

  it('passes the status to the runtime for an Express workflow', async () => {
    const { code, stdout } = await runLocal(['executions', '--workflow', 'order', '--status', 'FAILED'], runtime.url)

    expect(code).toBe(0)
    expect(runtime.requests[0]?.query).toEqual({ workflow: OrderArn, status: 'FAILED', limit: '100' })
    expect(stdout).toBe('No executions.\n')
  })

  it('prints the executions as JSON with --json', async () => {
    const { code, stdout } = await runLocal(['executions', '--json'], runtime.url)

    expect(code).toBe(0)
    const answer = JSON.parse(stdout) as { executions: Array<{ name: string; workflow: string; subject?: string }> }
    expect(answer.executions.map(({ name, workflow }) => [name, workflow])).toEqual([
      ['image-9a1d', 'image'],
      ['image-7f3c', 'image'],
      ['order-1', 'order'],
    ])
    expect(answer.executions[2]?.subject).toBe('ord_1')
  })

  it('refuses --status PENDING, which Step Functions does not have, sending nothing', async () => {
    const { code, stderr } = await runLocal(['executions', '--status', 'PENDING'], runtime.url)

    expect(code).toBe(2)
    expect(stderr).toContain('--status PENDING: Step Functions has RUNNING (an execution not started yet included)')
    expect(mocks.sfn.send.callCount).toBe(0)
  })
})
