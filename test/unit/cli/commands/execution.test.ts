import { main } from '../../../../cli/main'
import { formatTime } from '../../../../cli/format'
import { captureIo, imageExecution, plain, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: ['at validate (steps/validate/program.ts:12:3)'] })

/** A run whose resize failed twice, was retried, then caught; the failure recorder ran and the execution failed. */
const failedRun = imageExecution({
  status: 'FAILED',
  stopDate: '2024-05-01T12:00:04.000Z',
  error: 'States.TaskFailed',
  cause: lambdaCause('TransientError', 'image table unavailable'),
  states: [
    {
      name: 'ValidateImage',
      type: 'Task',
      status: 'SUCCEEDED',
      enteredAt: '2024-05-01T12:00:00.010Z',
      exitedAt: '2024-05-01T12:00:00.130Z',
      durationMs: 120,
      retries: 0,
    },
    {
      name: 'ResizeRenditions',
      type: 'Map',
      status: 'CAUGHT',
      enteredAt: '2024-05-01T12:00:00.130Z',
      exitedAt: '2024-05-01T12:00:02.430Z',
      durationMs: 2300,
      retries: 2,
      iterations: 3,
      error: 'CorruptImage',
      cause: lambdaCause('CorruptImage', 'uploads/cat.jpg is a corrupt or truncated jpeg: premature end'),
    },
    {
      name: 'RecordFailure',
      type: 'Task',
      status: 'FAILED',
      enteredAt: '2024-05-01T12:00:02.430Z',
      exitedAt: '2024-05-01T12:00:04.000Z',
      retries: 0,
      error: 'States.TaskFailed',
      cause: 'plain words',
    },
    { name: 'ImageFailed', type: 'Fail', status: 'FAILED', enteredAt: '2024-05-01T12:00:04.000Z', retries: 0 },
  ],
})

let runtime: FakeRuntime
beforeEach(async () => {
  runtime = await startFakeRuntime({ executions: [failedRun] })
})
afterEach(() => runtime.close())

describe('pipeline execution', () => {
  it('shows the execution, then each state with status, duration, retries and error', async () => {
    // Prepare
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['execution', 'image-7f3c'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe(
      [
        'Execution  image-7f3c',
        'ARN        arn:aws:states:us-east-1:123456789012:execution:ImageWorkflow:image-7f3c',
        'Workflow   ImageWorkflow',
        'Status     FAILED',
        `Started    ${formatTime('2024-05-01T12:00:00.000Z')}`,
        `Stopped    ${formatTime('2024-05-01T12:00:04.000Z')}`,
        'Duration   4.0s',
        'Error      States.TaskFailed',
        'Cause      image table unavailable',
        '',
        'STATE                  TYPE  STATUS     DURATION  RETRIES  ERROR',
        'ValidateImage          Task  SUCCEEDED  120ms     0',
        'ResizeRenditions (×3)  Map   CAUGHT     2.3s      2        CorruptImage: uploads/cat.jpg is a corrupt or truncated jpeg: premature end',
        'RecordFailure          Task  FAILED     1.5s      0        States.TaskFailed: plain words',
        'ImageFailed            Fail  FAILED     -         0',
        '',
      ].join('\n'),
    )
  })

  it('finds an execution by its ARN, encoded as one path segment', async () => {
    const { io } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['execution', failedRun.executionArn], io)

    expect(code).toBe(0)
    expect(runtime.requests[0]?.path).toBe(`/executions/${encodeURIComponent(failedRun.executionArn)}`)
  })

  it('cuts long errors to the terminal width', async () => {
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url }, { tty: true, columns: 80 })

    await main(['execution', 'image-7f3c'], io)

    const widest = Math.max(
      ...plain(stdout())
        .split('\n')
        .filter((line) => line.startsWith('Resize'))
        .map((line) => line.length),
    )
    expect(widest).toBeLessThan(80)
    expect(stdout()).toContain('…')
  })

  it('prints the raw execution with --json', async () => {
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['execution', 'image-7f3c', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual(failedRun)
  })

  it('exits 1 with the server message for an unknown execution', async () => {
    const { io, stdout, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['execution', 'nope'], io)

    expect(code).toBe(1)
    expect(stdout()).toBe('')
    expect(stderr()).toBe('pipeline execution: the server answered 404 ExecutionDoesNotExist: no execution nope\n')
  })
})
