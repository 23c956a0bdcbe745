import { randomUUID } from 'node:crypto'
import {
  CancelReplayCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  ListReplaysCommand,
  ListRulesCommand,
  StartReplayCommand,
  type Replay as EventBridgeReplay,
  type Rule,
} from '@aws-sdk/client-eventbridge'
import type { Replay, ReplayRequest } from '../../../contracts/replays'
import { InvalidRequest, NotFound } from './errors'
import { iso, type AwsContext } from './context'
import { ArchiveName } from './limits'
import { withoutHash } from './stack'

/** The part of an ARN after its last `/`: a rule's or an archive's name. */
const lastSegment = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1)

/**
 * A rule's name as the local runtime shows it: CloudFormation names a rule `{stack}-{logicalId}-{random}`
 * (`Pipeline-StartImageWorkflow8BED8C8A-1XYZ`), which reads `StartImageWorkflow` here.
 */
export const shortRuleName = (physical: string, stack: string): string => {
  const generated = new RegExp(`^${stack.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(.+)-[A-Za-z0-9]{6,}$`).exec(physical)
  return generated ? withoutHash(generated[1] ?? physical) : physical
}

/** Replays, on EventBridge: the archive of the stack's bus (its `ArchiveName` output), and the rules of that bus. */
export class Replays {
  private archivePromise: Promise<{ readonly name: string; readonly arn: string; readonly busArn: string }> | undefined

  constructor(private readonly aws: AwsContext) {}

  /**
   * StartReplay of the archive (its ARN from DescribeArchive) from --from to --to, to the archive's bus (the
   * archive's EventSourceArn), only to the --rule ones when given (their ARNs from ListRules on the bus, matched by
   * name, or by prefix when unique). EventBridge wants a name: `replay-` and 8 hex digits unless --name gives one.
   */
  async start(request: ReplayRequest): Promise<Replay> {
    const archive = await this.archive()
    const rules = request.rules && request.rules.length > 0 ? await this.rules(request.rules) : undefined
    const name = request.name ?? `replay-${randomUUID().slice(0, 8)}`
    const answer = await this.aws.call('EventBridge', () =>
      this.aws.clients.events.send(
        new StartReplayCommand({
          ReplayName: name,
          EventSourceArn: archive.arn,
          EventStartTime: new Date(request.from),
          EventEndTime: new Date(request.to),
          Destination: { Arn: archive.busArn, ...(rules ? { FilterArns: rules.map((rule) => rule.Arn ?? '') } : {}) },
        }),
      ),
    )
    return {
      name,
      archive: archive.name,
      from: request.from,
      to: request.to,
      rules: rules ? rules.map((rule) => shortRuleName(rule.Name ?? '', this.aws.stack.stackName)) : null,
      state: (answer.State ?? 'STARTING') as Replay['state'],
      startedAt: iso(answer.ReplayStartTime) ?? new Date(this.aws.now()).toISOString(),
      ...(answer.ReplayArn ? { arn: answer.ReplayArn } : {}),
      ...reasonOf(answer.State, answer.StateReason),
    }
  }

  async get(name: string): Promise<Replay> {
    const answer = await this.aws.call('EventBridge', () =>
      this.aws.clients.events.send(new DescribeReplayCommand({ ReplayName: name })),
    )
    const filters = answer.Destination?.FilterArns ?? []
    return {
      ...this.view(answer),
      rules:
        filters.length > 0 ? filters.map((arn) => shortRuleName(lastSegment(arn), this.aws.stack.stackName)) : null,
    }
  }

  /** ListReplays of the archive, every page; a list does not say which rules a replay targets. */
  async list(): Promise<{ readonly replays: ReadonlyArray<Replay> }> {
    const archive = await this.archive()
    const replays: Replay[] = []
    let token: string | undefined
    do {
      const page = await this.aws.call('EventBridge', () =>
        this.aws.clients.events.send(new ListReplaysCommand({ EventSourceArn: archive.arn, NextToken: token })),
      )
      replays.push(...(page.Replays ?? []).map((replay) => this.view(replay)))
      token = page.NextToken
    } while (token)
    return { replays }
  }

