import { parseArgs } from 'node:util'
import type { PipelineClient } from './client'
import type { Io } from './io'

/** The command line is wrong (unknown command or flag, bad value, missing file): exit 2, nothing was sent. */
export class UsageError extends Error {
  readonly _tag = 'UsageError'
  /** Whether to point at `--help` after the message: useless when the command line was fine but a file is missing. */
  readonly showHelpHint: boolean
  constructor(message: string, options: { readonly showHelpHint?: boolean } = {}) {
    super(message)
    this.name = 'UsageError'
    this.showHelpHint = options.showHelpHint ?? true
  }
}

/** One flag of a command, as `node:util` parseArgs takes it plus what `--help` shows. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  /** The placeholder shown after a string flag in `--help`, e.g. `S` in `--timeout S`. */
  readonly placeholder?: string
  readonly description: string
}

type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** Parsed flags: booleans default to false, strings are undefined when absent. */
export type OptionValues<O extends OptionSpecs> = {
  readonly [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean : string | undefined
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
}

/** What a command gets besides its arguments; the client is made on first use so `--help` never needs PIPELINE_URL. */
export interface Context {
  readonly io: Io
  readonly client: () => PipelineClient
}

export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  help(): string
  /** Parses `argv` (the words after the command name) and runs; resolves to the exit code. */
  run(argv: readonly string[], context: Context): Promise<number>
}

export const DefaultUrl = 'http://127.0.0.1:3000'

/** Shown at the end of every `--help`, so each command documents its exit codes. */
export const helpFooter = `Environment:
  PIPELINE_URL  the local runtime's HTTP API (default ${DefaultUrl})

Exit codes:
  0  ok
  1  a job failed: an upload rejected or processed as FAILED, a --wait timeout, a 4xx answer (e.g. not found)
  2  usage error: unknown command, bad flag or value, missing file; nothing was sent
  3  the server is unreachable or answered with an error (5xx or an answer outside its contract)
`

const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' }

/** Defines a command from its flags and a run function that receives them parsed and typed. */
export const defineCommand = <O extends OptionSpecs>(
  spec: CommandSpec<O>,
  run: (input: { readonly positionals: ReadonlyArray<string>; readonly options: OptionValues<O> }, context: Context) => Promise<number>,
): Command => {
  const usage = `pipeline ${spec.name}${spec.positionals.label ? ` ${spec.positionals.label}` : ''}${Object.keys(spec.options).length > 0 ? ' [options]' : ''}`
  const help = (): string => {
    const flags = Object.entries({ ...spec.options, help: helpOption }).map(([name, option]) => {
      const short = option.short ? `-${option.short}, ` : ''
      const value = option.type === 'string' ? ` ${option.placeholder ?? 'VALUE'}` : ''
      return [`${short}--${name}${value}`, option.description]
    })
    const width = Math.max(...flags.map(([flag]) => flag.length))
    const lines = flags.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`)
    return `Usage: ${usage}\n\n${spec.description.trim()}\n\nOptions:\n${lines.join('\n')}\n\n${helpFooter}`
  }
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    help,
    run: async (argv, context) => {
      const parsed = parseCommandLine(argv, { ...spec.options, help: helpOption })
      if (parsed.values.help === true) {
        context.io.stdout.write(help())
        return 0
      }
      const { min, max, label } = spec.positionals
      if (parsed.positionals.length < min) throw new UsageError(`missing ${label.replace(/\.\.\.$/, '').replace(/^\[|\]$/g, '')}`)
      if (parsed.positionals.length > max) {
        const extra = parsed.positionals.slice(max).join(' ')
        throw new UsageError(max === 0 ? `takes no arguments (got ${extra})` : `unexpected argument: ${extra}`)
      }
      const values = Object.fromEntries(
        Object.entries(spec.options).map(([name, option]) => [name, parsed.values[name] ?? (option.type === 'boolean' ? false : undefined)]),
      ) as OptionValues<O>
      return run({ positionals: parsed.positionals, options: values }, context)
    },
  }
}

/** `node:util` parseArgs in strict mode, with its errors rephrased as short `UsageError`s. */
const parseCommandLine = (argv: readonly string[], options: OptionSpecs) => {
  try {
    return parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(options).map(([name, option]) => [name, option.short ? { type: option.type, short: option.short } : { type: option.type }]),
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
    if (/ambiguous/.test(message)) return `option ${flag} needs a value (write ${flag}=VALUE if the value starts with -)`
    return `option ${flag} needs a value`
  }
  return message.split('\n')[0] ?? message
}
