/** Placeholder replaced below. */
export interface ResumePlan {
  readonly state: string
  readonly input: unknown
  readonly mapIterations: ReadonlyMap<number, unknown> | undefined
  readonly variables: Readonly<Record<string, unknown>>
  readonly redriveCount: number
  readonly lastEventId: number
  readonly nextEventId: number
}
