import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { build } from 'esbuild'
import { synthesizePipeline } from '../infra/aws/synth'
import { localModel } from '../infra/local/model/template'
import { Steps, StepKeys, stepName } from '../steps/kit/catalog'
import { WorkflowTag } from '../contracts/executions'
import {
  buildAllSteps,
  CEILING_BYTES,
  externalsFor,
  projectRoot,
  SearchClientPackage,
  stepBundleOptions,
  type BundleReport,
} from './bundles'
import { median, round } from './support/stats'

/**
 * Cold start as deployed: each step bundle as the CDK builds it (bench/bundles.ts's options), imported in a fresh Node
 * process with the environment the synthesized template gives its function (`NODE_OPTIONS` included, as Lambda starts
 * the runtime with it), against the floor of what the design chose for that step: effect, Powertools' logger, metrics
 * and tracer, and the SDK clients its services use (the search steps: also the OpenSearch client and signer), bundled alone with the same options. Only the import is timed (the
 * process's own start is the same for every bundle); repetitions are interleaved across bundles so a busy moment on
 * the machine spreads over all of them, and the median is kept.
 *
 *   nice npx tsx bench/cold-start.ts [--quick] [--as-before | --bundle-sdk]
 *
 * `--as-before` measures the configuration this replaced (NODE_OPTIONS=--enable-source-maps, every `@aws-sdk/*`
 * module external), `--bundle-sdk` the SDK bundled whole (no external but sharp), side by side with the default.
 */
export interface ColdStartRow {
  readonly step: string
  readonly usesSharp: boolean
  readonly bytes: number
  readonly importMs: number
  /** The floor's import time: what the step's chosen dependencies cost alone. */
  readonly floorMs: number
  /** Which floor: the SDK clients the step imports. */
  readonly clients: ReadonlyArray<string>
  readonly overFloorMs: number
  readonly nodeOptions: string
  readonly withinTarget: boolean
  readonly underCeiling: boolean
}

/** One piece a step loads, bundled alone with the steps' options and imported in a fresh process. */
export interface ImportPiece {
  readonly piece: string
  readonly bytes: number
  readonly importMs: number
  readonly overEmptyMs: number
}

export type ColdStartVariant = 'as-deployed' | 'as-before' | 'bundle-sdk'

export interface ColdStartResult {
  readonly variant: ColdStartVariant
  readonly repetitions: number
  readonly emptyHandler: { readonly bytes: number; readonly importMs: number }
  readonly steps: ReadonlyArray<ColdStartRow>
  /** Where a step's import time goes: each piece alone, over the empty handler (pieces share modules, so they overlap). */
  readonly breakdown: ReadonlyArray<ImportPiece>
  readonly targetMs: number
  readonly ceilingBytes: number
}

/** The target: a non-image step loads within this much of the floor of its chosen dependencies. */
export const ColdStartTargetMs = 30

const PowertoolsAndEffect = `import { Effect, Layer, ManagedRuntime, Schema } from 'effect'
import { Logger } from '@aws-lambda-powertools/logger'
import { Metrics } from '@aws-lambda-powertools/metrics'
import { Tracer } from '@aws-lambda-powertools/tracer'
const chosen = [Effect, Layer, ManagedRuntime, Schema.String, new Logger(), new Metrics({ namespace: 'Pipeline' }), new Tracer()]
`

/** The floor of a step whose bundle imports `clients`: the design's dependencies and nothing of the step's own. */
const floorSource = (clients: ReadonlyArray<string>) =>
  `${clients.map((client, i) => `import * as client${i} from '${client}'\n`).join('')}${PowertoolsAndEffect}export const handler = async () => [chosen${clients.map((_, i) => `, client${i}`).join('')}]\n`

