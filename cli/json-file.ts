import { readFile } from 'node:fs/promises'
import { InvalidEventPattern, validatePattern } from '../infra/local/pattern'
import { UsageError } from './args'

/**
 * Reads a JSON file a flag names. A missing, unreadable or non-JSON file is a usage error naming the flag and the
 * file (`--event e.json: no such file`), without the `--help` hint: the command line itself was fine.
 */
export const readJsonFile = async (path: string, flag: string): Promise<unknown> => {
  const problem = (what: string) => new UsageError(`${flag} ${path}: ${what}`, { showHelpHint: false })
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw problem('no such file')
    if (code === 'EISDIR') throw problem('not a file')
    if (code === 'EACCES' || code === 'EPERM') throw problem('permission denied')
    throw problem(`cannot read it (${typeof code === 'string' ? code : String(error)})`)
  }
  try {
    // A UTF-8 byte order mark is not JSON, but editors write it.
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown
  } catch (error) {
    throw problem(`not JSON (${(error as Error).message.split('\n')[0]})`)
  }
}

/** Reads an event pattern file and checks it as EventBridge would (PutRule, TestEventPattern): exit 2 with its reason. */
export const readPattern = async (path: string, flag: string): Promise<unknown> => {
  const pattern = await readJsonFile(path, flag)
  try {
    validatePattern(pattern)
  } catch (error) {
    if (error instanceof InvalidEventPattern) throw new UsageError(`${flag} ${path}: ${error.message}`, { showHelpHint: false })
    throw error
  }
  return pattern
}
