import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { build } from 'esbuild'
import { buildAllSteps, BUDGET_BYTES, projectRoot, stepBundleOptions } from './bundles'
import { median, round } from './support/stats'

/**
 * Cold start: each step bundle as the CDK builds it (bench/bundles.ts's options), imported in a fresh Node process,
 * against a bundle whose handler does nothing. Only the import is timed (the process's own start is the same for
 * every bundle and is not the bundle's doing); repetitions are interleaved across bundles so a busy moment on the
 * machine spreads over all of them, and the median is kept. The same is done for each piece a step loads, alone
 * (effect, Powertools' logger, metrics and tracer, the AWS SDK clients), to show where a step's import time goes.
 */
export interface ColdStartRow {
  readonly step: string
  readonly usesSharp: boolean
  readonly bytes: number
  readonly importMs: number
  readonly overEmptyMs: number
  readonly withinTarget: boolean
  readonly underBudget: boolean
}

/** One piece a step loads, bundled alone with the steps' options and imported in a fresh process. */
export interface ImportPiece {
  readonly piece: string
  readonly bytes: number
  readonly importMs: number
  readonly overEmptyMs: number
}

export interface ColdStartResult {
  readonly repetitions: number
  readonly emptyHandler: { readonly bytes: number; readonly importMs: number }
  readonly steps: ReadonlyArray<ColdStartRow>
  /** Where a step's import time goes: each piece alone, over the empty handler (pieces share modules, so they overlap). */
  readonly breakdown: ReadonlyArray<ImportPiece>
  readonly targetMs: number
  readonly budgetBytes: number
}

/** The target: a step loads within this much of a handler that does nothing. */
export const ColdStartTargetMs = 30

const AllClients = ['client-dynamodb', 'client-eventbridge', 'client-s3', 'client-sqs']
  .map((name, i) => `import * as client${i} from '@aws-sdk/${name}'\nexport const keep${i} = client${i}\n`)
  .join('')

/**
 * The pieces a (non-image) step loads, each as a module of its own whose handler keeps what it imports alive so
 * esbuild cannot drop it. The AWS SDK stays external, as in the step bundles: Lambda's runtime provides it, and
 * loading it from there still costs the import.
 */
