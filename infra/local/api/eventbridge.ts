import type { Schema } from 'effect'
import * as Eb from '../../../contracts/aws/eventbridge'
import type { PutEventsEntry } from '../../../contracts/envelope'
import { jsonDepth, MaxJsonDepth } from '../../../steps/kit/json-depth'
import { PutEventsValidation, type PutEventsResult } from '../eventbridge/bus'
import { compilePattern, InvalidEventPattern } from '../eventbridge/pattern'
import { ReplayRequestError, type ReplayView } from '../eventbridge/replays'
import { firstServed } from '../kernel/db'
import { LocalAccount, LocalRegion } from '../model/template'
import type { LocalRuntime } from '../runtime'
import type { AwsServiceHandler } from './aws-api'
import { AwsApiError } from './errors'
import { serveJson, type JsonOperation } from './json-protocol'
import { pageOf } from './paging'
import { decodeInput, type InputIssue } from './validate'

/*
 * EventBridge on the local endpoint, in the AWS JSON 1.1 protocol (`X-Amz-Target: AWSEvents.PutEvents`):
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html. Every operation goes through the
 * runtime's bus, matcher, archive and replayer, the code the project's own routes (`POST /events`, `GET /rules`,
 * `POST /replays`...) use too.
 */

/** EventBridge answers every refusal with 400 and the exception's name (https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html). */
const ebError = (code: string, message: string) => new AwsApiError(400, code, message)

export const EventBridgeErrors = {
  validation: (message: string) => ebError('ValidationException', message),
  busNotFound: (bus: string) => ebError('ResourceNotFoundException', `Event bus ${bus} does not exist.`),
  ruleNotFound: (rule: string, bus: string) =>
    ebError('ResourceNotFoundException', `Rule ${rule} does not exist on EventBus ${bus}.`),
  archiveNotFound: (archive: string) => ebError('ResourceNotFoundException', `Archive ${archive} does not exist.`),
  replayNotFound: (replay: string) => ebError('ResourceNotFoundException', `Replay ${replay} does not exist.`),
  invalidToken: () => ebError('ValidationException', 'The NextToken provided is not valid.'),
}

/** `Destination.FilterArns` → `destination.filterArns`, `Entries[0].Id` → `entries.1.member.id`, as AWS's validation names members. */
const memberPath = (path: ReadonlyArray<PropertyKey>): string =>
  path
    .map((key) =>
      typeof key === 'number' ? `${key + 1}.member` : `${String(key).charAt(0).toLowerCase()}${String(key).slice(1)}`,
    )
    .join('.')

/** EventBridge reports every member it refuses at once: "2 validation errors detected: ...; ...". */
const wordIssues = (issues: ReadonlyArray<InputIssue>): AwsApiError => {
  const typeIssue = issues.find((issue) => issue.kind === 'type')
  if (typeIssue)
    return new AwsApiError(400, 'SerializationException', `${memberPath(typeIssue.path)}: ${typeIssue.message}`)
  const described = issues.map((issue) =>
    issue.kind === 'missing'
      ? `Value null at '${memberPath(issue.path)}' failed to satisfy constraint: Member must not be null`
      : `Value '${String(issue.value)}' at '${memberPath(issue.path)}' failed to satisfy constraint: ${issue.message}`,
  )
  return EventBridgeErrors.validation(
    `${described.length} validation error${described.length === 1 ? '' : 's'} detected: ${described.join('; ')}`,
  )
}

const decode = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => decodeInput(schema, input, wordIssues)

