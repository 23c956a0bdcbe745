import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { build } from 'esbuild'
import { buildAllSteps, BUDGET_BYTES, projectRoot, stepBundleOptions } from './bundles'
import { median, round } from './support/stats'

/**
 * Cold start: each step bundle as the CDK builds it (bench/bundles.ts's options), imported in a fresh Node process,
 * against a bundle whose handler does nothing. Only the import is timed (the process's own start is the same for
 * every bundle and is not the bundle's doing); repetitions are interleaved across bundles so a busy moment on the
 * machine spreads over all of them, and the median is kept.
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

export interface ColdStartResult {
  readonly repetitions: number
  readonly emptyHandler: { readonly bytes: number; readonly importMs: number }
  readonly steps: ReadonlyArray<ColdStartRow>
  readonly targetMs: number
  readonly budgetBytes: number
}

/** The target: a step loads within this much of a handler that does nothing. */
export const ColdStartTargetMs = 30

/** Imports `file` in a fresh process and answers how long the import took, in ms. */
const timeImport = (file: string): number => {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t))`
  // Environment a deployed function has, so module-level client set-up runs as it does on Lambda.
  const env = { ...process.env, AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', NODE_OPTIONS: '' }
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }))
}

export const benchColdStart = async (options: { quick: boolean }, log: (line: string) => void): Promise<ColdStartResult> => {
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
    await build({ ...stepBundleOptions, mainFields: [...stepBundleOptions.mainFields], entryPoints: [emptyEntry], outfile: empty, external: ['@aws-sdk/*'], logLevel: 'warning' })
    const files = [empty, ...reports.map((report) => report.file)]
    const times = new Map<string, number[]>(files.map((file) => [file, []]))
    for (let round = 0; round < repetitions; round++) for (const file of files) times.get(file)!.push(timeImport(file))
    const emptyMs = median(times.get(empty)!)
    const emptyBytes = (await import('node:fs')).statSync(empty).size
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
    for (const row of steps) log(`  ${row.step.padEnd(34)} ${(row.bytes / 1024).toFixed(0).padStart(5)} KB  import ${row.importMs} ms (+${row.overEmptyMs} ms over the empty handler)`)
    return { repetitions, emptyHandler: { bytes: emptyBytes, importMs: round(emptyMs) }, steps, targetMs: ColdStartTargetMs, budgetBytes: BUDGET_BYTES }
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  benchColdStart({ quick: process.argv.includes('--quick') }, console.log).then((result) => console.log(JSON.stringify(result.emptyHandler)), (error: unknown) => { console.error(error); process.exitCode = 1 })
}
