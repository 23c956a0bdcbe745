import {
  DescribeArchiveCommand,
  ListReplaysCommand,
  type Replay as EventBridgeReplay,
} from '@aws-sdk/client-eventbridge'
import { formatTime } from '../../../../cli/format'
import type { ReplayView } from '../../../../infra/local/eventbridge/replays'
import { ArchiveArn, BusArn, givenStack, mocks } from '../aws/fake-stack'
import { plain, startFakeRuntime, type FakeRuntime } from '../fake-runtime'
import { runLocal } from '../local-target'

// The local target: ListReplays on the runtime's endpoint, as EventBridge answers it (no event counts), and the
// events each replay re-delivered of how many from the runtime's own `GET /replays`.

const window = { from: '2024-05-01T12:00:00.000Z', to: '2024-05-01T13:00:00.000Z' }
const listed = (name: string, state: EventBridgeReplay['State'], startedAt: string): EventBridgeReplay => ({
  ReplayName: name,
  EventSourceArn: ArchiveArn,
  State: state,
  EventStartTime: new Date(window.from),
  EventEndTime: new Date(window.to),
  ReplayStartTime: new Date(startedAt),
})
const counted = (name: string, state: ReplayView['state'], total: number, replayed: number): ReplayView => ({
  name,
  archive: 'pipeline-archive',
  ...window,
  rules: null,
  state,
  total,
  replayed,
  startedAt: '2024-05-02T09:00:00.000Z',
})

let runtime: FakeRuntime
beforeEach(async () => {
  givenStack()
  mocks.events
    .on(DescribeArchiveCommand)
    .resolves({ ArchiveName: 'pipeline-archive', ArchiveArn, EventSourceArn: BusArn, State: 'ENABLED' })
  mocks.events.on(ListReplaysCommand).resolves({
    Replays: [
      listed('retry-may-1', 'COMPLETED', '2024-05-02T09:00:00.000Z'),
      listed('doomed', 'FAILED', '2024-05-01T18:00:00.000Z'),
      listed('replay-7', 'RUNNING', '2024-05-02T10:00:00.000Z'),
    ],
  })
  runtime = await startFakeRuntime({
    replays: [
      counted('retry-may-1', 'COMPLETED', 40, 40),
      counted('doomed', 'FAILED', 40, 3),
      counted('replay-7', 'RUNNING', 120, 12),
    ],
  })
})
afterEach(() => runtime.close())

describe('pipeline replays', () => {
  it('prints name, state, progress (events replayed of how many), window and start, newest first', async () => {
    // Act
    const { code, stdout } = await runLocal(['replays'], runtime.url)

    // Assess
    expect(code).toBe(0)
    expect(runtime.requests.map((request) => request.path)).toEqual(['/replays'])
    const span = `${formatTime(window.from)}  ${formatTime(window.to)}`
    expect(stdout).toBe(
      [
        'NAME         STATE      PROGRESS  FROM                 TO                   STARTED',
        `replay-7     RUNNING    12/120    ${span}  ${formatTime('2024-05-02T10:00:00.000Z')}`,
        `retry-may-1  COMPLETED  40/40     ${span}  ${formatTime('2024-05-02T09:00:00.000Z')}`,
        `doomed       FAILED     3/40      ${span}  ${formatTime('2024-05-01T18:00:00.000Z')}`,
        '',
      ].join('\n'),
    )
  })

  it('shows no progress for a replay the runtime has no count of', async () => {
    runtime.replays.delete('doomed')

    const { stdout } = await runLocal(['replays'], runtime.url)

    expect(stdout).toMatch(/doomed\s+FAILED\s+-\s/)
  })

  it('colours the state on a terminal', async () => {
    const { stdout } = await runLocal(['replays'], runtime.url, { tty: true })

    expect(stdout).toContain('\x1b[32mCOMPLETED')
    expect(plain(stdout)).toContain('retry-may-1  COMPLETED  40/40')
  })

  it('prints the replays as JSON with --json, each with its counts', async () => {
    const { code, stdout } = await runLocal(['replays', '--json'], runtime.url)

    expect(code).toBe(0)
    expect((JSON.parse(stdout) as { replays: unknown[] }).replays).toContainEqual(
      expect.objectContaining({ name: 'replay-7', state: 'RUNNING', total: 120, replayed: 12, ...window }),
    )
  })

  it('says so when there are none', async () => {
    mocks.events.on(ListReplaysCommand).resolves({ Replays: [] })

    const { code, stdout } = await runLocal(['replays'], runtime.url)

    expect(code).toBe(0)
    expect(stdout).toBe('No replays.\n')
  })

  it("exits 3 when the runtime's counts are outside their contract", async () => {
    await runtime.close()
    runtime = await startFakeRuntime({ failWith: { status: 200, body: '{}' } })

    const { code, stderr } = await runLocal(['replays'], runtime.url)

    expect(code).toBe(3)
    expect(stderr).toBe(
      "pipeline replays: the server's answer is outside its contract: GET /replays answered replays: is missing\n",
    )
  })
})
