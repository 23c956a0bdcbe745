import { formatBytes, formatDuration, table } from '../../../cli/format'
import { describeFailure, readableCause } from '../../../contracts/executions'

describe('formatDuration', () => {
  it.each([
    { ms: 0, text: '0ms' },
    { ms: 999, text: '999ms' },
    { ms: 1000, text: '1.0s' },
    { ms: 3250, text: '3.2s' },
    { ms: 59_999, text: '59.9s' },
    { ms: 125_000, text: '2m 05s' },
    { ms: 3_720_000, text: '1h 02m' },
    { ms: Number.NaN, text: '-' },
    { ms: -5, text: '-' },
  ])('shows $ms ms as $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('formatBytes', () => {
  it.each([
    { bytes: 34, text: '34 B' },
    { bytes: 2052, text: '2.0 KiB' },
    { bytes: 5 * 1024 * 1024, text: '5.0 MiB' },
  ])('shows $bytes bytes as $text', ({ bytes, text }) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

describe('readableCause', () => {
  it.each([
    {
      name: "Lambda's error JSON",
      cause: '{"errorType":"CorruptImage","errorMessage":"truncated jpeg","trace":[]}',
      text: 'truncated jpeg',
    },
    { name: 'a States.* sentence', cause: 'The cause\n  spans lines', text: 'The cause spans lines' },
    { name: 'nothing', cause: undefined, text: undefined },
  ])('reads $name', ({ cause, text }) => {
    expect(readableCause(cause)).toBe(text)
  })

  it('does not repeat an error that is its own cause', () => {
    expect(describeFailure('Oops', 'Oops')).toBe('Oops')
  })
})

describe('table', () => {
  it('aligns columns and cuts only the last one to the width', () => {
    const text = table([{ header: 'A' }, { header: 'LONGER' }, { header: 'LAST' }], [['x', 'y', 'a'.repeat(50)]], {
      maxWidth: 40,
    })

    expect(text).toBe(`A  LONGER  LAST\nx  y       ${'a'.repeat(27)}…\n`)
    expect(text.split('\n')[1]).toHaveLength(39)
  })
})
