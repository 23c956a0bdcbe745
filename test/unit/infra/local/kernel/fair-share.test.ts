import { beginAnswer, nextSlice } from '../../../../../infra/local/kernel/fair-share'

/** One turn of the event loop: what setImmediate callbacks queued before it ran, and their promise continuations. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('fair slices of background work', () => {
  it('runs one waiting slice per turn while a request is being answered', async () => {
    // Prepare
    const end = beginAnswer()
    let ran = 0
    const slices = Array.from({ length: 5 }, () => nextSlice().then(() => (ran += 1)))

    // Act
    await turn()
    const afterOneTurn = ran
    end()
    await Promise.all(slices)

    // Assess
    expect(afterOneTurn).toBe(1)
    expect(ran).toBe(5)
  })

  it('runs a bounded number of slices per turn with no request in flight, so sockets are read between them', async () => {
    // Prepare
    let ran = 0
    const slices = Array.from({ length: 100 }, () => nextSlice().then(() => (ran += 1)))

    // Act
    await turn()
    const afterOneTurn = ran
    await Promise.all(slices)

    // Assess
    expect(afterOneTurn).toBeGreaterThan(1)
    expect(afterOneTurn).toBeLessThan(100)
    expect(ran).toBe(100)
  })
})
