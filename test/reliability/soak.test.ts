import { runSoak, soakTable } from '../../bench/soak'

/**
 * A short soak: half a minute of mixed load on the runtime in its own process. Throughput is reported, not asserted
 * (timing belongs to benchmarks); what must hold is that nothing goes wrong and memory levels off after warm-up.
 */
/**
 * The most memory may grow from after warm-up to the end. V8 collects its old space rarely (under this load the heap
 * rises by up to 150 MB before a major GC brings it back down), so in half a minute these bounds catch runaway growth
 * (a retained body per request, an unbounded cache), not a slow leak: `npm run soak -- --minutes 10` looks for that.
 */
const MaxRssGrowthBytes = 150 * 1024 * 1024
const MaxHeapGrowthBytes = 200 * 1024 * 1024

describe('a short soak', () => {
  it('serves orders, uploads, queue messages and events with no unexpected error and bounded memory', async () => {
    const result = await runSoak({ seconds: 30, warmUpSeconds: 10, sampleEveryMs: 500 })
    const report = soakTable(result)

    expect({
      errors: result.errors,
      failedExecutions: result.failedExecutions,
      deadLetters: result.deadLetters,
    }).toEqual({ errors: {}, failedExecutions: 0, deadLetters: 0 })
    for (const kind of ['orders', 'uploads', 'queue', 'events'])
      expect(result.kinds.find((candidate) => candidate.kind === kind)?.accepted ?? 0).toBeGreaterThan(0)
    // Memory after warm-up against memory at the end (medians of the first and last fifth of the samples).
    const growth = {
      rss: result.memory.end.rss - result.memory.start.rss,
      heapUsed: result.memory.end.heapUsed - result.memory.start.heapUsed,
    }
    expect({ growth, report }).toEqual({ growth: { rss: expect.any(Number), heapUsed: expect.any(Number) }, report })
    expect(growth.rss).toBeLessThan(MaxRssGrowthBytes)
    expect(growth.heapUsed).toBeLessThan(MaxHeapGrowthBytes)
  }, 180_000)
})
