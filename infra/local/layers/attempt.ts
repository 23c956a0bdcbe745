import { Effect } from 'effect'
import { TransientError } from '../../../contracts/errors'

/** Any exception from SQLite or the file system is an infrastructure failure: the workflow retries it. */
export const attempt = <A>(operation: string, work: () => A) =>
  Effect.try({
    try: work,
    catch: (error) =>
      new TransientError({ operation, message: error instanceof Error ? error.message : String(error) }),
  })
