import { Targets, type Target } from './backends/backend'
import { UsageError } from './errors'

/** The CloudFormation stack `--target aws` reads when --stack is not given: the CDK app's stack id. */
export const DefaultStack = 'Pipeline'

/** Where the commands run, from the global options and PIPELINE_TARGET. */
export interface TargetOptions {
  readonly target: Target
  /** The AWS target's settings; undefined profile and region leave them to the SDK (AWS_PROFILE, AWS_REGION, the config file). */
  readonly profile?: string
  readonly region?: string
  readonly stack: string
}

type GlobalName = 'target' | 'profile' | 'region' | 'stack'
const GlobalFlag = /^--(target|profile|region|stack)(?:=(.*))?$/s

/**
 * Takes the global options (--target, --profile, --region, --stack, as `--name value` or `--name=value`) out of
 * `argv`, wherever they stand before a `--`, and answers the remaining words and the options. `pipeline --target aws
 * executions` and `pipeline executions --target aws` read alike. A bad value is a UsageError.
 */
export const takeTargetOptions = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
): { readonly argv: ReadonlyArray<string>; readonly options: TargetOptions } => {
  const words: string[] = []
  const given: Partial<Record<GlobalName, string>> = {}
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] ?? ''
    if (word === '--') {
      words.push(...argv.slice(index))
      break
    }
    const flag = GlobalFlag.exec(word)
    if (!flag) {
      words.push(word)
      continue
    }
    const name = flag[1] as GlobalName
    let value = flag[2]
    if (value === undefined) {
      const next = argv[index + 1]
      if (next === undefined || next.startsWith('-')) throw new UsageError(`option --${name} needs a value`)
      value = next
      index += 1
    }
    if (value.trim() === '') throw new UsageError(`option --${name} needs a value`)
    given[name] = value.trim()
  }
  const fromEnv = env.PIPELINE_TARGET?.trim()
  const raw = given.target ?? (fromEnv ? fromEnv : undefined) ?? 'local'
  const target = raw.toLowerCase()
  if (!(Targets as ReadonlyArray<string>).includes(target)) {
    throw new UsageError(
      `${given.target === undefined ? 'PIPELINE_TARGET' : '--target'} must be ${Targets.join(' or ')} (got ${raw})`,
    )
  }
  if (target === 'local') {
    const awsOnly = (['profile', 'region', 'stack'] as const).find((name) => given[name] !== undefined)
    if (awsOnly) throw new UsageError(`--${awsOnly} only applies with --target aws`)
  }
  return {
    argv: words,
    options: {
      target: target as Target,
      ...(given.profile === undefined ? {} : { profile: given.profile }),
      ...(given.region === undefined ? {} : { region: given.region }),
      stack: given.stack ?? DefaultStack,
    },
  }
}
