import type { DatabaseSync } from 'node:sqlite'

/** A dead letter as it stands in the durable state: its queue, its body, and the reason it is there. */
export interface DeadLetter {
  readonly queue: string
  readonly body: Record<string, unknown>
  readonly reason: string
}

const parse = (text: string | null): Record<string, unknown> => {
  if (text === null) return {}
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : { text }
  } catch {
    return { text }
  }
}

/** The reason a dead letter gives: a workflow's error and cause, a rule target's last error, or the redrive's reason. */
const reasonOf = (body: Record<string, unknown>, deadLetter: Record<string, unknown>): string =>
  [body.error, body.cause, deadLetter.reason].filter((part) => typeof part === 'string' && part !== '').join(': ')

/** Every dead letter in every DLQ (the queues the runtime marks as dead-letter queues end in `DeadLetters`). */
export const deadLetters = (db: DatabaseSync): DeadLetter[] =>
  (
    db
      .prepare("SELECT queue, body, dead_letter FROM queue_messages WHERE queue LIKE '%DeadLetters' ORDER BY seq")
      .all() as Array<{ queue: string; body: string; dead_letter: string | null }>
  ).map((row) => {
    const body = parse(row.body)
    return { queue: row.queue, body, reason: reasonOf(body, parse(row.dead_letter)) }
  })

/** The event a dead letter carries (workflow and rule-target DLQs wrap it), or the message itself. */
export const deadLetterEvent = (letter: DeadLetter): Record<string, unknown> =>
  (typeof letter.body.event === 'object' && letter.body.event !== null ? letter.body.event : letter.body) as Record<
    string,
    unknown
  >

/** How many times each business key appears in events of a detail-type on the pipeline bus. */
export const eventCounts = (db: DatabaseSync, detailType: string, keyPath: string): Map<string, number> =>
  new Map(
    (
      db
        .prepare(
          `SELECT json_extract(event, ?) AS k, COUNT(*) AS n FROM events WHERE bus = 'Pipeline' AND detail_type = ? GROUP BY k`,
        )
        .all(keyPath, detailType) as Array<{ k: string; n: number }>
    ).map((row) => [row.k, row.n]),
  )

export interface ExecutionSummary {
  readonly arn: string
  readonly workflow: string
  readonly status: string
  readonly subject: string | null
}

export const executions = (db: DatabaseSync): ExecutionSummary[] =>
  db.prepare('SELECT arn, workflow, status, subject FROM executions').all() as unknown as ExecutionSummary[]

export interface FlowOutcome {
  readonly succeeded: string[]
  readonly deadLettered: string[]
  /** Accepted keys with neither outcome: lost. */
  readonly lost: string[]
  /** Keys with both outcomes, or dead-lettered twice. */
  readonly doubled: string[]
  /** Dead letters that give no reason. */
  readonly withoutReason: DeadLetter[]
}

/**
 * Sorts the accepted keys of one flow into succeeded (an execution of the workflow about it SUCCEEDED) and
 * dead-lettered (a DLQ holds its event), and finds what is in neither or in both.
 */
export const reconcileFlow = (
  db: DatabaseSync,
  workflow: string,
  accepted: ReadonlyArray<string>,
  keyOfEvent: (event: Record<string, unknown>) => unknown,
): FlowOutcome => {
  const succeededKeys = new Set(
    executions(db)
      .filter((row) => row.workflow === workflow && row.status === 'SUCCEEDED')
      .map((row) => row.subject),
  )
  const letters = deadLetters(db).map((letter) => ({ letter, key: keyOfEvent(deadLetterEvent(letter)) }))
  const outcome: FlowOutcome = { succeeded: [], deadLettered: [], lost: [], doubled: [], withoutReason: [] }
  for (const key of accepted) {
    const mine = letters.filter((entry) => entry.key === key)
    const succeeded = succeededKeys.has(key)
    if (succeeded && mine.length === 0) outcome.succeeded.push(key)
    else if (!succeeded && mine.length === 1) outcome.deadLettered.push(key)
    else if (!succeeded && mine.length === 0) outcome.lost.push(key)
    else outcome.doubled.push(key)
    outcome.withoutReason.push(...mine.filter((entry) => entry.letter.reason === '').map((entry) => entry.letter))
  }
  return outcome
}

/** Keys whose count is over one. */
export const duplicated = (counts: ReadonlyMap<string, number>): string[] =>
  [...counts].filter(([, n]) => n > 1).map(([key]) => key)

/** FAILED executions of a workflow that left no dead letter naming them (the DLQ message carries the execution ARN). */
export const failedWithoutDeadLetter = (db: DatabaseSync, workflow: string): string[] => {
  const named = new Set(deadLetters(db).map((letter) => letter.body.execution))
  return executions(db)
    .filter((row) => row.workflow === workflow && row.status === 'FAILED' && !named.has(row.arn))
    .map((row) => row.arn)
}
