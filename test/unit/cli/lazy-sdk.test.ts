import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'

const root = path.resolve(__dirname, '..', '..', '..')

/** The modules `pipeline ARGS` loads, as the installed bin runs it. */
const modulesLoadedBy = (
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv = {},
): { status: number | null; modules: string[] } => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-modules-'))
  try {
    const file = path.join(dir, 'modules.txt')
    const run = spawnSync(
      process.execPath,
      ['-r', path.join(root, 'test', 'support', 'loaded-modules.cjs'), path.join(root, 'cli', 'pipeline.js'), ...args],
      { cwd: root, env: { ...process.env, ...env, LOADED_MODULES_FILE: file }, encoding: 'utf8' },
    )
    return { status: run.status, modules: readFileSync(file, 'utf8').split('\n') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('the CLI loads the AWS SDK only when a command uses AWS', () => {
  it.each([[['--help']], [['upload', '--help']], [['executions', '--help']], [['replay', '--help']]])(
    'pipeline %j loads no @aws-sdk module',
    (args) => {
      const { status, modules } = modulesLoadedBy(args)

      expect(status).toBe(0)
      expect(modules.some((file) => file.includes(`${path.sep}cli${path.sep}main.ts`))).toBe(true)
      expect(modules.filter((file) => file.includes(`${path.sep}@aws-sdk${path.sep}`))).toEqual([])
    },
  )

  it('does load it for a command against a deployed stack (the check sees what it looks for)', () => {
    // Nothing listens on port 1: the command fails as unreachable, after loading the SDK to try.
    const { status, modules } = modulesLoadedBy(['--target', 'aws', '--region', 'eu-west-1', 'executions'], {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
    })

    expect(status).toBe(3)
    expect(modules.some((file) => file.includes(`${path.sep}@aws-sdk${path.sep}client-`))).toBe(true)
  })
})
