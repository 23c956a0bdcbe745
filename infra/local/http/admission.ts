import type { IncomingMessage } from 'node:http'
import type { AwsRequest } from '../api/identify'
import { answersInFlight } from '../kernel/fair-share'

const ReadOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS'])
/** An AWS JSON-protocol operation that starts no work: posted, but a read (ReceiveMessage hides, it writes nothing). */
const ReadOnlyOperation = /^(Describe|List|Get|Receive|TestEventPattern$)/

/**
 * A request that reads: a GET, HEAD or OPTIONS; an AWS API read, which the SDKs POST (DescribeExecution,
 * ListExecutions, ReceiveMessage, ...); any CloudFormation call, which this endpoint answers only for its reads.
 * The console and the CLI read the runtime through these, so they keep answering at capacity.
 */
const isRead = (req: IncomingMessage, aws: AwsRequest | undefined): boolean =>
  ReadOnlyMethods.has(req.method ?? 'GET') ||
  aws?.service === 'cloudformation' ||
  (aws?.operation !== undefined && ReadOnlyOperation.test(aws.operation))

export interface AdmissionLimits {
  /** Writes being answered at once past which a new one is refused: each costs CPU the others wait for. */
  readonly maxInFlight: number
  /** Accepted executions not yet finished past which new work is refused: what is accepted must still be done. */
  readonly maxBacklog: number
}

export const DefaultAdmissionLimits: AdmissionLimits = { maxInFlight: 256, maxBacklog: 5000 }

/**
 * Load shedding for requests that start work. Offered more than it can take, the runtime refuses at once (a 503 with
 * Retry-After costs a fraction of what an accepted order does) rather than queueing requests it would answer minutes
 * later; reads always pass, so health and the console keep answering. A refused request has written nothing.
 */
export const admissionGate = (limits: AdmissionLimits, backlog: () => number) => {
  let cached = { at: 0, value: 0 }
  // The backlog is a query: read it at most every 100 ms, which is finer than it moves.
  const currentBacklog = () => {
    const now = Date.now()
    if (now - cached.at > 100) cached = { at: now, value: backlog() }
    return cached.value
  }
  return {
    /** Seconds to come back after, when the request must be refused now; undefined admits it. */
    refuse(req: IncomingMessage, aws?: AwsRequest): number | undefined {
      if (isRead(req, aws)) return undefined
      const inFlight = answersInFlight()
      if (inFlight >= limits.maxInFlight) return 1
      const waiting = currentBacklog()
      if (waiting >= limits.maxBacklog)
        return Math.min(30, Math.max(1, Math.ceil(waiting / Math.max(1, limits.maxBacklog))))
      return undefined
    },
  }
}
