import type { DatabaseSync } from 'node:sqlite'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { answersInFlight, beginAnswer } from '../kernel/fair-share'
import { commitGroup, durable, holdGroup } from '../kernel/group-commit'

const ReadOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/** For each answer held: lets it go while its request waits, and takes it back (`waitingAside`). */
const heldAnswers = new WeakMap<ServerResponse, () => () => void>()

/**
 * Runs `wait` (an SQS long poll waiting for a message) with the request set aside: while it waits it holds no group
 * commit open and does not count as an answer in flight, so background work runs at its full pace; it is held again
 * before it answers.
 */
export const waitingAside = async <T>(res: ServerResponse, wait: () => Promise<T>): Promise<T> => {
  const resume = heldAnswers.get(res)?.()
  try {
    return await wait()
  } finally {
    resume?.()
  }
}

/**
 * Lets a request's writes join the group commit and take precedence over background work (`fair-share.ts`), and holds its answer until everything written before the answer
 * is committed: a 202 still means "durable", whichever transaction carried the write. A commit that fails ends the
 * connection instead of answering, so no client is told that something stands when it does not.
 */
export const answerWhenDurable = (db: DatabaseSync, req: IncomingMessage, res: ServerResponse): void => {
  // Reads (a console's event stream among them, open for as long as the page is) neither hold a commit nor slow the backlog.
  const writes = !ReadOnlyMethods.has(req.method ?? 'GET')
  let releaseGroup = writes ? holdGroup(db) : () => undefined
  let endAnswer = writes ? beginAnswer() : () => undefined
  const release = () => {
    releaseGroup()
    endAnswer()
  }
  res.once('close', release)
  if (writes)
    heldAnswers.set(res, () => {
      release()
      return () => {
        if (res.writableEnded || res.destroyed) return
        releaseGroup = holdGroup(db)
        endAnswer = beginAnswer()
      }
    })
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
