import { Exit } from 'effect'
import { expireIdempotency } from '../../../../steps/maintenance/expire-idempotency/program'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { minutesBefore, Now, scheduled } from './fixtures'

const run = (services: ReturnType<typeof memoryServices>) => runWith(services.layer)(expireIdempotency.run(scheduled))

describe('expireIdempotency', () => {
  it('deletes the records that expired before now and answers how many', async () => {
    // Prepare
    const services = memoryServices({ now: Now })
    services.idempotency.set('expired-a', { fingerprint: 'f', expiresAt: minutesBefore(1) })
    services.idempotency.set('expired-b', {
      fingerprint: 'f',
      expiresAt: minutesBefore(600),
      response: { statusCode: 202, headers: {}, body: '{}' },
    })
    services.idempotency.set('live', { fingerprint: 'f', expiresAt: '2026-06-02T12:00:00.000Z' })

    // Act
    const exit = await run(services)

    // Assess
    expect(exit).toEqual(Exit.succeed({ expired: 2 }))
    expect([...services.idempotency.keys()]).toEqual(['live'])
  })
})
