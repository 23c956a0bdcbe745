import { readFile } from 'node:fs/promises'
import { InvalidEventPattern, validatePattern } from '../infra/local/eventbridge/pattern'
import { UsageError } from './errors'

/**
 * Reads a file the command line names. A missing or unreadable file is a usage error without the `--help` hint (the
 * command line itself was fine), naming the flag and the file (`--event e.json: no such file`), or for a positional
 * argument the file alone (`no such file: orders.csv`).
 */
export const readLocalFile = async (path: string, flag?: string): Promise<Buffer> => {
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const what =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'not a file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : `cannot read it (${typeof code === 'string' ? code : String(error)})`
    throw new UsageError(flag === undefined ? `${what}: ${path}` : `${flag} ${path}: ${what}`, { showHelpHint: false })
  }
}

/**
 * Reads a JSON file a flag names. A missing, unreadable or non-JSON file is a usage error naming the flag and the
 * file (`--event e.json: no such file`), without the `--help` hint: the command line itself was fine.
 */
export const readJsonFile = async (path: string, flag: string): Promise<unknown> => {
  const text = (await readLocalFile(path, flag)).toString('utf8')
  try {
    // A UTF-8 byte order mark is not JSON, but editors write it.
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown
  } catch (error) {
    throw new UsageError(`${flag} ${path}: not JSON (${(error as Error).message.split('\n')[0]})`, {
      showHelpHint: false,
    })
  }
}

/** Reads an event pattern file and checks it as EventBridge would (PutRule, TestEventPattern): exit 2 with its reason. */
export const readPattern = async (path: string, flag: string): Promise<unknown> => {
  const pattern = await readJsonFile(path, flag)
  try {
    validatePattern(pattern)
  } catch (error) {
    if (error instanceof InvalidEventPattern)
      throw new UsageError(`${flag} ${path}: ${error.message}`, { showHelpHint: false })
    throw error
  }
  return pattern
}
