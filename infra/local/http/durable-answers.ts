import type { DatabaseSync } from 'node:sqlite'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { answersInFlight, beginAnswer } from '../kernel/fair-share'
import { commitGroup, durable, holdGroup } from '../kernel/group-commit'

const ReadOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Lets a request's writes join the group commit and take precedence over background work (`fair-share.ts`), and holds its answer until everything written before the answer
 * is committed: a 202 still means "durable", whichever transaction carried the write. A commit that fails ends the
 * connection instead of answering, so no client is told that something stands when it does not.
 */
export const answerWhenDurable = (db: DatabaseSync, req: IncomingMessage, res: ServerResponse): void => {
  // Reads (a console's event stream among them, open for as long as the page is) neither hold a commit nor slow the backlog.
  const writes = !ReadOnlyMethods.has(req.method ?? 'GET')
  const releaseGroup = writes ? holdGroup(db) : () => undefined
  const endAnswer = writes ? beginAnswer() : () => undefined
  const release = () => {
    releaseGroup()
    endAnswer()
  }
  res.once('close', release)
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  res.end = ((...args: unknown[]) => {
    release()
    const committed = durable(db)
    if (!committed) return end(...args)
    // The only answer in flight has no other to share its commit with: commit once this call stack unwinds, not at the turn's end.
    if (answersInFlight() === 0) queueMicrotask(() => commitGroup(db))
    committed.then(
      () => end(...args),
      (error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))),
    )
    return res
  }) as ServerResponse['end']
}
