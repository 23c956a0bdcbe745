import type { LocalSchedule } from '../model/template'

const units: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
}

/** The period of a `rate(...)` expression in ms (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based). */
export const ratePeriodMs = (expression: string): number | undefined => {
  const match = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim())
  if (!match) return undefined
  const value = Number(match[1])
  if (value < 1 || (value === 1) !== !match[2]!.endsWith('s')) return undefined
  return value * units[match[2]!]!
}

/**
 * The local EventBridge Scheduler: each rate schedule of the template starts its target on the same period.
 * `runNow` fires a schedule at once (the CLI and the tests use it rather than wait five minutes).
 */
export class LocalScheduler {
  private readonly timers: NodeJS.Timeout[] = []

  constructor(
    private readonly schedules: ReadonlyArray<LocalSchedule>,
    private readonly start: (targetArn: string, input: unknown, scheduleName: string) => string,
  ) {}

  get list() {
    return this.schedules.map(({ name, expression, targetArn, enabled }) => ({
      name,
      expression,
      targetArn,
      enabled,
      periodMs: ratePeriodMs(expression),
    }))
  }

  begin(): void {
    for (const schedule of this.schedules) {
      const period = ratePeriodMs(schedule.expression)
      if (!schedule.enabled) continue
      if (period === undefined) {
        console.error(
          `Schedule ${schedule.name}: "${schedule.expression}" is not a rate() expression; the local scheduler runs rate schedules only`,
        )
        continue
      }
      const timer = setInterval(() => this.fire(schedule), period)
      timer.unref()
      this.timers.push(timer)
    }
  }

  runNow(name: string): string | undefined {
    const schedule = this.schedules.find((candidate) => candidate.name === name)
    return schedule && this.fire(schedule)
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer)
  }

  private fire(schedule: LocalSchedule): string {
    return this.start(schedule.targetArn, JSON.parse(schedule.input) as unknown, schedule.name)
  }
}
