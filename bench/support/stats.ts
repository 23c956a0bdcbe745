/** The value at quantile `q` (0..1) of `sorted` (ascending), nearest rank. */
export const quantile = (sorted: ArrayLike<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export const median = (values: ReadonlyArray<number>): number => quantile(Float64Array.from(values).sort(), 0.5)

export interface Percentiles {
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

export const percentiles = (values: ArrayLike<number>): Percentiles => {
  const sorted = Float64Array.from(values).sort()
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  }
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits))

/** Bytes as mebibytes for a report, `digits` after the point. */
export const mb = (bytes: number, digits = 0): string => `${(bytes / 1048576).toFixed(digits)} MB`