const Pieces: ReadonlyArray<readonly [string, string]> = [
  [
    'effect (Effect, Layer, ManagedRuntime, Schema)',
    "import { Effect, Layer, ManagedRuntime, Schema } from 'effect'\nexport const handler = async () => [Effect, Layer, ManagedRuntime, Schema.String]\n",
  ],
  [
    'Powertools logger (new Logger)',
    "import { Logger } from '@aws-lambda-powertools/logger'\nconst logger = new Logger()\nexport const handler = async () => logger\n",
  ],
  [
    'Powertools metrics (new Metrics)',
    "import { Metrics } from '@aws-lambda-powertools/metrics'\nconst metrics = new Metrics({ namespace: 'Pipeline' })\nexport const handler = async () => metrics\n",
  ],
  [
    'Powertools tracer + aws-xray-sdk-core (new Tracer)',
    "import { Tracer } from '@aws-lambda-powertools/tracer'\nconst tracer = new Tracer()\nexport const handler = async () => tracer\n",
  ],
  [
    '@aws-sdk/client-dynamodb (import only)',
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'\nexport const handler = async () => DynamoDBClient\n",
  ],
  [
    '@aws-sdk/client-dynamodb (new DynamoDBClient)',
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'\nconst client = new DynamoDBClient({})\nexport const handler = async () => client\n",
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
  // What a step that used all four services would load; each step imports only its services' clients (one module
  // per client in infra/aws/layers/services-*.ts, since esbuild keeps every import statement of an external module).
  ['the four SDK clients together', AllClients],
  [
    'effect + Powertools + the four SDK clients (a step without its own code)',
    `${AllClients}import { Effect, Layer, ManagedRuntime, Schema } from 'effect'\nimport { Logger } from '@aws-lambda-powertools/logger'\nimport { Metrics } from '@aws-lambda-powertools/metrics'\nimport { Tracer } from '@aws-lambda-powertools/tracer'\nconst kept = [Effect, Layer, ManagedRuntime, Schema.String, new Logger(), new Metrics({ namespace: 'Pipeline' }), new Tracer()]\nexport const used = () => kept\n`,
  ],
]

/** Imports `file` in a fresh process and answers how long the import took, in ms. */
const timeImport = (file: string): number => {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t))`
  // Environment a deployed function has, so module-level client set-up runs as it does on Lambda.
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    NODE_OPTIONS: '',
  }
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }))
}

export const benchColdStart = async (
  options: { quick: boolean },
  log: (line: string) => void,
): Promise<ColdStartResult> => {
  const repetitions = options.quick ? 3 : 9
  // Inside the project, so the bundles resolve what the Lambda runtime would provide (the AWS SDK) and sharp.
  const outdir = path.join(projectRoot, 'node_modules', '.cache', 'bench-cold-start')
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  try {
    const reports = await buildAllSteps(outdir)
    const emptyEntry = path.join(outdir, 'empty-handler.ts')
    writeFileSync(emptyEntry, 'export const handler = async () => null\n')
    const empty = path.join(outdir, 'empty', 'index.mjs')
    await build({
      ...stepBundleOptions,
      mainFields: [...stepBundleOptions.mainFields],
      entryPoints: [emptyEntry],
      outfile: empty,
      external: ['@aws-sdk/*'],
      logLevel: 'warning',
    })
    const pieces = await Promise.all(
      Pieces.map(async ([piece, source], i) => {
        const entry = path.join(outdir, `piece-${i}.ts`)
        writeFileSync(entry, source)
        const file = path.join(outdir, `piece-${i}`, 'index.mjs')
        await build({
          ...stepBundleOptions,
          mainFields: [...stepBundleOptions.mainFields],
          entryPoints: [entry],
          outfile: file,
          external: ['@aws-sdk/*'],
          logLevel: 'warning',
        })
        return { piece, file }
      }),
    )
    const files = [empty, ...pieces.map((piece) => piece.file), ...reports.map((report) => report.file)]
    const times = new Map<string, number[]>(files.map((file) => [file, []]))
    for (let round = 0; round < repetitions; round++) for (const file of files) times.get(file)!.push(timeImport(file))
    const emptyMs = median(times.get(empty)!)
    const emptyBytes = statSync(empty).size
    const steps = reports.map((report): ColdStartRow => {
      const importMs = median(times.get(report.file)!)
      return {
        step: report.step,
        usesSharp: report.usesSharp,
        bytes: report.bytes,
        importMs: round(importMs),
        overEmptyMs: round(importMs - emptyMs),
        withinTarget: importMs - emptyMs <= ColdStartTargetMs,
        underBudget: report.usesSharp || report.bytes <= BUDGET_BYTES,
      }
    })
    const breakdown = pieces.map(({ piece, file }): ImportPiece => {
      const importMs = median(times.get(file)!)
      return { piece, bytes: statSync(file).size, importMs: round(importMs), overEmptyMs: round(importMs - emptyMs) }
    })
    for (const row of breakdown)
      log(
        `  ${row.piece.padEnd(52)} ${(row.bytes / 1024).toFixed(0).padStart(5)} KB  import ${row.importMs} ms (+${row.overEmptyMs} ms over the empty handler)`,
      )
    for (const row of steps)
      log(
        `  ${row.step.padEnd(34)} ${(row.bytes / 1024).toFixed(0).padStart(5)} KB  import ${row.importMs} ms (+${row.overEmptyMs} ms over the empty handler)`,
      )
    return {
      repetitions,
      emptyHandler: { bytes: emptyBytes, importMs: round(emptyMs) },
      steps,
      breakdown,
      targetMs: ColdStartTargetMs,
      budgetBytes: BUDGET_BYTES,
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  benchColdStart({ quick: process.argv.includes('--quick') }, console.log).then(
    (result) => console.log(JSON.stringify(result.emptyHandler)),
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
