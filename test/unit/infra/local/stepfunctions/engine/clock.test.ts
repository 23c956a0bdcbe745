import { virtualClock } from '../../../../../../infra/local/stepfunctions/engine/clock'

describe('virtualClock', () => {
  it('moves time to the end of each wait, in the order the waits end', async () => {
    const clock = virtualClock(1_000)
    const ended: Array<[string, number]> = []

    await Promise.all([
      clock.sleep(5_000).then(() => ended.push(['long', clock.now()])),
      clock.sleep(1_000).then(() => ended.push(['short', clock.now()])),
    ])

    expect(ended).toEqual([
      ['short', 2_000],
      ['long', 6_000],
    ])
  })

  it('rejects a wait when its signal aborts, and forgets it', async () => {
    const clock = virtualClock(0)
    const stop = new AbortController()
    const waited = clock.sleep(10_000, stop.signal)

    stop.abort(new Error('stopped'))

    await expect(waited).rejects.toThrow('stopped')
    await clock.sleep(1)
    expect(clock.now()).toBe(1)
  })
})
