import { defineCommand } from '../args'
import { UsageError } from '../errors'

/** Where `pipeline console --target aws` listens when --port is not given: beside the local runtime's 3000. */
export const DefaultConsolePort = 3100
export const DefaultConsoleHost = '127.0.0.1'

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i

const parsePort = (raw: string | undefined): number => {
  if (raw === undefined) return DefaultConsolePort
  const port = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535 (got ${raw})`)
  return port
}

/** Resolves at the first SIGINT or SIGTERM: the console runs until the person stops it. */
const untilStopped = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })

export const consoleCommand = defineCommand(
  {
    name: 'console',
    summary: 'open the web console: executions, events, replays, dead letters, metrics, images',
    positionals: { label: '', min: 0, max: 0 },
    options: {
      port: {
        type: 'string',
        placeholder: 'N',
        description: `with --target aws: the port to listen on (default ${DefaultConsolePort}; 0 for any free one)`,
      },
      host: {
        type: 'string',
        placeholder: 'H',
        description: `with --target aws: the address to listen on (default ${DefaultConsoleHost})`,
      },
    },
    description: `The web console: workflows and their executions state by state, redrive and start again, replays,
dead letters (inspect, redrive, delete), metrics per step and per workflow, images and uploads.

--target local (default): the local runtime serves the console itself at /console; this checks that the
runtime at PIPELINE_URL is up and prints the console's URL.

--target aws: serves the same page here, on ${DefaultConsoleHost}, over the deployed stack (--stack, --region,
--profile), and prints its URL; it runs until Ctrl+C. Every action uses your AWS credentials, so it listens on
this machine only unless --host says otherwise. Where AWS has no API for a view, the console says so:
  - archived events cannot be listed or read (EventBridge only replays an archive): the events view is empty
    with that reason; replays work;
  - Express workflows keep no execution list or history in Step Functions: their executions are in their
    CloudWatch Logs;
  - thumbnails are read from the bucket through this server.

Examples:
  pipeline console
  pipeline --target aws console
  pipeline --target aws --stack Pipeline --region eu-west-1 console --port 8080`,
  },
  async ({ options }, context) => {
    const { io } = context
    if (context.target === 'local') {
      const given = options.port !== undefined ? '--port' : options.host !== undefined ? '--host' : undefined
      if (given)
        throw new UsageError(
          `${given} only applies with --target aws: the local runtime serves the console on its own address (HOST and PORT of npm start)`,
        )
      const client = context.client()
      const health = await client.health()
      if (health.status !== 'ok') {
        io.stderr.write(`pipeline console: the local runtime at ${client.displayUrl} reports ${health.status}\n`)
        return 3
      }
      io.stdout.write(`${client.displayUrl}/console\n`)
      return 0
    }
    const port = parsePort(options.port)
    const host = options.host?.trim() || DefaultConsoleHost
    const settings = context.awsSettings?.()
    if (!settings) throw new UsageError('--target aws needs the AWS settings (--stack, --region, --profile)')
    const { awsConsoleData, serveConsole } = loadConsole()
    const data = awsConsoleData(settings)
    // Read the stack before listening: no credentials, no region or no stack fail here, with the CLI's exit codes.
    const region = await data.context.aws.region()
    await data.stack.workflows()
    let served: Awaited<ReturnType<typeof serveConsole>>
    try {
      served = await serveConsole(data, { host, port, log: (line) => io.stderr.write(`pipeline console: ${line}\n`) })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code === 'EADDRINUSE')
        throw new UsageError(`port ${port} on ${host} is in use: pass another --port (0 for any free one)`, {
          showHelpHint: false,
        })
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
        throw new UsageError(`cannot listen on ${host}:${port} (${String(code)})`, { showHelpHint: false })
      throw error
    }
    if (!loopback.test(host))
      io.stderr.write(
        `pipeline console: listening on ${host}: anyone who reaches it acts on stack ${settings.stack} with your AWS credentials\n`,
      )
    io.stdout.write(`Console for stack ${settings.stack} (${region}): ${served.url}\nPress Ctrl+C to stop.\n`)
    await untilStopped()
    await served.close()
    return 0
  },
)

/** The AWS console and its SDK clients load only when served: `--help` and the local target never pay for them. */
const loadConsole = (): typeof import('../../infra/aws/console/console-data') &
  typeof import('../../infra/aws/console/serve') => ({
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load (see above); tsx and jest both resolve it
  ...(require('../../infra/aws/console/console-data') as typeof import('../../infra/aws/console/console-data')),
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  ...(require('../../infra/aws/console/serve') as typeof import('../../infra/aws/console/serve')),
})
