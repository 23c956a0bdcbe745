import { readFileSync } from 'node:fs'
import * as path from 'node:path'

const eventsRoot = path.resolve(__dirname, '..', 'events')

/** A real AWS event from `test/events/` (`s3/object-created.json`), parsed afresh on every call so tests may change it. */
export const awsEvent = <T = ReturnType<typeof JSON.parse>>(file: string): T =>
  JSON.parse(readFileSync(path.join(eventsRoot, file), 'utf8')) as T
