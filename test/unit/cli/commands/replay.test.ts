import {
  CancelReplayCommand,
  DescribeReplayCommand,
  ListRulesCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge'
import { main } from '../../../../cli/main'
import { BusArn, givenStack, inputsOf, mocks } from '../aws/fake-stack'
import {
  archivedEvent,
  captureIo,
  plain,
  startFakeRuntime,
  type FakeRuntime,
  type FakeReplayBehaviour,
} from '../fake-runtime'
import { givenLocalReplays, ruleArn, runLocal } from '../local-target'
import type { ReplayView } from '../../../../infra/local/eventbridge/replays'

// The local target: StartReplay, DescribeReplay and CancelReplay on the runtime's endpoint, as on EventBridge, and the
// events each replay re-delivered of how many from the runtime's own `GET /replays` (EventBridge counts none).

/** Five archived events between 12:00 and 12:04, and one just outside the window the tests replay. */
const archived = [0, 1, 2, 3, 4, 10].map((minute, index) =>
  archivedEvent(index + 1, new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString()),
)
const rules = [
  { name: 'ImageUploaded', bus: 'pipeline-bus', pattern: { source: ['aws.s3'] }, targets: [] },
  { name: 'ImageProcessed', bus: 'pipeline-bus', pattern: { source: ['pipeline.images'] }, targets: [] },
]
const window = ['--from', '2024-05-01T12:00:00Z', '--to', '2024-05-01T12:05:00Z']

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

const start = async (replay: FakeReplayBehaviour = {}, replays: ReadonlyArray<ReplayView> = []) => {
  givenStack()
  const fake = await startFakeRuntime({ events: archived, rules, replay, replays })
  givenLocalReplays(
    fake,
    rules.map((rule) => rule.name),
  )
  return fake
}
const polls = () => inputsOf(mocks.events.commandCalls(DescribeReplayCommand)).map((input) => input.ReplayName)
const started = () => inputsOf(mocks.events.commandCalls(StartReplayCommand))

const ended = (overrides: Partial<ReplayView> = {}): ReplayView => ({
  name: 'old-replay',
  archive: 'pipeline-archive',
  from: '2024-05-01T12:00:00.000Z',
  to: '2024-05-01T12:05:00.000Z',
  rules: null,
  state: 'COMPLETED',
  total: 5,
  replayed: 5,
  startedAt: '2024-05-01T14:00:00.000Z',
  endedAt: '2024-05-01T14:00:02.000Z',
  ...overrides,
})

describe('pipeline replay', () => {
  it('starts a replay, waits until it is COMPLETED and prints its name, state and count', async () => {
    // Prepare
    runtime = await start({ step: 2 })

    // Act
    const { code, stdout, stderr } = await runLocal(
      ['replay', ...window, '--rule', 'ImageUploaded', '--rule', 'ImageProcessed', '--name', 'retry-may-1'],
      runtime.url,
    )

    // Assess
    expect(code).toBe(0)
    expect(started()).toEqual([
      expect.objectContaining({
        ReplayName: 'retry-may-1',
        EventStartTime: new Date('2024-05-01T12:00:00.000Z'),
        EventEndTime: new Date('2024-05-01T12:05:00.000Z'),
        Destination: { Arn: BusArn, FilterArns: [ruleArn('ImageUploaded'), ruleArn('ImageProcessed')] },
      }),
    ])
    expect(polls()).toEqual(['retry-may-1', 'retry-may-1', 'retry-may-1'])
    expect(stdout).toBe('retry-may-1  COMPLETED  5/5 replayed\n')
    const lines = stderr.split('\n')
    expect(lines[0]).toMatch(
      /^replay retry-may-1 STARTING: archive pipeline-archive, .+ to .+, to rules ImageUploaded, ImageProcessed$/,
    )
    expect(lines[1]).toMatch(/^replay retry-may-1 COMPLETED: 5\/5 events replayed in \d/)
    expect(lines).toHaveLength(3)
  })

  it('names the replay replay- and 8 hex digits and filters to no rule when none are given', async () => {
    runtime = await start({ step: 5 })

    const { code, stdout, stderr } = await runLocal(['replay', ...window], runtime.url)

    expect(code).toBe(0)
    const [request] = started()
    expect(request?.ReplayName).toMatch(/^replay-[0-9a-f]{8}$/)
    expect(request?.Destination).toEqual({ Arn: BusArn })
    expect(mocks.events.commandCalls(ListRulesCommand)).toHaveLength(0)
    expect(stdout).toBe(`${request?.ReplayName ?? ''}  COMPLETED  5/5 replayed\n`)
    expect(stderr).toContain('to every rule of its bus')
  })

  it('exits 1 and prints the reason when the replay FAILS', async () => {
    runtime = await start({ step: 1, failAt: 2, reason: 'target ImageWorkflow\nis throttled' })

    const { code, stdout } = await runLocal(['replay', ...window, '--name', 'doomed'], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toBe('doomed  FAILED  2/5 replayed  target ImageWorkflow is throttled\n')
  })

  it('with --no-wait, prints the started replay and exits 0 without polling', async () => {
    runtime = await start({ step: 0 })

    const { code, stdout, stderr } = await runLocal(['replay', ...window, '--name', 'later', '--no-wait'], runtime.url)

    expect(code).toBe(0)
    expect(stdout).toBe('later  STARTING  0/5 replayed\n')
    expect(stderr).toBe('')
    expect(polls()).toEqual([])
  })

  it('with --json, prints the final view', async () => {
    runtime = await start({ step: 5 })

    const { code, stdout } = await runLocal(['replay', ...window, '--name', 'as-json', '--json'], runtime.url)

    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({
      name: 'as-json',
      state: 'COMPLETED',
      total: 5,
      replayed: 5,
      rules: null,
      archive: 'pipeline-archive',
    })
  })

  it('ends with exit 1 when the replay it waits for is cancelled', async () => {
    // Prepare: the replay never moves on its own.
    runtime = await start({ step: 0 })
    const url = runtime.url

    // Act
    const replaying = runLocal(['replay', ...window, '--name', 'stuck'], url)
    while (polls().length < 2) await new Promise((resolve) => setTimeout(resolve, 20))
    const cancelling = await runLocal(['replay', 'cancel', 'stuck'], url)
    const waiting = await replaying

    // Assess
    expect(cancelling.code).toBe(0)
    expect(cancelling.stdout).toBe('stuck  CANCELLED  0/5 replayed\n')
    expect(waiting.code).toBe(1)
    expect(waiting.stdout).toBe('stuck  CANCELLED  0/5 replayed\n')
    expect(waiting.stderr).toContain('replay stuck CANCELLED: 0/5 events replayed')
  })

  it('draws a progress bar on a terminal and clears it at the end', async () => {
    runtime = await start({ step: 2 })

    const { code, stdout, stderr } = await runLocal(['replay', ...window, '--name', 'shown'], runtime.url, {
      tty: true,
      columns: 100,
    })

    expect(code).toBe(0)
    expect(stderr).toContain('0/5 replayed  STARTING')
    expect(stderr).toContain('2/5 replayed  RUNNING')
    expect(stderr).toContain('[████████████████████████] 5/5 replayed  COMPLETED')
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true)
    expect(plain(stdout)).toBe('shown  COMPLETED  5/5 replayed\n')
    expect(stdout).toContain('\x1b[32mCOMPLETED')
  })

  it("exits 1 with EventBridge's message for a replay name in use", async () => {
    runtime = await start({}, [ended()])

    const { code, stdout, stderr } = await runLocal(['replay', ...window, '--name', 'old-replay'], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      'pipeline replay: EventBridge answered 400 ResourceAlreadyExistsException: Replay old-replay already exists.\n',
    )
  })

  it('exits 1 and starts nothing when a --rule names no rule of the bus', async () => {
    runtime = await start({}, [ended()])

    const { code, stdout, stderr } = await runLocal(['replay', ...window, '--rule', 'NoSuchRule'], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toContain(
      '--rule NoSuchRule: no rule of bus pipeline has that name (rules: ImageUploaded, ImageProcessed)',
    )
    expect(started()).toEqual([])
  })

  it('exits 1 when the replay disappears while it waits', async () => {
    runtime = await start({ step: 0 })
    const fake = runtime

    const replaying = runLocal(['replay', ...window, '--name', 'gone'], runtime.url)
    while (polls().length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
    fake.replays.delete('gone')
    const { code, stderr } = await replaying

    expect(code).toBe(1)
    expect(stderr).toContain(
      'pipeline replay: EventBridge answered 400 ResourceNotFoundException: Replay gone does not exist.',
    )
    expect(stderr).not.toContain('events replayed')
  })

  it.each([
    { name: 'no --from', argv: ['--to', 'now'], message: '--from T is required' },
    { name: 'no --to', argv: ['--from', '1h'], message: '--to T is required' },
    {
      name: '--from equal to --to',
      argv: ['--from', '2024-05-01T12:00:00Z', '--to', '2024-05-01T13:00:00+01:00'],
      message: '--from must be before --to (got 2024-05-01T12:00:00.000Z and 2024-05-01T12:00:00.000Z)',
    },
    { name: '--from after --to', argv: ['--from', '15m', '--to', '2h'], message: '--from must be before --to' },
    {
      name: 'a --to in the future',
      argv: ['--from', '1h', '--to', '2999-01-01T00:00:00Z'],
      message: '--to must not be in the future (got 2999-01-01T00:00:00.000Z); use --to now',
    },
    { name: 'a bad --to', argv: ['--from', '1h', '--to', 'soon'], message: '--to must be an ISO 8601 time' },
    {
      name: 'a --name EventBridge refuses',
      argv: [...window, '--name', 'my replay'],
      message: `--name must be 1 to 64 letters, digits, '.', '-' or '_' (got "my replay")`,
    },
    {
      name: 'an empty --rule',
      argv: [...window, '--rule', ' '],
      message: "--rule needs a rule name; 'pipeline rules' lists them",
    },
    { name: 'an argument', argv: ['again', ...window], message: 'takes no arguments (got again)' },
    { name: '--no-wait with a value', argv: [...window, '--no-wait=1'], message: 'option --no-wait takes no value' },
  ])('exits 2 on $name, before sending anything', async ({ argv, message }) => {
    runtime = await start()

    const { code, stdout, stderr } = await runLocal(['replay', ...argv], runtime.url)

    expect(code).toBe(2)
    expect(stderr).toContain(`pipeline replay: ${message}`)
    expect(stderr).toContain("Run 'pipeline replay --help' for usage.")
    expect(stdout).toBe('')
    expect(runtime.requests).toEqual([])
    expect(mocks.events.calls()).toEqual([])
    expect(mocks.cloudformation.calls()).toEqual([])
  })

  it('documents both forms in --help', async () => {
    const { io, stdout } = captureIo()

    const code = await main(['replay', '--help'], io)

    expect(code).toBe(0)
    expect(stdout()).toContain(
      'Usage: pipeline replay --from T --to T [options]\n       pipeline replay cancel NAME [options]\n',
    )
    expect(stdout()).toContain('  --rule NAME ')
    expect(stdout()).toContain('--no-wait')
  })
})

describe('pipeline replay cancel', () => {
  it('cancels a running replay and prints its view', async () => {
    runtime = await start({}, [ended({ name: 'running', state: 'RUNNING', replayed: 2, endedAt: undefined })])

    const { code, stdout } = await runLocal(['replay', 'cancel', 'running'], runtime.url)

    expect(code).toBe(0)
    expect(inputsOf(mocks.events.commandCalls(CancelReplayCommand))).toEqual([{ ReplayName: 'running' }])
    expect(stdout).toBe('running  CANCELLED  2/5 replayed\n')
  })

  it('prints the JSON view with --json', async () => {
    runtime = await start({}, [ended({ name: 'running', state: 'RUNNING', replayed: 2 })])

    const { code, stdout } = await runLocal(['replay', 'cancel', 'running', '--json'], runtime.url)

    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ name: 'running', state: 'CANCELLED' })
  })

  it.each([
    {
      name: 'an unknown replay',
      replay: 'nope',
      message: 'EventBridge answered 400 ResourceNotFoundException: Replay nope does not exist.',
    },
    {
      name: 'a replay that already ended',
      replay: 'old-replay',
      message:
        'EventBridge answered 400 IllegalStatusException: Replay old-replay is COMPLETED and cannot be cancelled.',
    },
  ])("exits 1 with EventBridge's message for $name", async ({ replay, message }) => {
    runtime = await start({}, [ended()])

    const { code, stdout, stderr } = await runLocal(['replay', 'cancel', replay], runtime.url)

    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(`pipeline replay cancel: ${message}\n`)
  })

  it('passes the name to CancelReplay as it is', async () => {
    runtime = await start()

    await runLocal(['replay', 'cancel', 'a/b c'], runtime.url)

    expect(inputsOf(mocks.events.commandCalls(CancelReplayCommand))).toEqual([{ ReplayName: 'a/b c' }])
  })

  it.each([
    { name: 'without a name', argv: ['replay', 'cancel'], message: 'pipeline replay cancel: missing NAME' },
    {
      name: 'with two names',
      argv: ['replay', 'cancel', 'a', 'b'],
      message: 'pipeline replay cancel: unexpected argument: b',
    },
    {
      name: 'with a replay flag',
      argv: ['replay', 'cancel', 'a', '--from', '1h'],
      message: 'pipeline replay cancel: unknown option --from',
    },
  ])('exits 2 $name, pointing at its own --help', async ({ argv, message }) => {
    const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

    const code = await main(argv, io)

    expect(code).toBe(2)
    expect(stderr()).toBe(`${message}\nRun 'pipeline replay cancel --help' for usage.\n`)
  })

  it('has its own --help, also as `pipeline help replay cancel`', async () => {
    const viaFlag = captureIo()
    const viaHelp = captureIo()

    const code = await main(['replay', 'cancel', '--help'], viaFlag.io)
    await main(['help', 'replay', 'cancel'], viaHelp.io)

    expect(code).toBe(0)
    expect(viaFlag.stdout()).toContain('Usage: pipeline replay cancel NAME [options]')
    expect(viaFlag.stdout()).toContain('Exit codes:')
    expect(viaHelp.stdout()).toBe(viaFlag.stdout())
  })
})
