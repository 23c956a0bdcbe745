import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { isBuiltin } from 'node:module'
import { gzipSync } from 'node:zlib'
import { build, type BuildOptions, type Metafile } from 'esbuild'
import { StepKeys, Steps } from '../steps/kit/catalog'

/**
 * Builds every Lambda step bundle the way the CDK does, and reports what each weighs and where the bytes go.
 *
 *   npx tsx bench/bundles.ts [--json]
 *
 * Prints a table (or, with `--json`, the report as JSON), writes `bench/bundles.json`, and exits non-zero when a
 * step that does not use sharp is over {@link CEILING_BYTES} minified. Bytes are not the target (start-up time is, see
 * bench/cold-start.ts): the ceiling only catches a regression, such as a dependency pulled in by mistake.
 *
 * Where a non-image step's ~570 KB goes (metafile, bytes in the output): effect ~350 KB (Schema, SchemaAST and
 * ParseResult ~115 KB, the fiber runtime, and fast-check ~45 KB that effect's Schema module keeps), the Powertools
 * tracer's aws-xray-sdk-core with its semver and cls-hooked ~115 KB, Powertools logger and metrics ~35 KB, the
 * SDK utilities a step uses (util-dynamodb ~10 KB) and the project's own code ~15 KB. The SDK clients are not in it:
 * the Lambda runtime provides them.
 */

export const projectRoot = path.resolve(__dirname, '..')

/** The regression ceiling test/infra/bundles.test.ts holds the non-image steps to, minified. */
export const CEILING_BYTES = 600 * 1024

/**
 * The same ceiling for the four steps that reach the search domain (index image, apply change, reconcile search, the
 * search API): the official OpenSearch client adds about 250 KB minified, most of it the typed API of every endpoint,
 * which its `Client` class loads whole; and its SigV4 signer signs with the SDK's default credential chain
 * (`@aws-sdk/credential-provider-node`, with `@aws-sdk/core`, `@smithy/core` and the nested STS and SSO clients,
 * about 300 KB), which is bundled like every other `@aws-sdk` module that is not a client.
 */
export const SEARCH_CLIENT_CEILING_BYTES = 1300 * 1024

/** The package whose presence in a bundle moves it to {@link SEARCH_CLIENT_CEILING_BYTES}. */
export const SearchClientPackage = '@opensearch-project/opensearch'

/**
 * The esbuild options `infra/aws/constructs/step-function.ts` gives NodejsFunction, as the CDK turns them into
 * esbuild CLI flags (aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js, `buildEsbuildArgs`). MIRRORED, not imported:
 * step-function.ts imports aws-cdk-lib, which this script must not load. test/infra/bundles.test.ts checks the
 * mirror against step-function.ts's source, so a change there fails the test until it is made here too.
 *
 * - `bundle`, `platform: 'node'`, `outfile: index.mjs` for ESM: what the CDK always passes.
 * - `external`: `externalModules` replaces the CDK's default (`@aws-sdk/*`) with the SDK clients only, which the
 *   runtime provides; every other `@aws-sdk/*` module (util-dynamodb) is bundled. The sharp steps add `sharp`.
 * - `sourcemap: true` with sources content, as `sourceMap: true`; the `.map` is written but never counted.
 * - no `tsconfig`: the CDK passes none, so esbuild finds `tsconfig.json` itself, as here.
 */
export const stepBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
} as const satisfies BuildOptions

/**
 * `external` for a step: the SDK clients the Lambda runtime provides (and nothing else of `@aws-sdk/*`), with sharp
 * for the two image steps.
 */
export const externalsFor = (usesSharp: boolean): string[] =>
  usesSharp ? ['@aws-sdk/client-*', 'sharp'] : ['@aws-sdk/client-*']

export interface StepEntry {
  /** The folder under `steps/`; its `handler.ts` is the entry. */
  readonly folder: string
  readonly usesSharp: boolean
}

/** Every step the CDK bundles, from the step catalog, by folder. */
export const pipelineSteps = (): StepEntry[] =>
  StepKeys.map((key) => ({ folder: Steps[key].folder, usesSharp: 'usesSharp' in Steps[key] })).sort((a, b) =>
    a.folder.localeCompare(b.folder),
  )

export interface InputShare {
  readonly path: string
  readonly bytes: number
}

export interface BundleReport {
  readonly step: string
  readonly usesSharp: boolean
  /** The built `index.mjs`. */
  readonly file: string
  readonly bytes: number
  readonly gzipBytes: number
  readonly overCeiling: boolean
  /** Inputs by bytes they put in the output. */
  readonly topInputs: ReadonlyArray<InputShare>
  /** The same, summed by package (`effect`, `@aws-lambda-powertools/tracer`, or `(project)`). */
  readonly topPackages: ReadonlyArray<InputShare>
  /** The packages the bundle leaves to the runtime and imports at load (the SDK clients it uses, sharp), sorted. */
  readonly externalImports: ReadonlyArray<string>
  /** Every package with bytes in the bundle, sorted. */
  readonly packages: ReadonlyArray<string>
}

const packageOf = (input: string): string => {
  const at = input.lastIndexOf('node_modules/')
  if (at < 0) return '(project)'
  const [scope, name] = input.slice(at + 'node_modules/'.length).split('/')
  return scope.startsWith('@') ? `${scope}/${name}` : scope
}

