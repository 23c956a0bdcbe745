import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import {
  buildAllSteps,
  CEILING_BYTES,
  externalsFor,
  SEARCH_CLIENT_CEILING_BYTES,
  SearchClientPackage,
  pipelineSteps,
  projectRoot,
  stepBundleOptions,
  type BundleReport,
} from '../../bench/bundles'

const run = promisify(execFile)

/**
 * The top-level entries of the object literal after `marker` in `source` (comments dropped, whitespace collapsed):
 * `{ key: 'value text', '...': 'spread text' }`. Enough to read the CDK bundling options without loading the CDK.
 */
const objectEntries = (source: string, marker: string): Record<string, string> => {
  const code = source.replace(/^\s*\/\/.*$/gm, '')
  const start = code.indexOf('{', code.indexOf(marker))
  if (code.indexOf(marker) < 0 || start < 0) throw new Error(`no object after ${marker}`)
  const entries: string[] = []
  let depth = 0
  let quote: string | undefined
  let current = ''
  for (const char of code.slice(start + 1)) {
    if (quote) {
      if (char === quote) quote = undefined
    } else if (char === "'" || char === '"' || char === '`') quote = char
    else if ('([{'.includes(char)) depth++
    else if (')]}'.includes(char)) {
      if (depth === 0) break
      depth--
    } else if (char === ',' && depth === 0) {
      entries.push(current)
      current = ''
      continue
    }
    current += char
  }
  entries.push(current)
  return Object.fromEntries(
    entries
      .map((entry) => entry.replace(/\s+/g, ' ').trim())
      .filter((entry) => entry !== '')
      .map((entry) => {
        if (entry.startsWith('...')) return ['...', entry.slice(3)]
        const colon = entry.indexOf(':')
        // A shorthand property (`role,`) is its own value.
        return colon < 0 ? [entry, entry] : [entry.slice(0, colon).trim(), entry.slice(colon + 1).trim()]
      }),
  )
}

describe('step bundles', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'step-bundles-test-'))
  let reports: BundleReport[] = []

  beforeAll(async () => {
    // The externals resolve as on Lambda: @aws-sdk/* (the runtime's there, the project's here) and sharp, from a
    // node_modules beside the bundles.
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(outdir, 'node_modules'), 'dir')
    reports = await buildAllSteps(outdir)
  }, 60_000)

  afterAll(() => rmSync(outdir, { recursive: true, force: true }))

  const nonImage = () => {
    const steps = reports.filter((report) => !report.usesSharp)
    if (steps.length === 0) throw new Error('no bundles were built')
    return steps
  }

  it('builds every step handler, the one sharp step among them', () => {
    expect(reports.map((report) => report.step)).toEqual(pipelineSteps().map((step) => step.folder))
    expect(reports.map((report) => report.step)).toEqual(
      expect.arrayContaining(['api', 'images/persist', 'orders/validate', 'maintenance/reconcile-search']),
    )
    expect(reports.filter((report) => report.usesSharp).map((report) => report.step)).toEqual(['images/render'])
  })

  it('builds with the options step-function.ts gives NodejsFunction', () => {
    const source = readFileSync(path.join(projectRoot, 'infra', 'aws', 'constructs', 'step-function.ts'), 'utf8')
    const bundling = objectEntries(source, 'bundling:')
    const message =
      'step-function.ts bundles differently from bench/bundles.ts: update stepBundleOptions / externalsFor'

    expect({ message, bundling }).toEqual({
      message,
      bundling: {
        format: 'OutputFormat.ESM',
        target: `'${stepBundleOptions.target}'`,
        minify: String(stepBundleOptions.minify),
        sourceMap: String(stepBundleOptions.sourcemap),
        mainFields: `[${stepBundleOptions.mainFields.map((field) => `'${field}'`).join(', ')}]`,
        banner: JSON.stringify(stepBundleOptions.banner.js),
        externalModules: 'RuntimeProvidedModules',
        '...': '(entry.usesSharp ? sharpBundling : {})',
      },
    })
    expect(source).toContain(
      `const RuntimeProvidedModules = [${externalsFor(false)
        .map((name) => `'${name}'`)
        .join(', ')}]`,
    )
    expect({ message, externalModules: objectEntries(source, 'const sharpBundling').externalModules }).toEqual({
      message,
      externalModules: `[${externalsFor(true)
        .map((name) => `'${name}'`)
        .join(', ')}]`,
    })
    // No bundleAwsSDK: only the SDK clients are external; the utilities (util-dynamodb) are bundled.
    expect(objectEntries(source, 'new NodejsFunction(this')).toEqual(
      expect.objectContaining({ runtime: 'Runtime.NODEJS_24_X' }),
    )
    expect(source).not.toMatch(/bundleAwsSDK|nodeModules|esbuildArgs/)
  })

  it('leaves only the SDK clients to the runtime, and bundles every other @aws-sdk module (util-dynamodb)', () => {
    // The Node.js runtime includes the SDK (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included);
    // which of its utility packages it ships is not documented, so only the clients are left to it.
    const leftToRuntime = reports.flatMap((report) =>
      report.externalImports
        .filter((name) => !/^@aws-sdk\/client-[a-z0-9-]+$/.test(name) && !(report.usesSharp && name === 'sharp'))
        .map((name) => `${report.step}: ${name}`),
    )
    expect(leftToRuntime).toEqual([])
    const usingUtil = reports.filter((report) => report.packages.includes('@aws-sdk/util-dynamodb'))
    expect(usingUtil.map((report) => report.step)).toEqual(
      expect.arrayContaining(['orders/persist', 'changes/decode-users']),
    )
  })

  it(`keeps each non-image bundle under the ${CEILING_BYTES / 1024} KB ceiling (${SEARCH_CLIENT_CEILING_BYTES / 1024} KB with the OpenSearch client)`, () => {
    const withClient = (report: BundleReport) => report.topPackages.some((share) => share.path === SearchClientPackage)
    const over = nonImage()
      .filter((report) => report.bytes >= (withClient(report) ? SEARCH_CLIENT_CEILING_BYTES : CEILING_BYTES))
      .map((report) => `${report.step}: ${report.bytes} bytes`)

    expect(over).toEqual([])
    // Only the steps that reach the search domain carry its client.
    expect(
      nonImage()
        .filter(withClient)
        .map((report) => report.step),
    ).toEqual(['changes/apply', 'images/index', 'maintenance/reconcile-search', 'search'])
  })

  it('loads each bundle in a fresh Node process, with only AWS_REGION set, and finds its handler', async () => {
    const script = 'const module = await import(process.argv[1]); process.stdout.write(typeof module.handler)'
    const load = async (report: BundleReport) => {
      try {
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, report.file], {
          env: { AWS_REGION: 'us-east-1' },
          cwd: outdir,
          timeout: 20_000,
        })
        return `${report.step}: ${stdout}`
      } catch (error) {
        // The error Node printed last, not the echo of the script before it.
        return `${report.step}: ${(error as { stderr?: string }).stderr?.trim().split('\n').slice(-4).join(' | ') ?? String(error)}`
      }
    }
    // A few at a time: each process loads a bundle and the SDK clients it imports.
    const loaded: string[] = []
    for (let at = 0; at < reports.length; at += 4)
      loaded.push(...(await Promise.all(reports.slice(at, at + 4).map(load))))

    expect(loaded.length).toBeGreaterThan(0)
    expect(loaded).toEqual(reports.map((report) => `${report.step}: function`))
  }, 60_000)
})
