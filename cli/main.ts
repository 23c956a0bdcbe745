import { AwsCommands, helpFooter, subcommandFor, type Command } from './args'
import { localBackend, type Backend } from './backends/backend'
import { PipelineClient, baseUrlFrom } from './client'
import { consoleCommand } from './commands/console'
import { dlq } from './commands/dlq'
import { events } from './commands/events'
import { execution } from './commands/execution'
import { executions } from './commands/executions'
import { health } from './commands/health'
import { importCommand } from './commands/import'
import { metrics } from './commands/metrics'
import { orders } from './commands/orders'
import { queue } from './commands/queue'
import { redrive } from './commands/redrive'
import { replay } from './commands/replay'
import { replays } from './commands/replays'
import { rules } from './commands/rules'
import { schedule, schedules } from './commands/schedules'
import { search } from './commands/search'
import { sfn } from './commands/sfn'
import { testPattern } from './commands/test-pattern'
import { upload } from './commands/upload'
import { users } from './commands/users'
import { processIo, type Io } from './io'
import { takeTargetOptions, type TargetOptions } from './target'
import { AwsUnavailable, InvalidRequest, HttpError, InvalidResponse, NotFound, Unreachable, UsageError } from './errors'

export type { Io, Output } from './io'

/** Exit codes, as every `--help` documents them. */
export const ExitCode = { ok: 0, jobFailed: 1, usage: 2, server: 3 } as const

const commands: ReadonlyArray<Command> = [
  upload,
  executions,
  execution,
  redrive,
  dlq,
  events,
  replay,
  replays,
  rules,
  testPattern,
  queue,
  importCommand,
  schedules,
  schedule,
  search,
  orders,
  users,
  health,
  metrics,
  consoleCommand,
  sfn,
]

const mainHelp = (): string => {
  // A command's subcommands (`replay cancel`) get their own lines, right under it; a group (`orders`) shows them alone.
  const listed = commands.flatMap((command) => [...(command.group ? [] : [command]), ...(command.subcommands ?? [])])
  const usages = listed.map((command) => command.usage.replace(/^pipeline /, ''))
  const width = Math.max(...usages.map((usage) => usage.length))
  return `pipeline: drive the event pipeline: the local runtime over its HTTP API, or a deployed stack (--target aws).

Usage: pipeline COMMAND [options]

Commands:
${listed.map((command, index) => `  ${(usages[index] ?? '').padEnd(width)}  ${command.summary}`).join('\n')}

Run 'pipeline COMMAND --help' for a command's options.

${helpFooter}`
}

/** What tests may change about how `main` reaches a target. */
export interface MainOptions {
  /** The AWS target's polling pace (upload --wait, replay): tests make it fast. */
  readonly aws?: { readonly pollMs?: number; readonly sleep?: (ms: number) => Promise<void> }
}

/**
 * Runs the CLI on `argv` (the words after `pipeline`) and resolves to the exit code; it never exits the process
 * and never throws, so tests call it with their own `io`. Errors are one line on stderr, never a stack trace.
 */
export async function main(
  argv: ReadonlyArray<string>,
  io: Io = processIo(),
  options: MainOptions = {},
): Promise<number> {
  let parsed: { readonly argv: ReadonlyArray<string>; readonly options: TargetOptions }
  try {
    parsed = takeTargetOptions(argv, io.env)
  } catch (error) {
    return report(error, '', io)
  }
  const target = parsed.options
  const [name, ...rest] = parsed.argv
  if (name === undefined) {
    io.stderr.write(mainHelp())
    return ExitCode.usage
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(mainHelp())
    return ExitCode.ok
  }
  // `pipeline help upload` reads as `pipeline upload --help`, `pipeline help replay cancel` as `pipeline replay cancel --help`.
  const [commandName, args] = name === 'help' ? [rest[0] ?? '', [...rest.slice(1, 2), '--help']] : [name, rest]
  const found = commands.find((candidate) => candidate.name === commandName)
  if (!found) {
    const what = commandName.startsWith('-') ? `unknown option ${commandName}` : `unknown command '${commandName}'`
    io.stderr.write(`pipeline: ${what}\nRun 'pipeline --help' for the commands.\n`)
    return ExitCode.usage
  }
  // A subcommand runs on the words after its own, and its errors name it: `pipeline replay cancel: ...`.
  const subcommand = subcommandFor(found.subcommands, found.name, args)
  const command = subcommand ?? found
  let client: PipelineClient | undefined
  let backend: Backend | undefined
  const localClient = () => (client ??= new PipelineClient(baseUrlFrom(io.env)))
  const context = {
    io,
    target: target.target,
    client: () => {
      if (target.target === 'aws') {
        throw new UsageError(
          `not supported with --target aws yet: it needs the local runtime's HTTP API (on aws: ${AwsCommands.join(', ')})`,
          { showHelpHint: false },
        )
      }
      return localClient()
    },
    awsSettings: () => ({ profile: target.profile, region: target.region, stack: target.stack, ...options.aws }),
    backend: () =>
      (backend ??=
        target.target === 'aws'
          ? loadAws().awsBackend({
              profile: target.profile,
              region: target.region,
              stack: target.stack,
              ...options.aws,
            })
          : localBackend(localClient())),
  }
  try {
    return await command.run(subcommand ? args.slice(1) : args, context)
  } catch (error) {
    return report(error, command.name, io)
  }
}

/** The AWS target and its SDK load when a command first uses it: `--help` and the local target never pay the ~250 ms. */
const loadAws = (): typeof import('./backends/aws') =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load (see above); tsx and jest both resolve it
  require('./backends/aws') as typeof import('./backends/aws')

/** One clear line (or a few, for several missing files) per failure, and the exit code it maps to. */
const report = (error: unknown, command: string, io: Io): number => {
  const who = command ? `pipeline ${command}` : 'pipeline'
  const say = (text: string) => {
    for (const line of text.split('\n')) io.stderr.write(`${who}: ${line}\n`)
  }
  if (error instanceof UsageError) {
    say(error.message)
    if (error.showHelpHint) io.stderr.write(`Run '${who} --help' for usage.\n`)
    return ExitCode.usage
  }
  // The request cannot be made as asked (no region, a filter AWS cannot apply): a usage error without the help hint.
  if (error instanceof InvalidRequest) {
    say(error.message)
    return ExitCode.usage
  }
  if (error instanceof Unreachable || error instanceof AwsUnavailable) {
    say(error.message)
    return ExitCode.server
  }
  if (error instanceof NotFound) {
    say(error.message)
    return ExitCode.jobFailed
  }
  if (error instanceof HttpError) {
    say(`${error.source ?? 'the server'} answered ${error.status} ${error.code}: ${error.message}`)
    // A validation error names each field it refused: one line each, as `items[0].quantity: must be a positive integer`.
    for (const field of error.fields) say(field.path ? `${field.path}: ${field.message}` : field.message)
    return error.status >= 500 ? ExitCode.server : ExitCode.jobFailed
  }
  if (error instanceof InvalidResponse) {
    say(`the server's answer is outside its contract: ${error.message}`)
    return ExitCode.server
  }
  const message =
    typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error)
  say(`unexpected error: ${message}`)
  return ExitCode.jobFailed
}
