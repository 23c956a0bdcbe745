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

  add(previousEventId: number, type: string, details?: Record<string, unknown>): number {
    const id = this.nextId++
    if (this.onEvent) {
      this.onEvent({ id, previousEventId, timestamp: new Date(this.now()).toISOString(), type, ...details })
    }
    return id
  }
}

/** `PassStateEntered` → `stateEnteredEventDetails`; `MapIterationStarted` → `mapIterationStartedEventDetails`. */
export const detailsKey = (type: string): string => `${type[0]?.toLowerCase() ?? ''}${type.slice(1)}EventDetails`
