import { normalizeEtag } from '../../../contracts/uploads'

describe('normalizeEtag', () => {
  it.each([
    { name: 'a quoted S3 etag', etag: '"9B2CF535F27731C974343645A3985328"' },
    { name: 'a weak etag', etag: 'W/"9b2cf535f27731c974343645a3985328"' },
    { name: "an event's bare etag", etag: '9b2cf535f27731c974343645a3985328' },
  ])('reads $name as the bare lower-case hash', ({ etag }) => {
    expect(normalizeEtag(etag)).toBe('9b2cf535f27731c974343645a3985328')
  })
})
