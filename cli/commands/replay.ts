import { defineCommand } from '../args'
import { json, paletteFor, type Palette } from '../format'
import { replayProgress, replayedText } from '../progress'
import { parseTime } from '../time'
import { UsageError } from '../errors'
import { isReplayEnded, type Replay, type ReplayRequest } from '../../contracts/replays'

/** EventBridge's constraint on replay names (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html). */
const ReplayName = /^[.\-_A-Za-z0-9]{1,64}$/

const cancel = defineCommand(
  {
    name: 'replay cancel',
    summary: 'cancel a replay that has not ended',
    positionals: { label: 'NAME', min: 1, max: 1 },
    options: {
      json: { type: 'boolean', description: "print the replay's JSON view as the server answered it" },
    },
    description: `Cancels the replay NAME (see 'pipeline replays'): events not yet re-delivered stay in the archive.
Prints the replay's name, state and replayed/total. Exits 1 when there is no such replay (404) or it has
already ended, with EventBridge's message: EventBridge CancelReplay, then DescribeReplay (on AWS the state is
CANCELLING until EventBridge has stopped it).

Examples:
  pipeline replay cancel replay-1714564800000`,
  },
  async ({ positionals, options }, { io, backend }) => {
    const view = await backend().cancelReplay(positionals[0] ?? '')
    io.stdout.write(options.json ? json(view) : finalLine(view, paletteFor(io.stdout, io.env)))
    return 0
  },
)

export const replay = defineCommand(
  {
    name: 'replay',
    summary: "re-deliver the archived events of a time window to the bus's rules",
    positionals: { label: '', min: 0, max: 0 },
    synopsis: '--from T --to T [options]',
    subcommands: [cancel],
    options: {
      from: {
        type: 'string',
        placeholder: 'T',
        description: 'replay events at or after T: ISO 8601 or a duration ago (15m, 2h, 1d) (required)',
      },
      to: {
        type: 'string',
        placeholder: 'T',
        description: 'replay events before T, written like --from, or now (required)',
      },
      rule: {
        type: 'string',
        placeholder: 'NAME',
        multiple: true,
        description: "re-deliver only to rule NAME (repeat for several; see 'pipeline rules'); default every rule",
      },
      name: {
        type: 'string',
        placeholder: 'N',
        description: 'name the replay N (letters, digits, . - _; default: replay- and 8 hex digits)',
      },
      'no-wait': { type: 'boolean', description: 'print the started replay and exit without waiting for it to end' },
      json: { type: 'boolean', description: "print the replay's JSON view instead of a line" },
    },
    description: `Two forms:
  pipeline replay --from T --to T [--rule NAME]... [--name N] [--no-wait] [--json]
      Starts a replay, like EventBridge's StartReplay: the archived events from T to T are re-delivered to the
      rules of their bus (only to the --rule ones, if given), carrying replay-name. Unless --no-wait, waits
      until the replay ends, with a progress bar on stderr (on a terminal; else a line at start and end), then
      prints its name, state and replayed/total: exits 0 when COMPLETED, 1 when CANCELLED or FAILED (with
      the reason). Ctrl-C stops the waiting, not the replay: 'pipeline replays' follows it.
  pipeline replay cancel NAME [--json]
      Cancels a replay that has not ended; 'pipeline replay cancel --help' for more.

Times are ISO 8601 (2024-05-01T12:00:00Z; without a zone, local time) or a duration ago: 30s, 15m, 2h, 1d, 1w;
--from must be before --to, and --to not after now.

On either target: EventBridge StartReplay of the stack's archive (its ArchiveName output; its ARN from
DescribeArchive) to the stack's bus, filtered to the --rule ones (ListRules on the bus: a rule's name as 'pipeline
rules' shows it locally, e.g. StartImageWorkflow, matches the deployed Pipeline-StartImageWorkflow...-XYZ), then
DescribeReplay until it ends. Without --name, the replay is named replay- and 8 hex digits. The local runtime counts
the events it re-delivers (replayed/total, from its own GET /replays) and replays in moments; EventBridge counts
none: with --target aws progress is how far into the window the replay got, and replays take minutes to start and
end.

Examples:
  pipeline replay --from 1h --to now
  pipeline replay --from 2024-05-01T12:00:00Z --to 2024-05-01T13:00:00Z --rule ImageUploaded --name retry-may-1
  pipeline replay cancel retry-may-1`,
  },
  async ({ options }, { io, backend }) => {
    const request = replayRequest(options)
    const api = backend()
    const palette = paletteFor(io.stdout, io.env)
    let view = await api.startReplay(request)
    if (options['no-wait']) {
      io.stdout.write(options.json ? json(view) : finalLine(view, palette))
      return isReplayEnded(view.state) ? exitCodeFor(view) : 0
    }
    const progress = replayProgress(io.stderr)
    try {
      progress.update(view)
      while (!isReplayEnded(view.state)) {
        await new Promise<void>((resolve) => setTimeout(resolve, api.replayPollMs))
        view = await api.getReplay(view.name)
        progress.update(view)
      }
    } finally {
      progress.end()
    }
    io.stdout.write(options.json ? json(view) : finalLine(view, palette))
    return exitCodeFor(view)
  },
)

/** Checks every flag before anything is sent: both times, their order, the name and the rules. */
const replayRequest = (options: {
  readonly from: string | undefined
  readonly to: string | undefined
  readonly rule: ReadonlyArray<string>
  readonly name: string | undefined
}): ReplayRequest => {
  if (options.from === undefined) throw new UsageError('--from T is required')
  if (options.to === undefined) throw new UsageError('--to T is required')
  const now = Date.now()
  const from = new Date(parseTime(options.from, '--from', now)).toISOString()
  const to = new Date(parseTime(options.to, '--to', now)).toISOString()
  if (!(from < to)) throw new UsageError(`--from must be before --to (got ${from} and ${to})`)
  // Like StartReplay, the runtime refuses a window that ends after now: no event is archived there yet.
  if (Date.parse(to) > now) throw new UsageError(`--to must not be in the future (got ${to}); use --to now`)
  if (options.name !== undefined && !ReplayName.test(options.name)) {
    throw new UsageError(
      `--name must be 1 to 64 letters, digits, '.', '-' or '_' (got ${JSON.stringify(options.name)})`,
    )
  }
  const rules = [...new Set(options.rule.map((rule) => rule.trim()))]
  if (rules.includes('')) throw new UsageError("--rule needs a rule name; 'pipeline rules' lists them")
  return {
    from,
    to,
    ...(rules.length > 0 ? { rules } : {}),
    ...(options.name === undefined ? {} : { name: options.name }),
  }
}

const exitCodeFor = (view: Replay): number => (view.state === 'COMPLETED' ? 0 : 1)

/** `retry-may-1  COMPLETED  40/40 replayed` (or `replayed up to ...` on AWS), and the reason when there is one. */
const finalLine = (view: Replay, palette: Palette): string => {
  const replayed = replayedText(view)
  return `${view.name}  ${palette.status(view.state)}${replayed ? `  ${replayed}` : ''}${view.reason ? `  ${view.reason.replace(/\s+/g, ' ').trim()}` : ''}\n`
}
