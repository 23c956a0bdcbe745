import { parseCsv } from '../../../../steps/import/csv'

describe('parseCsv', () => {
  it.each([
    [
      'LF line ends',
      'a,b\n1,2\n',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      'lone CR line ends',
      'a,b\r1,2',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      'no line break after the last record',
      'a,b\n1,2',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    ['empty fields, a trailing comma included', ',x,\n', [{ line: 1, fields: ['', 'x', ''] }]],
    ['a quoted comma', '"Smith, Ada",2\n', [{ line: 1, fields: ['Smith, Ada', '2'] }]],
    ['doubled quotes inside quotes', '"say ""hi""",""\n', [{ line: 1, fields: ['say "hi"', ''] }]],
    [
      'a quoted CRLF, counting the lines it spans',
      '"one\r\ntwo",x\r\nnext,y\r\n',
      [
        { line: 1, fields: ['one\r\ntwo', 'x'] },
        { line: 3, fields: ['next', 'y'] },
      ],
    ],
    ['a quoted LF at the end of the file', 'a,"b\n"', [{ line: 1, fields: ['a', 'b\n'] }]],
    ['a quote inside an unquoted field, kept as a character', 'a"b,c\n', [{ line: 1, fields: ['a"b', 'c'] }]],
    [
      'spaces around fields, kept as written (a quote after a space is a character, as RFC 4180 has it)',
      ' a , "b" \n',
      [{ line: 1, fields: [' a ', ' "b" '] }],
    ],
    [
      'blank lines, as records of one empty field',
      'a\n\nb\n',
      [
        { line: 1, fields: ['a'] },
        { line: 2, fields: [''] },
        { line: 3, fields: ['b'] },
      ],
    ],
    ['an empty file', '', []],
  ])('reads %s', (_name, text, records) => {
    expect(parseCsv(text)).toEqual({ records })
  })

  it('marks a record with text after a closing quote, and reads on', () => {
    expect(parseCsv('"a"b,c\nd,e\n')).toEqual({
      records: [
        { line: 1, fields: ['ab', 'c'], problem: 'text after the closing quote of field 1' },
        { line: 2, fields: ['d', 'e'] },
      ],
    })
  })

  it.each([
    ['at the start', '"abc,d\ne,f\n', 1],
    ['after some records', 'a,b\r\nc,d\r\ne,"f\r\ng,h\r\n', 3],
    ['right after an escaped quote', 'a,"b""', 1],
  ])('fails the whole file on an unterminated quote %s, naming the line it starts on', (_name, text, line) => {
    expect(parseCsv(text)).toEqual({ error: `unterminated quoted field starting on line ${line}` })
  })

  it('reads 10,000 records with quoted fields', () => {
    // Prepare
    const text = Array.from({ length: 10_000 }, (_, index) => `${index},"sku, ""${index}""",x`).join('\r\n')

    // Act
    const parsed = parseCsv(text)

    // Assess
    if ('error' in parsed) throw new Error(parsed.error)
    expect(parsed.records).toHaveLength(10_000)
    expect(parsed.records[9_999]).toEqual({ line: 10_000, fields: ['9999', 'sku, "9999"', 'x'] })
  })
})
