import { defineCommand, defineGroup, parseLimit } from '../args'
import type { User } from '../client'
import { formatTime, json, table, terminalWidth } from '../format'
import { collectPages } from '../paging'
import { UsageError } from '../errors'

const DefaultLimit = 100

const create = defineCommand(
  {
    name: 'users create',
    summary: 'create a user',
    positionals: { label: '', min: 0, max: 0 },
    synopsis: '--username U --email E [options]',
    options: {
      username: {
        type: 'string',
        placeholder: 'U',
        description: 'the username: 3 to 32 letters, digits, _ . or - (required)',
      },
      email: { type: 'string', placeholder: 'E', description: 'the e-mail address (required)' },
      json: { type: 'boolean', description: 'print the created user as JSON' },
    },
    description: `Creates a user with POST /users and prints its id, username, e-mail and status. Exits 1 when the
username is taken (409) or the server finds a field invalid (400, each field named on stderr).

Examples:
  pipeline users create --username alice --email alice@example.com
  pipeline users create --username bob --email bob@example.com --json`,
  },
  async ({ options }, { io, client }) => {
    if (options.username === undefined || options.username.trim() === '')
      throw new UsageError('--username U is required')
    if (options.email === undefined || options.email.trim() === '') throw new UsageError('--email E is required')
    const user = await client().createUser({ username: options.username.trim(), email: options.email.trim() })
    io.stdout.write(options.json ? json(user) : `${user.userId}  ${user.username}  ${user.email}  ${user.status}\n`)
    return 0
  },
)

const list = defineCommand(
  {
    name: 'users list',
    summary: 'list the users',
    positionals: { label: '', min: 0, max: 0 },
    options: {
      limit: { type: 'string', placeholder: 'N', description: `list at most N users (default ${DefaultLimit})` },
      json: { type: 'boolean', description: 'print the users as a JSON array' },
    },
    description: `Lists the users: id, username, e-mail, status (active, suspended) and creation time (local), following
the server's pages until --limit users are in.

Examples:
  pipeline users list
  pipeline users list --limit 1000 --json`,
  },
  async ({ options }, { io, client }) => {
    const limit = parseLimit(options.limit, DefaultLimit)
    const api = client()
    const { items, more } = await collectPages(
      (pageLimit, cursor) => api.listUsers({ limit: pageLimit, cursor }),
      limit,
      'GET /users',
    )
    if (more)
      io.stderr.write(
        `pipeline users list: showing the first ${limit === 1 ? 'user' : `${limit} users`}; there are more (raise --limit to see them)\n`,
      )
    if (options.json) {
      io.stdout.write(json(items))
      return 0
    }
    if (items.length === 0) {
      io.stdout.write('No users.\n')
      return 0
    }
    io.stdout.write(
      table(
        [{ header: 'ID' }, { header: 'USERNAME' }, { header: 'EMAIL' }, { header: 'STATUS' }, { header: 'CREATED' }],
        items.map((user: User) => [user.userId, user.username, user.email, user.status, formatTime(user.createdAt)]),
        { maxWidth: terminalWidth(io.stdout) },
      ),
    )
    return 0
  },
)

export const users = defineGroup({
  name: 'users',
  summary: 'create and list users',
  description: `Works with the users API.
  pipeline users create --username U --email E [--json]
      Creates a user; 'pipeline users create --help' for more.
  pipeline users list [--limit N] [--json]
      Lists the users.`,
  subcommands: [create, list],
})
