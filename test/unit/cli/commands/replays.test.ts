import { formatTime } from '../../../../cli/format'
import { main } from '../../../../cli/main'
import { captureIo, plain, startFakeRuntime, type FakeRuntime } from '../fake-runtime'
import type { ReplayView } from '../../../../infra/local/eventbridge/replays'

const completed: ReplayView = {
  name: 'retry-may-1',
  archive: 'pipeline-archive',
  from: '2024-05-01T12:00:00.000Z',
  to: '2024-05-01T13:00:00.000Z',
  rules: ['ImageUploaded'],
  state: 'COMPLETED',
  total: 40,
  replayed: 40,
  startedAt: '2024-05-02T09:00:00.000Z',
  endedAt: '2024-05-02T09:00:03.000Z',
}
const running: ReplayView = {
  ...completed,
  name: 'replay-7',
  rules: null,
  state: 'RUNNING',
  total: 120,
  replayed: 12,
  startedAt: '2024-05-02T10:00:00.000Z',
  endedAt: undefined,
}
const failed: ReplayView = {
  ...completed,
  name: 'doomed',
  state: 'FAILED',
  replayed: 3,
  startedAt: '2024-05-01T18:00:00.000Z',
  reason: 'throttled',
}

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

describe('pipeline replays', () => {
  it('prints name, state, progress, window and start, newest first', async () => {
    // Prepare
    runtime = await startFakeRuntime({ replays: [completed, failed, running] })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['replays'], io)

    // Assess
    expect(code).toBe(0)
    const window = `${formatTime(completed.from)}  ${formatTime(completed.to)}`
    expect(stdout()).toBe(
      [
        'NAME         STATE      PROGRESS  FROM                 TO                   STARTED',
        `replay-7     RUNNING    12/120    ${window}  ${formatTime(running.startedAt)}`,
        `retry-may-1  COMPLETED  40/40     ${window}  ${formatTime(completed.startedAt)}`,
        `doomed       FAILED     3/40      ${window}  ${formatTime(failed.startedAt)}`,
        '',
      ].join('\n'),
    )
  })

  it('colours the state on a terminal', async () => {
    runtime = await startFakeRuntime({ replays: [completed] })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url }, { tty: true })

    await main(['replays'], io)

    expect(stdout()).toContain('\x1b[32mCOMPLETED')
    expect(plain(stdout())).toContain('retry-may-1  COMPLETED  40/40')
  })

  it("prints the server's JSON with --json", async () => {
    runtime = await startFakeRuntime({ replays: [completed, running] })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['replays', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual({ replays: [completed, JSON.parse(JSON.stringify(running))] })
  })

  it('says so when there are none', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['replays'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No replays.\n')
  })

  it('exits 3 when the answer has no replays list', async () => {
    runtime = await startFakeRuntime({ failWith: { status: 200, body: '{}' } })
    const { io, stderr } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['replays'], io)

    expect(code).toBe(3)
    expect(stderr()).toBe(
      "pipeline replays: the server's answer is outside its contract: GET /replays answered replays: is missing\n",
    )
  })
})
