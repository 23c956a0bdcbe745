import { parseArgs } from 'node:util'
import { UsageError } from './errors'
import type { AwsSettings } from '../infra/aws/client/context'
import type { Backend, Target } from './backends/backend'
import { DefaultUrl, type PipelineClient } from './client'
import type { Io } from './io'

/** The command line is wrong (unknown command or flag, bad value, missing file): exit 2, nothing was sent. */
/** One flag of a command, as `node:util` parseArgs takes it plus what `--help` shows. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  /** The placeholder shown after a string flag in `--help`, e.g. `S` in `--timeout S`. */
  readonly placeholder?: string
  /** A string flag that may repeat (`--rule a --rule b`); its value is the list, empty when absent. */
  readonly multiple?: boolean
  readonly description: string
}

type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** Parsed flags: booleans default to false, strings are undefined when absent, repeatable strings an empty list. */
export type OptionValues<O extends OptionSpecs> = {
  readonly [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K] extends { readonly multiple: true }
      ? ReadonlyArray<string>
      : string | undefined
}

export interface CommandSpec<O extends OptionSpecs> {
  readonly name: string
  /** One line for `pipeline --help`. */
  readonly summary: string
  /** Positional arguments, for the usage line and the count check. */
  readonly positionals: { readonly label: string; readonly min: number; readonly max: number }
  readonly options: O
  /** Paragraphs shown in the command's `--help` after the usage line. */
  readonly description: string
  /**
   * What the usage line shows after `pipeline NAME` when the generated `POSITIONALS [options]` says too little,
   * e.g. required flags: `--from T --to T [options]`.
   */
  readonly synopsis?: string
  /** Commands reached by a first word after this one, e.g. `replay cancel NAME`: each is named `${name} ${word}`. */
  readonly subcommands?: ReadonlyArray<Command>
  /** Only a name for its subcommands (`orders place`, `orders get`): its help and `pipeline --help` show theirs alone. */
  readonly group?: boolean
}

/**
 * What a command gets besides its arguments; the client and the backend are made on first use so `--help` never
 * needs PIPELINE_URL or AWS credentials. `client` is the local runtime's HTTP client, for the commands that only run
 * there (with --target aws it is a usage error); `backend` is the pipeline --target names.
 */
export interface Context {
  readonly io: Io
  readonly client: () => PipelineClient
  readonly backend: () => Backend
  readonly target: Target
  /** The AWS target's settings (--profile, --region, --stack), for a command that makes its own AWS clients (`console`). */
  readonly awsSettings?: () => AwsSettings
}

export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  /** Commands reached by a first word after this one's name; `pipeline --help` lists them under it. */
  readonly subcommands?: ReadonlyArray<Command>
  /** A name for its subcommands only, not a command of its own: `pipeline --help` lists the subcommands alone. */
  readonly group?: boolean
  help(): string
  /** Parses `argv` (the words after the command name) and runs; resolves to the exit code. */
  run(argv: readonly string[], context: Context): Promise<number>
}

/** The commands that also run against a deployed stack (`--target aws`). */
export const AwsCommands = [
  'upload',
  'executions',
  'execution',
  'redrive',
  'replay',
  'replays',
  'dlq',
  'metrics',
  'console',
  'test-pattern',
] as const

/** Shown at the end of every `--help`, so each command documents its targets and exit codes. */
export const helpFooter = `Targets (global options, before or after the command):
  --target local|aws  local: the local runtime at PIPELINE_URL (default); aws: the deployed CloudFormation
                      stack, through the AWS APIs with your credentials, for these commands:
                      ${AwsCommands.join(', ')}
  --profile P         with --target aws: the AWS profile (default: AWS_PROFILE, else the default credentials)
  --region R          with --target aws: the stack's region (default: AWS_REGION, else the profile's)
  --stack S           with --target aws: the stack's name (default Pipeline)

Environment:
  PIPELINE_URL     the local runtime's HTTP API (default ${DefaultUrl})
  PIPELINE_TARGET  the target when --target is not given: local or aws (default local)

Exit codes:
  0  ok
  1  a job failed: an upload rejected or processed as FAILED, a --wait timeout, a replay CANCELLED or FAILED,
     an event that does not match (test-pattern), an import with rejected rows or an unreadable file,
     an order REJECTED, a dead letter not redriven, a 4xx answer (e.g. not found, a validation error)
  2  usage error: unknown command, bad flag or value, missing file, invalid event pattern, a command the
     target does not support; nothing was sent
  3  the server is unreachable or answered with an error (5xx or an answer outside its contract); with
     --target aws: no usable credentials, no such stack, AWS unreachable or failing (5xx)
`

const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' }