const top = (entries: Iterable<[string, number]>, count: number): InputShare[] =>
  [...entries]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([p, bytes]) => ({ path: p, bytes }))

/**
 * Builds `steps` into `outdir/<folder>/index.mjs` (each with its `.map`) and measures them. One esbuild call per
 * set of externals, with every step of the set as an entry point: without code splitting each entry is still its
 * own self-contained bundle, byte for byte what the CDK's one-entry build writes, and effect is parsed once
 * instead of once per step.
 */
export const buildSteps = async (
  steps: ReadonlyArray<StepEntry>,
  outdir: string,
  root = projectRoot,
  externals: (usesSharp: boolean) => string[] = externalsFor,
): Promise<BundleReport[]> => {
  const groups = [true, false]
    .map((usesSharp) => steps.filter((step) => step.usesSharp === usesSharp))
    .filter((group) => group.length > 0)
  const built = await Promise.all(
    groups.map(async (group) => {
      const result = await build({
        ...stepBundleOptions,
        mainFields: [...stepBundleOptions.mainFields],
        entryPoints: group.map((step) => ({
          in: path.join(root, 'steps', step.folder, 'handler.ts'),
          out: `${step.folder}/index`,
        })),
        absWorkingDir: root,
        outdir,
        outExtension: { '.js': '.mjs' },
        external: externals(group[0].usesSharp),
        metafile: true,
        // Warnings are printed, as the CDK's esbuild run prints them.
        logLevel: 'warning',
      })
      return { group, metafile: result.metafile as Metafile }
    }),
  )
  const reports = built.flatMap(({ group, metafile }) =>
    group.map((step): BundleReport => {
      const entry = `steps/${step.folder}/handler.ts`
      const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint === entry)
      if (!output) throw new Error(`esbuild wrote no output for ${entry}`)
      const file = path.join(outdir, step.folder, 'index.mjs')
      const contents = readFileSync(file)
      const inputs = Object.entries(output.inputs).map(([input, { bytesInOutput }]): [string, number] => [
        input,
        bytesInOutput,
      ])
      const byPackage = new Map<string, number>()
      for (const [input, bytes] of inputs)
        byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytes)
      return {
        step: step.folder,
        usesSharp: step.usesSharp,
        file,
        bytes: contents.length,
        gzipBytes: gzipSync(contents).length,
        overCeiling:
          !step.usesSharp &&
          contents.length > (byPackage.has(SearchClientPackage) ? SEARCH_CLIENT_CEILING_BYTES : CEILING_BYTES),
        topInputs: top(inputs, 5),
        topPackages: top(byPackage, 8),
        externalImports: [
          ...new Set(
            output.imports.filter((input) => input.external && !isBuiltin(input.path)).map((input) => input.path),
          ),
        ].sort(),
        packages: [...byPackage.keys()].sort(),
      }
    }),
  )
  // In the order of `steps`.
  return steps.map((step) => reports.find((report) => report.step === step.folder) as BundleReport)
}

/** Builds every step into `outdir`. */
export const buildAllSteps = (
  outdir: string,
  root = projectRoot,
  externals: (usesSharp: boolean) => string[] = externalsFor,
): Promise<BundleReport[]> => buildSteps(pipelineSteps(), outdir, root, externals)

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

const table = (reports: ReadonlyArray<BundleReport>): string => {
  const rows = reports.map((r) => [
    `${r.step}${r.usesSharp ? ' (sharp)' : ''}${r.overCeiling ? ' OVER' : ''}`,
    kb(r.bytes),
    kb(r.gzipBytes),
    r.topInputs.map((i) => `${i.path.replace(/^.*node_modules\//, '')} ${kb(i.bytes)}`).join(', '),
  ])
  const header = ['step', 'minified', 'gzip', 'top 5 inputs (bytes in output)']
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col].length)))
  const line = (row: string[]) =>
    row
      .map((cell, col) =>
        col === row.length - 1 ? cell : col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]),
      )
      .join('  ')
  return [line(header), ...rows.map(line)].join('\n')
}

const main = async () => {
  const json = process.argv.includes('--json')
  const outdir = mkdtempSync(path.join(tmpdir(), 'step-bundles-'))
  try {
    const reports = await buildAllSteps(outdir)
    const report = {
      ceilingBytes: CEILING_BYTES,
      options: { ...stepBundleOptions, external: { default: externalsFor(false), sharp: externalsFor(true) } },
      steps: reports.map(({ file: _file, ...rest }) => rest),
    }
    writeFileSync(path.join(projectRoot, 'bench', 'bundles.json'), `${JSON.stringify(report, null, 2)}\n`)
    const over = reports.filter((r) => r.overCeiling)
    if (json) console.log(JSON.stringify(report, null, 2))
    else {
      console.log(table(reports))
      console.log(`\nceiling ${kb(CEILING_BYTES)} minified per non-sharp step; report written to bench/bundles.json`)
    }
    if (over.length > 0) {
      console.error(`over the ceiling: ${over.map((r) => `${r.step} (${kb(r.bytes)})`).join(', ')}`)
      process.exitCode = 1
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 2
  })
}
