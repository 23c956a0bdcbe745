import { defineCommand } from '../args'
import { json } from '../format'

export const health = defineCommand(
  {
    name: 'health',
    summary: 'check that the local runtime is up',
    positionals: { label: '', min: 0, max: 0 },
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer as it came" },
    },
    description: `Calls GET /health on PIPELINE_URL: prints "ok" and exits 0 when the runtime answers {status: 'ok'},
exits 3 when it is unreachable or reports anything else.`,
  },
  async ({ options }, { io, client }) => {
    const api = client()
    const answer = await api.health()
    if (options.json) io.stdout.write(json(answer))
    else io.stdout.write(`${answer.status}  ${api.displayUrl}\n`)
    return answer.status === 'ok' ? 0 : 3
  },
)
