import {
  CancelReplayCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  ListReplaysCommand,
  ListRulesCommand,
  StartReplayCommand,
  type DescribeReplayCommandOutput,
} from '@aws-sdk/client-eventbridge'
import { formatTime } from '../../../../cli/format'
import { plain } from '../fake-runtime'
import { Account, ArchiveArn, BusArn, BusName, Region, givenStack, inputsOf, mocks, runAws } from './fake-stack'

const ruleArn = (name: string) => `arn:aws:events:${Region}:${Account}:rule/${BusName}/${name}`
const rules = [
  'Pipeline-StartImageWorkflow8BED8C8A-1AbCdEfGhIjK',
  'Pipeline-StartImportWorkflow4D5E6F70-2LmNoPqRsTuV',
  'Pipeline-StartOrderWorkflow11223344-3WxYzAbCdEfG',
]
const from = '2024-05-01T12:00:00.000Z'
const to = '2024-05-01T13:00:00.000Z'
const replayArn = (name: string) => `arn:aws:events:${Region}:${Account}:replay/${name}`

/** DescribeReplay of `name` in `state`, having replayed up to `last` (ms into the window). */
const replay = (
  name: string,
  state: DescribeReplayCommandOutput['State'],
  last?: number,
  extra: Partial<DescribeReplayCommandOutput> = {},
): DescribeReplayCommandOutput => ({
  $metadata: {},
  ReplayName: name,
  ReplayArn: replayArn(name),
  State: state,
  EventSourceArn: ArchiveArn,
  Destination: { Arn: BusArn, FilterArns: [ruleArn(rules[0] ?? '')] },
  EventStartTime: new Date(from),
  EventEndTime: new Date(to),
  ReplayStartTime: new Date('2024-05-02T09:00:00.000Z'),
  ...(last === undefined ? {} : { EventLastReplayedTime: new Date(Date.parse(from) + last) }),
  ...extra,
})

beforeEach(() => {
  givenStack()
  mocks.events
    .on(DescribeArchiveCommand, { ArchiveName: 'pipeline-archive' })
    .resolves({ ArchiveName: 'pipeline-archive', ArchiveArn, EventSourceArn: BusArn, State: 'ENABLED' })
  mocks.events.on(ListRulesCommand, { EventBusName: BusName, NextToken: undefined }).resolves({
    Rules: rules.slice(0, 2).map((name) => ({ Name: name, Arn: ruleArn(name), EventBusName: BusName })),
    NextToken: 'more',
  })
  mocks.events
    .on(ListRulesCommand, { EventBusName: BusName, NextToken: 'more' })
    .resolves({ Rules: rules.slice(2).map((name) => ({ Name: name, Arn: ruleArn(name), EventBusName: BusName })) })
  mocks.events.on(StartReplayCommand).callsFake((input: { ReplayName: string }) => ({
    ReplayArn: replayArn(input.ReplayName),
    State: 'STARTING',
    ReplayStartTime: new Date('2024-05-02T09:00:00.000Z'),
  }))
})