/** Pieces a step loads, each alone (the SDK clients as the bundles leave them, to the runtime). */
const Pieces: ReadonlyArray<readonly [string, string]> = [
  [
    'effect (Effect, Layer, ManagedRuntime, Schema)',
    "import { Effect, Layer, ManagedRuntime, Schema } from 'effect'\nexport const handler = async () => [Effect, Layer, ManagedRuntime, Schema.String]\n",
  ],
  [
    'Powertools logger, metrics and tracer (with aws-xray-sdk-core)',
    "import { Logger } from '@aws-lambda-powertools/logger'\nimport { Metrics } from '@aws-lambda-powertools/metrics'\nimport { Tracer } from '@aws-lambda-powertools/tracer'\nconst kept = [new Logger(), new Metrics({ namespace: 'Pipeline' }), new Tracer()]\nexport const handler = async () => kept\n",
  ],
  [
    '@aws-sdk/client-dynamodb (import only)',
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'\nexport const handler = async () => DynamoDBClient\n",
  ],
  [
    '@aws-sdk/client-eventbridge (import only)',
    "import { EventBridgeClient } from '@aws-sdk/client-eventbridge'\nexport const handler = async () => EventBridgeClient\n",
  ],
  [
    '@aws-sdk/client-s3 (import only)',
    "import { S3Client } from '@aws-sdk/client-s3'\nexport const handler = async () => S3Client\n",
  ],
  [
    '@aws-sdk/client-sqs (import only)',
    "import { SQSClient } from '@aws-sdk/client-sqs'\nexport const handler = async () => SQSClient\n",
  ],
]

/** The environment the template gives each step's function, by its folder. */
const templateEnvironments = (): ReadonlyMap<string, Readonly<Record<string, string>>> => {
  const model = localModel(synthesizePipeline(), WorkflowTag)
  const byName = new Map(model.functions.map((fn) => [fn.step, fn.environment]))
  return new Map(StepKeys.map((key) => [Steps[key].folder, byName.get(stepName(key)) ?? {}]))
}

