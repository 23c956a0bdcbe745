import type { HistoryEvent } from './types'

/**
 * Numbers and stamps history events as GetExecutionHistory shows them
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html): ids count up from
 * 1 across the whole execution; each event's previousEventId is the last event of the thread (the execution, a
 * Parallel branch or a Map iteration) it happened in.
 */
export class HistoryRecorder {
  private nextId: number
  constructor(
    private readonly onEvent: ((event: HistoryEvent) => void) | undefined,
    private readonly now: () => number,
    /** A redriven execution's history continues after the events it already has. */
    firstId = 1,
  ) {
    this.nextId = firstId
  }

  /** The id the next event will get. */
  get upcoming(): number {
    return this.nextId
  }

  /** Whether events go anywhere: callers skip building details nobody reads. */
  get recording(): boolean {
    return this.onEvent !== undefined
  }

  add(previousEventId: number, type: string, details?: Record<string, unknown>): number {
    const id = this.nextId++
    if (this.onEvent) {
      this.onEvent({ id, previousEventId, timestamp: isoTime(this.now()), type, ...details })
    }
    return id
  }
}

let lastMs = Number.NaN
let lastIso = ''

/** `new Date(ms).toISOString()`, remembered for the last millisecond: most events of a run share one. */
export const isoTime = (ms: number): string => {
  if (ms !== lastMs) {
    lastMs = ms
    lastIso = new Date(ms).toISOString()
  }
  return lastIso
}

/** `PassStateEntered` → `stateEnteredEventDetails`; `MapIterationStarted` → `mapIterationStartedEventDetails`. */
export const detailsKey = (type: string): string => `${type[0]?.toLowerCase() ?? ''}${type.slice(1)}EventDetails`
