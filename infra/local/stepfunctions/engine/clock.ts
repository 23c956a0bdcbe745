/** Where an execution reads the time and waits: Wait states, Retry intervals, timeouts. */
export interface Clock {
  now(): number
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new Error('aborted')

/** The process's clock: real waits. */
export const realClock = (): Clock => ({
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal))
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(abortReason(signal as AbortSignal))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
})

/**
 * A simulated clock: a wait returns as soon as nothing else can run, with the clock moved to its end, so waits and
 * timeouts keep their order and effect without taking real time (the CLI and tests run a day-long Wait at once).
 * Work that waits on real I/O keeps the clock still until it settles only if it is promise-driven within a tick.
 */
export const virtualClock = (start = Date.now()): Clock => {
  let now = start
  let sequence = 0
  const timers: Array<{ at: number; order: number; fire: () => void }> = []
  let scheduled = false
  const tick = () => {
    scheduled = false
    timers.sort((a, b) => a.at - b.at || a.order - b.order)
    const next = timers.shift()
    if (!next) return
    now = Math.max(now, next.at)
    next.fire()
    schedule()
  }
  const schedule = () => {
    if (scheduled || timers.length === 0) return
    scheduled = true
    // setImmediate runs after every pending promise continuation: the execution has done all it can until a timer fires.
    setImmediate(tick)
  }
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(abortReason(signal))
        const timer = {
          at: now + Math.max(0, ms),
          order: sequence++,
          fire: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        const onAbort = () => {
          const index = timers.indexOf(timer)
          if (index >= 0) timers.splice(index, 1)
          reject(abortReason(signal as AbortSignal))
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        timers.push(timer)
        schedule()
      }),
  }
}
