import { csvRows, formatOfKey, jsonRows, readRows } from '../../../../steps/import/rows'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('formatOfKey', () => {
  it.each([
    ['imports/june.csv', 'csv'],
    ['imports/JUNE.CSV', 'csv'],
    ['imports/2026/june.json', 'json'],
    ['imports/june.csv.txt', 'unknown'],
    ['imports/june', 'unknown'],
    ['imports/archive.v2/june', 'unknown'],
  ])('names %s as %s', (key, format) => {
    expect(formatOfKey(key)).toBe(format)
  })
})

describe('csvRows', () => {
  it('reads header names in any letter case and order, ignores unknown columns, and trims cells', () => {
    expect(csvRows('Currency, CUSTOMERID ,note,TotalAmount\nEUR, cust-1 ,"hello, world",12.50\n')).toEqual({
      format: 'csv',
      rows: [{ line: 2, value: { customerId: 'cust-1', currency: 'EUR', totalAmount: 12.5 } }],
    })
  })

  it('reads a one-item order from sku, quantity and unitPrice, leaving out empty cells so the contract names them', () => {
    expect(csvRows('customerId,currency,sku,quantity,unitPrice\ncust-1,EUR,A,2,\n')).toEqual({
      format: 'csv',
      rows: [{ line: 2, value: { customerId: 'cust-1', currency: 'EUR', items: [{ sku: 'A', quantity: 2 }] } }],
    })
  })

  it('keeps a cell that is not a number as text, so the contract says what it expected', () => {
    expect(csvRows('customerId,currency,totalAmount\ncust-1,EUR,0x10\n')).toEqual({
      format: 'csv',
      rows: [{ line: 2, value: { customerId: 'cust-1', currency: 'EUR', totalAmount: '0x10' } }],
    })
  })

  it('skips blank lines, keeping the line numbers of the file', () => {
    expect(csvRows('\r\ncustomerId,currency,totalAmount\r\n\r\ncust-1,EUR,5\r\n   \r\n')).toEqual({
      format: 'csv',
      rows: [{ line: 4, value: { customerId: 'cust-1', currency: 'EUR', totalAmount: 5 } }],
    })
  })

  it.each([
    [
      'no customerId and currency',
      'orderId,totalAmount\n',
      'not an orders CSV: the header row must name customerId and currency (found: orderId, totalAmount)',
    ],
    [
      'no way to give the order lines',
      'customerId,currency\n',
      'not an orders CSV: the header row must name totalAmount, items, or sku, quantity and unitPrice',
    ],
    [
      'sku without quantity and unitPrice',
      'customerId,currency,sku\n',
      'a one-item order needs all three columns sku, quantity and unitPrice',
    ],
    [
      'a column named twice',
      'customerId,currency,totalAmount,CustomerId\n',
      'the header names the column customerId twice',
    ],
  ])('refuses a header with %s', (_name, text, error) => {
    expect(csvRows(text)).toEqual({ format: 'csv', error })
  })
})

describe('jsonRows', () => {
  it.each([
    ['an array', '[{"customerId":"c"},{"customerId":"d"}]'],
    ['an object with orders', '{"orders":[{"customerId":"c"},{"customerId":"d"}],"source":"erp"}'],
  ])('reads %s, numbering the orders from 1', (_name, text) => {
    expect(jsonRows(text)).toEqual({
      format: 'json',
      rows: [
        { line: 1, value: { customerId: 'c' } },
        { line: 2, value: { customerId: 'd' } },
      ],
    })
  })
})

describe('readRows', () => {
  it('reads past a UTF-8 byte order mark', () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('customerId,currency,totalAmount\ncust-1,EUR,5\n')])

    expect(readRows('imports/excel.csv', body)).toEqual({
      format: 'csv',
      rows: [{ line: 2, value: { customerId: 'cust-1', currency: 'EUR', totalAmount: 5 } }],
    })
  })
})