describe('pipeline --target aws replay', () => {
  it('starts a replay of the archive to the bus, filtered to the --rule ones, and follows it with DescribeReplay until it ends', async () => {
    // Prepare
    mocks.events
      .on(DescribeReplayCommand, { ReplayName: 'retry-may-1' })
      .resolvesOnce(replay('retry-may-1', 'RUNNING', 30 * 60_000))
      .resolves(
        replay('retry-may-1', 'COMPLETED', 59 * 60_000, { ReplayEndTime: new Date('2024-05-02T09:05:00.000Z') }),
      )

    // Act: a rule's name as the local runtime shows it matches the deployed one.
    const { code, stdout, stderr } = await runAws([
      'replay',
      '--from',
      from,
      '--to',
      to,
      '--rule',
      'StartImageWorkflow',
      '--name',
      'retry-may-1',
    ])

    // Assess: the exact StartReplay request.
    expect(code).toBe(0)
    expect(inputsOf(mocks.events.commandCalls(StartReplayCommand))).toEqual([
      {
        ReplayName: 'retry-may-1',
        EventSourceArn: ArchiveArn,
        EventStartTime: new Date(from),
        EventEndTime: new Date(to),
        Destination: { Arn: BusArn, FilterArns: [ruleArn(rules[0] ?? '')] },
      },
    ])
    expect(inputsOf(mocks.events.commandCalls(ListRulesCommand))).toEqual([
      { EventBusName: BusName, NextToken: undefined },
      { EventBusName: BusName, NextToken: 'more' },
    ])
    expect(stdout).toBe(`retry-may-1  COMPLETED  replayed up to ${formatTime('2024-05-01T12:59:00.000Z')}\n`)
    expect(stderr).toContain(
      `replay retry-may-1 STARTING: archive pipeline-archive, ${formatTime(from)} to ${formatTime(to)}, to rule StartImageWorkflow\n`,
    )
    expect(stderr).toMatch(/replay retry-may-1 COMPLETED: events replayed up to .* in \S+\n$/)
  })

  it('names the replay replay- and 8 hex digits without --name, and re-delivers to every rule without --rule', async () => {
    mocks.events
      .on(DescribeReplayCommand)
      .resolves(replay('x', 'COMPLETED', undefined, { Destination: { Arn: BusArn } }))

    const { code } = await runAws(['replay', '--from', from, '--to', to])

    expect(code).toBe(0)
    const [request] = inputsOf(mocks.events.commandCalls(StartReplayCommand))
    expect(request?.ReplayName).toMatch(/^replay-[0-9a-f]{8}$/)
    expect(request?.Destination).toEqual({ Arn: BusArn })
    expect(mocks.events.commandCalls(ListRulesCommand)).toHaveLength(0)
  })

  it('draws the share of the window replayed on a terminal, EventBridge counting no events', async () => {
    mocks.events
      .on(DescribeReplayCommand)
      .resolvesOnce(replay('r', 'RUNNING', 15 * 60_000))
      .resolves(replay('r', 'COMPLETED', 60 * 60_000))

    const { code, stderr } = await runAws(['replay', '--from', from, '--to', to, '--name', 'r'], { tty: true })

    expect(code).toBe(0)
    expect(plain(stderr)).toContain('25% of the window  RUNNING')
  })

  it("exits 1 with EventBridge's reason when the replay FAILED", async () => {
    mocks.events
      .on(DescribeReplayCommand)
      .resolves(replay('r', 'FAILED', 10_000, { StateReason: 'Destination rule was deleted.' }))

    const { code, stdout } = await runAws(['replay', '--from', from, '--to', to, '--name', 'r'])

    expect(code).toBe(1)
    expect(stdout).toBe(
      `r  FAILED  replayed up to ${formatTime('2024-05-01T12:00:10.000Z')}  Destination rule was deleted.\n`,
    )
  })

  it('with --no-wait, prints the started replay and exits 0', async () => {
    const { code, stdout } = await runAws(['replay', '--from', from, '--to', to, '--name', 'r', '--no-wait', '--json'])

    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({
      name: 'r',
      archive: 'pipeline-archive',
      from,
      to,
      rules: null,
      state: 'STARTING',
      startedAt: '2024-05-02T09:00:00.000Z',
      arn: replayArn('r'),
    })
    expect(mocks.events.commandCalls(DescribeReplayCommand)).toHaveLength(0)
  })

  it('exits 1 and starts nothing when a --rule names no rule of the bus', async () => {
    const { code, stderr } = await runAws(['replay', '--from', from, '--to', to, '--rule', 'StartThumbnails'])

    expect(code).toBe(1)
    expect(stderr).toBe(
      'pipeline replay: --rule StartThumbnails: no rule of bus pipeline has that name (rules: StartImageWorkflow, StartImportWorkflow, StartOrderWorkflow)\n',
    )
    expect(mocks.events.commandCalls(StartReplayCommand)).toHaveLength(0)
  })

  it('exits 2 and starts nothing when a --rule prefix names several rules', async () => {
    const { code, stderr } = await runAws(['replay', '--from', from, '--to', to, '--rule', 'StartIm'])

    expect(code).toBe(2)
    expect(stderr).toContain(`--rule StartIm names 2 rules of bus pipeline: ${rules[0]}, ${rules[1]}`)
    expect(mocks.events.commandCalls(StartReplayCommand)).toHaveLength(0)
  })

  it("takes a unique prefix of a rule's name", async () => {
    mocks.events.on(DescribeReplayCommand).resolves(replay('r', 'COMPLETED'))

    const { code } = await runAws(['replay', '--from', from, '--to', to, '--rule', 'StartOrd', '--name', 'r'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.events.commandCalls(StartReplayCommand))[0]?.Destination).toEqual({
      Arn: BusArn,
      FilterArns: [ruleArn(rules[2] ?? '')],
    })
  })
})

describe('pipeline --target aws replays', () => {
  it("lists the archive's replays with ListReplays, every page, newest first", async () => {
    const listed = (name: string, state: 'COMPLETED' | 'RUNNING', started: string, last?: string) => ({
      ReplayName: name,
      EventSourceArn: ArchiveArn,
      State: state,
      EventStartTime: new Date(from),
      EventEndTime: new Date(to),
      ReplayStartTime: new Date(started),
      ...(last ? { EventLastReplayedTime: new Date(last) } : {}),
    })
    mocks.events.on(ListReplaysCommand, { EventSourceArn: ArchiveArn, NextToken: undefined }).resolves({
      Replays: [listed('old', 'COMPLETED', '2024-05-02T08:00:00Z', '2024-05-01T12:59:59Z')],
      NextToken: 't',
    })
    mocks.events
      .on(ListReplaysCommand, { EventSourceArn: ArchiveArn, NextToken: 't' })
      .resolves({ Replays: [listed('new', 'RUNNING', '2024-05-02T09:00:00Z')] })

    const { code, stdout } = await runAws(['replays'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.events.commandCalls(ListReplaysCommand))).toEqual([
      { EventSourceArn: ArchiveArn, NextToken: undefined },
      { EventSourceArn: ArchiveArn, NextToken: 't' },
    ])
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+PROGRESS\s+FROM\s+TO\s+STARTED$/)
    expect(lines[1]).toMatch(/^new\s+RUNNING\s+-\s+/)
    expect(lines[2]).toContain(`old   COMPLETED  up to ${formatTime('2024-05-01T12:59:59Z')}`)
  })
})

describe('pipeline --target aws replay cancel', () => {
  it('cancels with CancelReplay and prints the replay as DescribeReplay has it then', async () => {
    mocks.events.on(CancelReplayCommand).resolves({ ReplayArn: replayArn('r'), State: 'CANCELLING' })
    mocks.events.on(DescribeReplayCommand).resolves(replay('r', 'CANCELLING', 60_000))

    const { code, stdout } = await runAws(['replay', 'cancel', 'r'])

    expect(code).toBe(0)
    expect(inputsOf(mocks.events.commandCalls(CancelReplayCommand))).toEqual([{ ReplayName: 'r' }])
    expect(stdout).toBe(`r  CANCELLING  replayed up to ${formatTime('2024-05-01T12:01:00.000Z')}\n`)
  })
})
