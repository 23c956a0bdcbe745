import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { CfnTemplate } from '../../aws/synth'

const SynthScript = path.join(__dirname, '..', '..', 'aws', 'synth-to-file.ts')

/** The loader flags of this process (tsx's), which the child needs to run TypeScript; profiling and inspector flags are not passed on. */
const loaderFlags = (execArgv: ReadonlyArray<string>): string[] => {
  const kept: string[] = []
  for (let index = 0; index < execArgv.length; index += 1) {
    const flag = execArgv[index]!
    if (/^--(import|require|loader|experimental-loader)=/.test(flag)) kept.push(flag)
    else if (['--import', '--require', '-r', '--loader', '--experimental-loader'].includes(flag)) {
      kept.push(flag, execArgv[index + 1] ?? '')
      index += 1
    }
  }
  return kept
}

/**
 * Synthesizes the CDK app in a child process and answers its template. The construct library holds about 400 MB
 * of memory after a synthesis, which a server that runs for days would keep for nothing; the child gives it back.
 * The synthesis's own messages go to this process's stderr; a failed one throws with the child's exit status.
 */
export const synthesizeApart = (): CfnTemplate => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-template-'))
  const file = path.join(dir, 'Pipeline.template.json')
  try {
    execFileSync(process.execPath, [...loaderFlags(process.execArgv), SynthScript, file], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