/** Imports `file` in a fresh process with `environment` (as Lambda starts the runtime) and answers how long the import took, in ms. */
const timeImport = (file: string, environment: Readonly<Record<string, string>>): number => {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t))`
  const env = {
    PATH: process.env.PATH ?? '',
    ...environment,
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: environment.PIPELINE_STEP ?? 'bench',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    // Exactly the function's: the bench's own (tsx sets one) must not leak in.
    NODE_OPTIONS: environment.NODE_OPTIONS ?? '',
  }
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }))
}

const variantSettings = (variant: ColdStartVariant) => {
  switch (variant) {
    case 'as-before':
      return {
        externals: (usesSharp: boolean) => (usesSharp ? ['@aws-sdk/*', 'sharp'] : ['@aws-sdk/*']),
        nodeOptions: '--enable-source-maps' as string | undefined,
      }
    case 'bundle-sdk':
      return { externals: (usesSharp: boolean) => (usesSharp ? ['sharp'] : []), nodeOptions: undefined }
    default:
      return { externals: externalsFor, nodeOptions: undefined }
  }
}

/** The SDK modules a bundle imports at load: the floor includes them, since the design chose them for the step. */
const sdkImports = (report: BundleReport) => report.externalImports.filter((name) => name.startsWith('@aws-sdk/'))

/**
 * The search steps' chosen client: the official OpenSearch client with its SigV4 signer and the SDK's default
 * credential chain (infra/aws/layers/services-opensearch.ts). It is bundled, so it counts in their floor as the SDK
 * clients count in the others'.
 */
const SearchClientImports = [
  SearchClientPackage,
  `${SearchClientPackage}/aws-v3`,
  '@aws-sdk/credential-provider-node',
] as const

/** What a step's floor imports beside effect and Powertools: its SDK clients, and the search client where it uses one. */
const chosenClients = (report: BundleReport, variant: ColdStartVariant): ReadonlyArray<string> => {
  const sdk = variant === 'bundle-sdk' ? bundledClients(report) : sdkImports(report)
  const search = report.packages.includes(SearchClientPackage) ? SearchClientImports : []
  return [...new Set([...sdk, ...search])]
}

export const benchColdStart = async (
  options: { quick: boolean; variant?: ColdStartVariant; repetitions?: number },
  log: (line: string) => void,
): Promise<ColdStartResult> => {
  const variant = options.variant ?? 'as-deployed'
  const settings = variantSettings(variant)
  // More repetitions steady the medians on a shared machine (`--repetitions 21`).
  const repetitions = options.repetitions ?? (options.quick ? 3 : 9)
  // Inside the project, so the bundles resolve what the Lambda runtime would provide (the SDK clients) and sharp.
  const outdir = path.join(projectRoot, 'node_modules', '.cache', `bench-cold-start-${variant}`)
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  try {
    const environments = templateEnvironments()
    const environmentOf = (folder: string) => {
      const environment = { ...(environments.get(folder) ?? {}) }
      if (settings.nodeOptions) environment.NODE_OPTIONS = settings.nodeOptions
      return environment
    }
    const reports = await buildAllSteps(outdir, projectRoot, settings.externals)
    const bundle = async (name: string, source: string) => {
      const entry = path.join(outdir, `${name}.ts`)
      writeFileSync(entry, source)
      const file = path.join(outdir, name, 'index.mjs')
      await build({
        ...stepBundleOptions,
        mainFields: [...stepBundleOptions.mainFields],
        entryPoints: [entry],
        outfile: file,
        external: settings.externals(false),
        logLevel: 'warning',
      })
      return file
    }
    const empty = await bundle('empty-handler', 'export const handler = async () => null\n')
    const pieces = await Promise.all(
      Pieces.map(async ([piece, source], i) => ({ piece, file: await bundle(`piece-${i}`, source) })),
    )
    // One floor per set of SDK clients the steps import; with the SDK bundled, its clients are inside the floor too.
    const clientSets = new Map<string, ReadonlyArray<string>>()
    for (const report of reports.filter((candidate) => !candidate.usesSharp)) {
      const clients = chosenClients(report, variant)
      clientSets.set(clients.join(','), clients)
    }
    const floors = new Map<string, string>()
    for (const [key, clients] of clientSets) floors.set(key, await bundle(`floor-${floors.size}`, floorSource(clients)))

    const floorKeyOf = new Map<string, string>()
    for (const report of reports.filter((candidate) => !candidate.usesSharp))
      floorKeyOf.set(report.step, chosenClients(report, variant).join(','))
    // Each floor is timed with the environment of a step that stands on it.
    const floorEnvironment = new Map<string, Readonly<Record<string, string>>>()
    for (const [step, key] of floorKeyOf) if (!floorEnvironment.has(key)) floorEnvironment.set(key, environmentOf(step))

    const timed: Array<{ file: string; environment: Readonly<Record<string, string>> }> = [
      { file: empty, environment: environmentOf(reports[0]!.step) },
      ...pieces.map((piece) => ({ file: piece.file, environment: environmentOf(reports[0]!.step) })),
      ...[...floors].map(([key, file]) => ({ file, environment: floorEnvironment.get(key) ?? {} })),
      ...reports.map((report) => ({ file: report.file, environment: environmentOf(report.step) })),
    ]
    const times = new Map<string, number[]>(timed.map(({ file }) => [file, []]))
    for (let round = 0; round < repetitions; round++)
      for (const { file, environment } of timed) times.get(file)!.push(timeImport(file, environment))
    const medianOf = (file: string) => median(times.get(file)!)
    const emptyMs = medianOf(empty)

    const steps = reports.map((report): ColdStartRow => {
      const importMs = medianOf(report.file)
      const key = floorKeyOf.get(report.step)
      const floorMs = key === undefined ? emptyMs : medianOf(floors.get(key)!)
      return {
        step: report.step,
        usesSharp: report.usesSharp,
        bytes: report.bytes,
        importMs: round(importMs),
        floorMs: round(floorMs),
        clients:
          key === undefined
            ? []
            : (clientSets.get(key) ?? []).map((name) => name.replace(/^@(aws-sdk|opensearch-project)\//, '')),
        overFloorMs: round(importMs - floorMs),
        nodeOptions: environmentOf(report.step).NODE_OPTIONS ?? '',
        withinTarget: report.usesSharp || importMs - floorMs <= ColdStartTargetMs,
        underCeiling: !report.overCeiling,
      }
    })
    const breakdown = pieces.map(({ piece, file }): ImportPiece => {
      const importMs = medianOf(file)
      return { piece, bytes: statSync(file).size, importMs: round(importMs), overEmptyMs: round(importMs - emptyMs) }
    })
    for (const row of steps)
      log(
        `  ${row.step.padEnd(34)} ${(row.bytes / 1024).toFixed(0).padStart(5)} KB  import ${row.importMs} ms, floor ${row.floorMs} ms (${row.clients.join(' ') || 'no client'}): +${row.overFloorMs} ms`,
      )
    return {
      variant,
      repetitions,
      emptyHandler: { bytes: statSync(empty).size, importMs: round(emptyMs) },
      steps,
      breakdown,
      targetMs: ColdStartTargetMs,
      ceilingBytes: CEILING_BYTES,
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}

/** With the SDK bundled, a step's clients are the `@aws-sdk/client-*` packages among its bundle's inputs. */
const bundledClients = (report: BundleReport): ReadonlyArray<string> =>
  report.packages.filter((name) => name.startsWith('@aws-sdk/client-'))

/** The figures as a table, each step beside its floor. */
export const coldStartTable = (result: ColdStartResult): string => {
  const rows = [
    ['step', 'bytes', 'NODE_OPTIONS', 'import ms', 'floor ms', 'floor: clients', 'over floor', ''],
    ...result.steps.map((row) => [
      `${row.step}${row.usesSharp ? ' (sharp)' : ''}`,
      `${(row.bytes / 1024).toFixed(0)} KB`,
      row.nodeOptions || '-',
      `${row.importMs}`,
      row.usesSharp ? '' : `${row.floorMs}`,
      row.usesSharp ? '' : row.clients.join(' ') || '-',
      row.usesSharp ? '' : `+${row.overFloorMs}`,
      row.usesSharp ? '' : row.withinTarget ? 'met' : 'MISSED',
    ]),
  ]
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)))
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

if (require.main === module) {
  const variant: ColdStartVariant = process.argv.includes('--as-before')
    ? 'as-before'
    : process.argv.includes('--bundle-sdk')
      ? 'bundle-sdk'
      : 'as-deployed'
  const at = process.argv.indexOf('--repetitions')
  const repetitions = at >= 0 ? Number(process.argv[at + 1]) : undefined
  if (repetitions !== undefined && !(Number.isInteger(repetitions) && repetitions > 0))
    throw new Error(`--repetitions takes a positive whole number; got "${process.argv[at + 1]}"`)
  benchColdStart(
    { quick: process.argv.includes('--quick'), variant, ...(repetitions ? { repetitions } : {}) },
    () => undefined,
  ).then(
    (result) => {
      console.log(
        `Cold start (${result.variant}): import of each step bundle in a fresh Node ${process.versions.node} process with its function's environment, median of ${result.repetitions}; empty handler ${result.emptyHandler.importMs} ms`,
      )
      console.log(coldStartTable(result))
      console.log(
        `\ntarget: each non-image step within ${result.targetMs} ms of its floor (effect, Powertools, its SDK clients and search client, bundled alone the same way); ${result.steps.filter((row) => !row.withinTarget).length} missed`,
      )
      for (const piece of result.breakdown)
        console.log(
          `  ${piece.piece}: ${(piece.bytes / 1024).toFixed(0)} KB, +${piece.overEmptyMs} ms over the empty handler`,
        )
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