/** Defines a command from its flags and a run function that receives them parsed and typed. */
export const defineCommand = <O extends OptionSpecs>(
  spec: CommandSpec<O>,
  run: (
    input: { readonly positionals: ReadonlyArray<string>; readonly options: OptionValues<O> },
    context: Context,
  ) => Promise<number>,
): Command => {
  const generated = `${spec.positionals.label ? ` ${spec.positionals.label}` : ''}${Object.keys(spec.options).length > 0 ? ' [options]' : ''}`
  const usage = `pipeline ${spec.name}${spec.synopsis === undefined ? generated : ` ${spec.synopsis}`}`
  const subcommands = spec.subcommands ?? []
  const help = (): string => {
    const flags = Object.entries({ ...spec.options, help: helpOption }).map(([name, option]) => {
      const short = option.short ? `-${option.short}, ` : ''
      const value = option.type === 'string' ? ` ${option.placeholder ?? 'VALUE'}` : ''
      return [`${short}--${name}${value}`, option.description]
    })
    const width = Math.max(...flags.map(([flag]) => flag.length))
    const lines = flags.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`)
    const usages = [...(spec.group ? [] : [usage]), ...subcommands.map((subcommand) => subcommand.usage)].join(
      '\n       ',
    )
    return `Usage: ${usages}\n\n${spec.description.trim()}\n\nOptions:\n${lines.join('\n')}\n\n${helpFooter}`
  }
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    ...(subcommands.length > 0 ? { subcommands } : {}),
    ...(spec.group ? { group: true } : {}),
    help,
    run: async (argv, context) => {
      const subcommand = subcommandFor(subcommands, spec.name, argv)
      if (subcommand) return subcommand.run(argv.slice(1), context)
      const parsed = parseCommandLine(argv, { ...spec.options, help: helpOption })
      if (parsed.values.help === true) {
        context.io.stdout.write(help())
        return 0
      }
      const { min, max, label } = spec.positionals
      if (parsed.positionals.length < min)
        throw new UsageError(`missing ${label.replace(/\.\.\.$/, '').replace(/^\[|\]$/g, '')}`)
      if (parsed.positionals.length > max) {
        const extra = parsed.positionals.slice(max).join(' ')
        throw new UsageError(max === 0 ? `takes no arguments (got ${extra})` : `unexpected argument: ${extra}`)
      }
      const absent = (option: OptionSpec) => (option.type === 'boolean' ? false : option.multiple ? [] : undefined)
      const values = Object.fromEntries(
        Object.entries(spec.options).map(([name, option]) => [name, parsed.values[name] ?? absent(option)]),
      ) as OptionValues<O>
      return run({ positionals: parsed.positionals, options: values }, context)
    },
  }
}

/**
 * A command that is only a name for its subcommands (`pipeline orders place|get|list`): alone, or with a word that
 * names none of them, it is a usage error listing them.
 */
export const defineGroup = (spec: {
  readonly name: string
  readonly summary: string
  readonly description: string
  readonly subcommands: ReadonlyArray<Command>
}): Command => {
  const words = spec.subcommands.map((subcommand) => subcommand.name.slice(spec.name.length + 1))
  const choices = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : (words[0] ?? '')
  return defineCommand(
    {
      name: spec.name,
      summary: spec.summary,
      positionals: { label: 'SUBCOMMAND', min: 0, max: Number.POSITIVE_INFINITY },
      options: {},
      description: spec.description,
      subcommands: spec.subcommands,
      group: true,
    },
    async ({ positionals }) => {
      const [word] = positionals
      throw new UsageError(
        word === undefined ? `missing subcommand: ${choices}` : `unknown subcommand '${word}': ${choices}`,
      )
    },
  )
}

/** A --timeout flag's seconds: only with --wait, a positive number, `fallback` when absent. */
export const parseTimeout = (raw: string | undefined, wait: boolean, fallback: number): number => {
  if (raw === undefined) return fallback
  if (!wait) throw new UsageError('--timeout only applies with --wait')
  const seconds = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds (got ${raw})`)
  return seconds
}

/** A --limit flag: a positive whole number, `fallback` when absent. */
export const parseLimit = (raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback
  const limit = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive whole number (got ${raw})`)
  return limit
}

/** The subcommand `argv`'s first word names (`cancel` in `replay cancel NAME`), if any. */
export const subcommandFor = (
  subcommands: ReadonlyArray<Command> | undefined,
  name: string,
  argv: readonly string[],
): Command | undefined =>
  argv[0] === undefined ? undefined : subcommands?.find((subcommand) => subcommand.name === `${name} ${argv[0]}`)

/** `node:util` parseArgs in strict mode, with its errors rephrased as short `UsageError`s. */
const parseCommandLine = (argv: readonly string[], options: OptionSpecs) => {
  try {
    return parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(options).map(([name, option]) => [
          name,
          {
            type: option.type,
            ...(option.short ? { short: option.short } : {}),
            ...(option.multiple ? { multiple: true } : {}),
          },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    throw new UsageError(describeParseError(error))
  }
}

/** parseArgs messages are long and suggest `--` tricks; keep the flag and what is wrong with it. */
const describeParseError = (error: unknown): string => {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown option ${flag}`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    if (/does not take an argument/.test(message)) return `option ${flag} takes no value`
    if (/ambiguous/.test(message))
      return `option ${flag} needs a value (write ${flag}=VALUE if the value starts with -)`
    return `option ${flag} needs a value`
  }
  return message.split('\n')[0] ?? message
}
