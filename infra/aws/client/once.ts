/**
 * Reads something once and keeps it, but only once it was read: a failed read is forgotten, so a long-running
 * console recovers from one network blip on the next request instead of failing until it restarts.
 */
export const onceRead = <T>(read: () => Promise<T>): (() => Promise<T>) => {
  let kept: Promise<T> | undefined
  return () => {
    if (kept) return kept
    const reading = read()
    kept = reading
    reading.catch(() => {
      if (kept === reading) kept = undefined
    })
    return reading
  }
}
