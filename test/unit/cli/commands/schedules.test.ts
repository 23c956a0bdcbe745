import type { ScheduleView } from '../../../../cli/client'
import { lastArnSegment } from '../../../../cli/commands/schedules'
import { main } from '../../../../cli/main'
import { captureIo, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

const schedules: ScheduleView[] = [
  {
    name: 'ReconcileSearch',
    expression: 'rate(1 hour)',
    targetArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:MaintenanceWorkflow',
    enabled: true,
    periodMs: 3_600_000,
  },
  {
    name: 'SweepStaleOrders',
    expression: 'rate(5 minutes)',
    targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:sweep',
    enabled: false,
    periodMs: 300_000,
  },
  {
    name: 'Nightly',
    expression: 'cron(0 3 * * ? *)',
    targetArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:NightlyReport',
    enabled: true,
  },
]

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

describe('pipeline schedules', () => {
  it('prints each schedule with its expression, target and whether it is enabled', async () => {
    // Prepare
    runtime = await startFakeRuntime({ schedules })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['schedules'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe(
      [
        'NAME              EXPRESSION         TARGET               ENABLED',
        'ReconcileSearch   rate(1 hour)       MaintenanceWorkflow  yes',
        'SweepStaleOrders  rate(5 minutes)    sweep                no',
        'Nightly           cron(0 3 * * ? *)  NightlyReport        yes',
        '',
      ].join('\n'),
    )
  })

  it("prints the server's JSON with --json", async () => {
    runtime = await startFakeRuntime({ schedules })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['schedules', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual({ schedules })
  })

  it('says so when there are none', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['schedules'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No schedules.\n')
  })
})

describe('pipeline schedule run', () => {
  it("starts the schedule's target and prints the execution ARN", async () => {
    runtime = await startFakeRuntime({ schedules })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['schedule', 'run', 'ReconcileSearch'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('arn:aws:states:us-east-1:123456789012:execution:MaintenanceWorkflow:ReconcileSearch-1\n')
    expect(stderr()).toBe('')
    expect(runtime.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /schedules/ReconcileSearch/run',
    ])
  })

  it("prints the server's JSON with --json", async () => {
    runtime = await startFakeRuntime({ schedules })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['schedule', 'run', 'ReconcileSearch', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual({
      schedule: 'ReconcileSearch',
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:MaintenanceWorkflow:ReconcileSearch-1',
    })
  })

  it('exits 1 with the server message for an unknown schedule', async () => {
    runtime = await startFakeRuntime({ schedules })
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['schedule', 'run', 'Hourly Thing'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe('')
    expect(stderr()).toBe(
      'pipeline schedule run: the server answered 404 ResourceNotFoundException: No schedule named Hourly Thing\n',
    )
    expect(runtime.requests[0]?.path).toBe('/schedules/Hourly%20Thing/run')
  })

  it.each([
    { name: 'no subcommand', argv: ['schedule'], message: 'pipeline schedule: missing subcommand: run' },
    {
      name: 'an unknown subcommand',
      argv: ['schedule', 'stop', 'X'],
      message: "pipeline schedule: unknown subcommand 'stop': run",
    },
    { name: 'no schedule name', argv: ['schedule', 'run'], message: 'pipeline schedule run: missing NAME' },
  ])('exits 2 on $name', async ({ argv, message }) => {
    const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(argv, io)

    expect(code).toBe(2)
    expect(stderr()).toContain(message)
  })

  it('documents `pipeline schedule --help` with its subcommand', async () => {
    const { io, stdout } = captureIo()

    const code = await main(['schedule', '--help'], io)

    expect(code).toBe(0)
    expect(stdout()).toMatch(/^Usage: pipeline schedule run NAME \[options\]$/m)
  })
})

describe('lastArnSegment', () => {
  it.each([
    { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:MaintenanceWorkflow', segment: 'MaintenanceWorkflow' },
    { arn: 'arn:aws:lambda:us-east-1:123456789012:function:resize:live', segment: 'live' },
    { arn: 'arn:aws:events:us-east-1:123456789012:event-bus/archive-bus', segment: 'archive-bus' },
    { arn: 'not-an-arn', segment: 'not-an-arn' },
    { arn: '', segment: '-' },
  ])('reads $arn as $segment', ({ arn, segment }) => {
    expect(lastArnSegment(arn)).toBe(segment)
  })
})