  /** CancelReplay, then the replay as it is now (CANCELLING until EventBridge has stopped it). */
  async cancel(name: string): Promise<Replay> {
    await this.aws.call('EventBridge', () =>
      this.aws.clients.events.send(new CancelReplayCommand({ ReplayName: name })),
    )
    return this.get(name)
  }

  private view(replay: EventBridgeReplay): Replay {
    return {
      name: replay.ReplayName ?? '',
      archive: replay.EventSourceArn ? lastSegment(replay.EventSourceArn) : ArchiveName,
      from: iso(replay.EventStartTime) ?? '',
      to: iso(replay.EventEndTime) ?? '',
      state: (replay.State ?? 'STARTING') as Replay['state'],
      startedAt: iso(replay.ReplayStartTime) ?? '',
      ...(replay.ReplayEndTime ? { endedAt: iso(replay.ReplayEndTime) } : {}),
      ...(replay.EventLastReplayedTime ? { lastReplayedAt: iso(replay.EventLastReplayedTime) } : {}),
      ...('ReplayArn' in replay && typeof replay.ReplayArn === 'string' ? { arn: replay.ReplayArn } : {}),
      ...reasonOf(replay.State, replay.StateReason),
    }
  }

  private archive(): Promise<{ readonly name: string; readonly arn: string; readonly busArn: string }> {
    return (this.archivePromise ??= (async () => {
      // Stacks deployed before the archive's name was left to CloudFormation have no output and the fixed name.
      const name = await this.aws.stack.output('ArchiveName').catch(() => ArchiveName)
      const answer = await this.aws.call('EventBridge', () =>
        this.aws.clients.events.send(new DescribeArchiveCommand({ ArchiveName: name })),
      )
      if (!answer.ArchiveArn || !answer.EventSourceArn)
        throw new NotFound(`EventBridge describes archive ${name} without its ARN or its bus`)
      return { name, arn: answer.ArchiveArn, busArn: answer.EventSourceArn }
    })())
  }

  /** The rules `names` name on the stack's bus (the BusName output): exact names first, else a unique name prefix. */
  private async rules(names: ReadonlyArray<string>): Promise<ReadonlyArray<Rule>> {
    const bus = await this.aws.stack.output('BusName')
    const all: Rule[] = []
    let token: string | undefined
    do {
      const page = await this.aws.call('EventBridge', () =>
        this.aws.clients.events.send(new ListRulesCommand({ EventBusName: bus, NextToken: token })),
      )
      all.push(...(page.Rules ?? []))
      token = page.NextToken
    } while (token)
    const stack = this.aws.stack.stackName
    const known = () => all.map((rule) => shortRuleName(rule.Name ?? '', stack)).join(', ') || 'none'
    return names.map((name) => {
      const wanted = name.toLowerCase()
      const exact = all.filter((rule) =>
        [rule.Name ?? '', shortRuleName(rule.Name ?? '', stack)].some(
          (candidate) => candidate.toLowerCase() === wanted,
        ),
      )
      const matches =
        exact.length > 0
          ? exact
          : all.filter((rule) =>
              [wanted, `${stack}-${name}`.toLowerCase()].some((prefix) =>
                (rule.Name ?? '').toLowerCase().startsWith(prefix),
              ),
            )
      if (matches.length === 0)
        throw new NotFound(`--rule ${name}: no rule of bus ${bus} has that name (rules: ${known()})`)
      if (matches.length > 1)
        throw new InvalidRequest(
          `--rule ${name} names ${matches.length} rules of bus ${bus}: ${matches.map((rule) => rule.Name).join(', ')}; give one's full name`,
        )
      return matches[0] as Rule
    })
  }
}

/** EventBridge says why a replay failed or was cancelled; other states' reasons are noise. */
const reasonOf = (state: string | undefined, reason: string | undefined): { readonly reason?: string } =>
  reason && (state === 'FAILED' || state === 'CANCELLED') ? { reason } : {}
