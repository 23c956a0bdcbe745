import {
  CancelReplayCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  IllegalStatusException,
  ListRulesCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  StartReplayCommand,
  type DescribeReplayCommandOutput,
} from '@aws-sdk/client-eventbridge'
import { main } from '../../../cli/main'
import type { ReplayView } from '../../../infra/local/eventbridge/replays'
import { Account, ArchiveArn, BusArn, BusName, Region, mocks } from './aws/fake-stack'
import { captureIo, type FakeRuntime } from './fake-runtime'

// The local target speaks AWS to the runtime's own endpoint: in these tests the SDK clients are mocked (as in
// `aws/fake-stack.ts`), and a fake runtime at PIPELINE_URL answers the runtime's own routes (what AWS has no API for).

/** Runs `pipeline ARGV` on the local target (no --target) against the runtime at `url`, polling fast. */
export const runLocal = async (
  argv: ReadonlyArray<string>,
  url: string,
  options: { readonly tty?: boolean; readonly columns?: number } = {},
) => {
  const { io, stdout, stderr } = captureIo(
    { PIPELINE_URL: url },
    options.tty ? { tty: true, columns: options.columns ?? 120 } : {},
  )
  const code = await main(argv, io, { aws: { pollMs: 1 } })
  return { code, stdout: stdout(), stderr: stderr() }
}

export const ruleArn = (name: string): string => `arn:aws:events:${Region}:${Account}:rule/${BusName}/${name}`
const replayArn = (name: string): string => `arn:aws:events:${Region}:${Account}:replay/${name}`
const lastSegment = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1)

/** The runtime's refusals as EventBridge's exceptions (each a 400, as EventBridge answers them). */
const refusal = (answer: { readonly status: number; readonly body: unknown }): Error => {
  const { error, message } = answer.body as { error: string; message: string }
  const details = { $metadata: { httpStatusCode: 400 }, message }
  if (error === 'ResourceAlreadyExistsException') return new ResourceAlreadyExistsException(details)
  if (error === 'IllegalStatusException') return new IllegalStatusException(details)
  if (error === 'ResourceNotFoundException') return new ResourceNotFoundException(details)
  return new Error(`${error}: ${message}`)
}

/** A replay as DescribeReplay answers it: no event counts (those are the runtime's own `GET /replays`). */
const described = (replay: ReplayView): DescribeReplayCommandOutput => ({
  $metadata: {},
  ReplayName: replay.name,
  ReplayArn: replayArn(replay.name),
  State: replay.state,
  ...(replay.reason ? { StateReason: replay.reason } : {}),
  EventSourceArn: ArchiveArn,
  Destination: { Arn: BusArn, ...(replay.rules ? { FilterArns: replay.rules.map(ruleArn) } : {}) },
  EventStartTime: new Date(replay.from),
  EventEndTime: new Date(replay.to),
  ReplayStartTime: new Date(replay.startedAt),
  ...(replay.endedAt ? { ReplayEndTime: new Date(replay.endedAt) } : {}),
})

/**
 * The runtime's EventBridge API for replays, over the fake's replays: the archive, the bus's `rules`, and StartReplay,
 * DescribeReplay (each call one poll further) and CancelReplay moving the same replays its `GET /replays` counts.
 */
export const givenLocalReplays = (runtime: FakeRuntime, rules: ReadonlyArray<string>): void => {
  mocks.events
    .on(DescribeArchiveCommand)
    .resolves({ ArchiveName: 'pipeline-archive', ArchiveArn, EventSourceArn: BusArn, State: 'ENABLED' })
  mocks.events
    .on(ListRulesCommand)
    .resolves({ Rules: rules.map((name) => ({ Name: name, Arn: ruleArn(name), EventBusName: BusName })) })
  mocks.events
    .on(StartReplayCommand)
    .callsFake(
      (input: {
        ReplayName: string
        EventStartTime: Date
        EventEndTime: Date
        Destination: { FilterArns?: string[] }
      }) => {
        const answer = runtime.replayApi.start({
          name: input.ReplayName,
          from: input.EventStartTime.toISOString(),
          to: input.EventEndTime.toISOString(),
          ...(input.Destination.FilterArns ? { rules: input.Destination.FilterArns.map(lastSegment) } : {}),
        })
        if (answer.status >= 400) throw refusal(answer)
        const replay = answer.body as ReplayView
        return { ReplayArn: replayArn(replay.name), State: replay.state, ReplayStartTime: new Date(replay.startedAt) }
      },
    )
  mocks.events.on(DescribeReplayCommand).callsFake((input: { ReplayName: string }) => {
    const replay = runtime.replayApi.advance(input.ReplayName)
    if (!replay)
      throw refusal({
        status: 404,
        body: { error: 'ResourceNotFoundException', message: `Replay ${input.ReplayName} does not exist.` },
      })
    return described(replay)
  })
  mocks.events.on(CancelReplayCommand).callsFake((input: { ReplayName: string }) => {
    const answer = runtime.replayApi.cancel(input.ReplayName)
    if (answer.status >= 400) throw refusal(answer)
    return { ReplayArn: replayArn(input.ReplayName), State: 'CANCELLING' }
  })
}
