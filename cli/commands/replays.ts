import { defineCommand } from '../args'
import { formatTime, json, paletteFor, table } from '../format'

export const replays = defineCommand(
  {
    name: 'replays',
    summary: 'list replays, newest first',
    positionals: { label: '', min: 0, max: 0 },
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer as it came" },
    },
    description: `Lists the replays that have run or are running: name, state (STARTING, RUNNING, COMPLETED,
CANCELLED, FAILED), progress (events replayed/total), the window from and to, and the start time (all local).

On either target: EventBridge ListReplays of the stack's archive (its ArchiveName output), with each replay's
event counts from the local runtime's own GET /replays. EventBridge counts no events: with --target aws progress
is the time of the last event replayed (up to ...), and a state may also be CANCELLING.

Examples:
  pipeline replays
  pipeline replays --json`,
  },
  async ({ options }, { io, backend }) => {
    const answer = await backend().listReplays()
    if (options.json) {
      io.stdout.write(json(answer))
      return 0
    }
    if (answer.replays.length === 0) {
      io.stdout.write('No replays.\n')
      return 0
    }
    const newestFirst = [...answer.replays].sort(
      (a, b) => (Date.parse(b.startedAt) || 0) - (Date.parse(a.startedAt) || 0),
    )
    const palette = paletteFor(io.stdout, io.env)
    io.stdout.write(
      table(
        [
          { header: 'NAME' },
          { header: 'STATE', style: palette.status },
          { header: 'PROGRESS' },
          { header: 'FROM' },
          { header: 'TO' },
          { header: 'STARTED' },
        ],
        newestFirst.map((replay) => [
          replay.name,
          replay.state,
          replay.total !== undefined && replay.replayed !== undefined
            ? `${replay.replayed}/${replay.total}`
            : replay.lastReplayedAt
              ? `up to ${formatTime(replay.lastReplayedAt)}`
              : '-',
          formatTime(replay.from),
          formatTime(replay.to),
          formatTime(replay.startedAt),
        ]),
      ),
    )
    return 0
  },
)