/** Epoch seconds as EventBridge's events carry time: ISO 8601 to the second. */
const eventTime = (time: number | string): string =>
  typeof time === 'string' ? time : new Date(time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')

const seconds = (iso: string): number => Date.parse(iso) / 1000

/**
 * PutEvents (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): one code path for the
 * API and `POST /events`. The batch is refused as a whole for too many entries or too large a total; each entry is
 * otherwise answered on its own (InvalidArgument, MalformedDetail, ResourceNotFoundException).
 */
export const putEvents = (runtime: LocalRuntime, input: unknown): PutEventsResult => {
  const { Entries } = decode(Eb.PutEventsRequest, input)
  Entries.forEach((entry, index) => {
    let detail: unknown
    try {
      detail = entry.Detail === undefined ? undefined : JSON.parse(entry.Detail)
    } catch {
      return // the bus answers malformed detail per entry
    }
    // JSON nested past what matching and archiving can walk is refused before it reaches the bus.
    if (jsonDepth(detail, MaxJsonDepth) > MaxJsonDepth)
      throw EventBridgeErrors.validation(
        `Entries[${index}].Detail: must not nest more than ${MaxJsonDepth} levels deep`,
      )
  })
  const entries = Entries.map(
    ({ Time, ...entry }) => ({ ...entry, ...(Time === undefined ? {} : { Time: eventTime(Time) }) }) as PutEventsEntry,
  )
  try {
    return runtime.bus.putEvents(entries)
  } catch (error) {
    if (error instanceof PutEventsValidation) throw EventBridgeErrors.validation(error.message)
    throw error
  }
}

/** The envelope fields TestEventPattern requires of its event (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html). */
const RequiredEventFields = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const

/** EventBridge over the runtime's bus, rules, archive and replays, on the AWS JSON 1.1 protocol. */
export const eventBridgeService = (runtime: LocalRuntime): AwsServiceHandler => {
  const { bus, replayer } = runtime
  const busArn = (name: string) => `arn:aws:events:${LocalRegion}:${LocalAccount}:event-bus/${name}`
  const ruleArn = (rule: string, busName: string) =>
    `arn:aws:events:${LocalRegion}:${LocalAccount}:rule/${busName === 'default' ? '' : `${busName}/`}${rule}`
  const archiveArn = (name: string) => `arn:aws:events:${LocalRegion}:${LocalAccount}:archive/${name}`
  const replayArn = (name: string) => `arn:aws:events:${LocalRegion}:${LocalAccount}:replay/${name}`
  const created = firstServed(runtime.db, [
    ...bus.busNames.map(busArn),
    ...bus.archiveList.map((archive) => archiveArn(archive.name)),
  ])
  const createdSeconds = (arn: string) => (created.get(arn) ?? Date.now()) / 1000

  /** A bus by name or ARN, or ResourceNotFoundException. */
  const busNamed = (nameOrArn = 'default'): string => {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn
    if (!bus.busNames.includes(name) || (nameOrArn.startsWith('arn:') && nameOrArn !== busArn(name)))
      throw EventBridgeErrors.busNotFound(name)
    return name
  }
  const ruleNamed = (name: string, busNameOrArn?: string) => {
    const busName = busNamed(busNameOrArn)
    const rule = bus.ruleList.find((candidate) => candidate.name === name && candidate.bus === busName)
    if (!rule) throw EventBridgeErrors.ruleNotFound(name, busName)
    return rule
  }
  const archiveNamed = (name: string) => {
    const archive = bus.archiveList.find((candidate) => candidate.name === name)
    if (!archive) throw EventBridgeErrors.archiveNotFound(name)
    return archive
  }
  /** EventCount and SizeBytes of an archive: the events it holds now. */
  const archiveContents = (name: string) => {
    const row = runtime.db
      .prepare(
        'SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(CAST(event AS BLOB))), 0) AS bytes FROM events WHERE archive = ?',
      )
      .get(name) as { n: number; bytes: number }
    return { EventCount: row.n, SizeBytes: row.bytes }
  }
  const replayNamed = (name: string): ReplayView => {
    const replay = replayer.get(name)
    if (!replay) throw EventBridgeErrors.replayNotFound(name)
    return replay
  }
  const replaySummary = (replay: ReplayView) => ({
    ReplayName: replay.name,
    EventSourceArn: archiveArn(replay.archive),
    State: replay.state,
    ...(replay.reason === undefined ? {} : { StateReason: replay.reason }),
    EventStartTime: seconds(replay.from),
    EventEndTime: seconds(replay.to),
    ReplayStartTime: seconds(replay.startedAt),
    ...(replay.endedAt === undefined ? {} : { ReplayEndTime: seconds(replay.endedAt) }),
  })
  const page = <T>(
    operation: string,
    items: ReadonlyArray<T>,
    keyOf: (item: T) => string,
    request: { NextToken?: string | undefined; Limit?: number | undefined },
  ) =>
    pageOf(operation, items, keyOf, { token: request.NextToken, limit: request.Limit }, EventBridgeErrors.invalidToken)

  const operations: Record<string, JsonOperation> = {
    PutEvents: (input) => putEvents(runtime, input),

    ListEventBuses: (input) => {
      const request = decode(Eb.ListEventBusesRequest, input)
      const names = bus.busNames.filter((name) => name.startsWith(request.NamePrefix ?? ''))
      const { page: buses, nextToken } = page('ListEventBuses', names, (name) => name, request)
      return {
        EventBuses: buses.map((name) => ({
          Name: name,
          Arn: busArn(name),
          CreationTime: createdSeconds(busArn(name)),
          LastModifiedTime: createdSeconds(busArn(name)),
        })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }
    },

    ListRules: (input) => {
      const request = decode(Eb.ListRulesRequest, input)
      const busName = busNamed(request.EventBusName)
      const rules = bus.ruleList.filter(
        (rule) => rule.bus === busName && rule.name.startsWith(request.NamePrefix ?? ''),
      )
      const { page: listed, nextToken } = page('ListRules', rules, (rule) => rule.name, request)
      return {
        Rules: listed.map((rule) => ({
          Name: rule.name,
          Arn: ruleArn(rule.name, rule.bus),
          EventPattern: JSON.stringify(rule.pattern),
          State: 'ENABLED',
          EventBusName: rule.bus,
        })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }
    },

    DescribeRule: (input) => {
      const request = decode(Eb.DescribeRuleRequest, input)
      const rule = ruleNamed(request.Name, request.EventBusName)
      return {
        Name: rule.name,
        Arn: ruleArn(rule.name, rule.bus),
        EventPattern: JSON.stringify(rule.pattern),
        State: 'ENABLED',
        EventBusName: rule.bus,
        CreatedBy: LocalAccount,
      }
    },

    ListTargetsByRule: (input) => {
      const request = decode(Eb.ListTargetsByRuleRequest, input)
      const rule = ruleNamed(request.Rule, request.EventBusName)
      const model = runtime.model.rules.find((candidate) => candidate.name === rule.name && candidate.bus === rule.bus)!
      const { page: targets, nextToken } = page('ListTargetsByRule', model.targets, (target) => target.id, request)
      return {
        Targets: targets.map((target) => ({
          Id: target.id,
          Arn: target.arn,
          ...(target.deadLetterArn === undefined ? {} : { DeadLetterConfig: { Arn: target.deadLetterArn } }),
          RetryPolicy: {
            MaximumRetryAttempts: target.maximumRetryAttempts,
            MaximumEventAgeInSeconds: target.maximumEventAgeSeconds,
          },
        })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }
    },

    TestEventPattern: (input) => {
      const request = decode(Eb.TestEventPatternRequest, input)
      let matches
      try {
        matches = compilePattern(request.EventPattern)
      } catch (error) {
        if (error instanceof InvalidEventPattern)
          throw new AwsApiError(400, 'InvalidEventPatternException', error.message)
        throw error
      }
      let event: unknown
      try {
        event = JSON.parse(request.Event)
      } catch {
        throw EventBridgeErrors.validation('Parameter Event is not valid.')
      }
      if (
        typeof event !== 'object' ||
        event === null ||
        Array.isArray(event) ||
        RequiredEventFields.some((field) => !(field in event))
      )
        throw EventBridgeErrors.validation('Parameter Event is not valid.')
      return { Result: matches(event) }
    },

    ListArchives: (input) => {
      const request = decode(Eb.ListArchivesRequest, input)
      if (request.EventSourceArn !== undefined) busNamed(request.EventSourceArn)
      const archives = bus.archiveList.filter(
        (archive) =>
          archive.name.startsWith(request.NamePrefix ?? '') &&
          (request.EventSourceArn === undefined || busArn(archive.bus) === request.EventSourceArn) &&
          (request.State === undefined || request.State === 'ENABLED'),
      )
      const { page: listed, nextToken } = page('ListArchives', archives, (archive) => archive.name, request)
      return {
        Archives: listed.map((archive) => ({
          ArchiveName: archive.name,
          EventSourceArn: busArn(archive.bus),
          State: 'ENABLED',
          RetentionDays: archive.retentionDays,
          ...archiveContents(archive.name),
          CreationTime: createdSeconds(archiveArn(archive.name)),
        })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }
    },

    DescribeArchive: (input) => {
      const { ArchiveName } = decode(Eb.DescribeArchiveRequest, input)
      const archive = archiveNamed(ArchiveName)
      return {
        ArchiveArn: archiveArn(archive.name),
        ArchiveName: archive.name,
        EventSourceArn: busArn(archive.bus),
        ...(archive.pattern === null ? {} : { EventPattern: JSON.stringify(archive.pattern) }),
        State: 'ENABLED',
        RetentionDays: archive.retentionDays,
        ...archiveContents(archive.name),
        CreationTime: createdSeconds(archiveArn(archive.name)),
      }
    },

    StartReplay: (input) => {
      const request = decode(Eb.StartReplayRequest, input)
      const archiveName = request.EventSourceArn.startsWith(archiveArn(''))
        ? request.EventSourceArn.slice(archiveArn('').length)
        : request.EventSourceArn
      const archive = bus.archiveList.find(
        (candidate) => candidate.name === archiveName && archiveArn(candidate.name) === request.EventSourceArn,
      )
      if (!archive)
        throw EventBridgeErrors.validation(
          `Parameter EventSourceArn is not valid. Reason: Archive ${archiveName} does not exist.`,
        )
      const destination = busNamed(request.Destination.Arn)
      if (destination !== archive.bus)
        throw EventBridgeErrors.validation(
          'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
        )
      if (request.EventStartTime >= request.EventEndTime)
        throw EventBridgeErrors.validation(
          'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
        )
      // Events after now are not archived yet: a window that ends in the future is refused.
      if (request.EventEndTime * 1000 > Date.now() + 1000)
        throw EventBridgeErrors.validation(
          'Parameter EventEndTime is not valid. Reason: EventEndTime must not be in the future.',
        )
      const rules = (request.Destination.FilterArns ?? []).map((arn) => {
        const rule = bus.ruleList.find((candidate) => ruleArn(candidate.name, candidate.bus) === arn)
        if (!rule || rule.bus !== destination)
          throw EventBridgeErrors.validation(
            `Parameter Destination.FilterArns is not valid. Reason: Rule ${arn} does not exist on EventBus ${destination}.`,
          )
        return rule.name
      })
      if (replayer.get(request.ReplayName))
        throw ebError('ResourceAlreadyExistsException', `Replay ${request.ReplayName} already exists.`)
      let replay: ReplayView
      try {
        replay = replayer.start({
          name: request.ReplayName,
          archive: archive.name,
          from: new Date(request.EventStartTime * 1000).toISOString(),
          to: new Date(request.EventEndTime * 1000).toISOString(),
          ...(rules.length > 0 ? { rules } : {}),
        })
      } catch (error) {
        if (error instanceof ReplayRequestError) throw ebError(error.code, error.message)
        throw error
      }
      return {
        ReplayArn: replayArn(replay.name),
        State: replay.state,
        ...(replay.reason === undefined ? {} : { StateReason: replay.reason }),
        ReplayStartTime: seconds(replay.startedAt),
      }
    },

    DescribeReplay: (input) => {
      const { ReplayName } = decode(Eb.DescribeReplayRequest, input)
      const replay = replayNamed(ReplayName)
      const archiveBus = bus.archiveList.find((archive) => archive.name === replay.archive)?.bus ?? 'default'
      return {
        ReplayArn: replayArn(replay.name),
        ...replaySummary(replay),
        Destination: {
          Arn: busArn(archiveBus),
          ...(replay.rules ? { FilterArns: replay.rules.map((rule) => ruleArn(rule, archiveBus)) } : {}),
        },
      }
    },

    ListReplays: (input) => {
      const request = decode(Eb.ListReplaysRequest, input)
      const replays = replayer
        .list()
        .filter(
          (replay) =>
            replay.name.startsWith(request.NamePrefix ?? '') &&
            (request.State === undefined || replay.state === request.State) &&
            (request.EventSourceArn === undefined || archiveArn(replay.archive) === request.EventSourceArn),
        )
      const { page: listed, nextToken } = page('ListReplays', replays, (replay) => replay.name, request)
      return { Replays: listed.map(replaySummary), ...(nextToken ? { NextToken: nextToken } : {}) }
    },

    CancelReplay: (input) => {
      const { ReplayName } = decode(Eb.CancelReplayRequest, input)
      replayNamed(ReplayName)
      let replay: ReplayView
      try {
        replay = replayer.cancel(ReplayName)
      } catch (error) {
        if (error instanceof ReplayRequestError)
          throw ebError(
            error.code,
            error.code === 'IllegalStatusException'
              ? `Replay ${ReplayName} is not in a valid state for this operation.`
              : error.message,
          )
        throw error
      }
      return {
        ReplayArn: replayArn(replay.name),
        State: replay.state,
        ...(replay.reason === undefined ? {} : { StateReason: replay.reason }),
      }
    },
  }

  const service = { version: '1.1' as const, targetPrefix: 'AWSEvents', operations }
  return (request, req, res) => serveJson(service, request.operation, req, res)
}
