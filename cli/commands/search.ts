import { defineCommand } from '../args'
import { json, table, terminalWidth } from '../format'
import { UsageError } from '../errors'

export const search = defineCommand(
  {
    name: 'search',
    summary: 'full-text search over orders, users and the other indexed documents',
    positionals: { label: 'TEXT...', min: 1, max: Number.POSITIVE_INFINITY },
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer as it came, each result's data included" },
    },
    description: `Searches the local runtime's search index for TEXT (the words given, joined by spaces; each word matches
as a prefix), best match first, and prints each result's kind, id and title.

Examples:
  pipeline search alice
  pipeline search c-42 --json`,
  },
  async ({ positionals, options }, { io, client }) => {
    const text = positionals.join(' ').replace(/\s+/g, ' ').trim()
    if (text === '') throw new UsageError('missing TEXT: give the words to search for')
    const answer = await client().search(text)
    if (options.json) {
      io.stdout.write(json(answer))
      return 0
    }
    if (answer.results.length === 0) {
      io.stdout.write(`No results for ${JSON.stringify(text)}.\n`)
      return 0
    }
    const rows = answer.results.map((result) => [
      result.kind,
      result.id,
      (result.title ?? '').replace(/\s+/g, ' ').trim() || '-',
    ])
    io.stdout.write(
      table([{ header: 'KIND' }, { header: 'ID' }, { header: 'TITLE' }], rows, { maxWidth: terminalWidth(io.stdout) }),
    )
    return 0
  },
)
