import { Guide, execute, runCase, single, type Case } from './support'

const paths = `${Guide}/amazon-states-language-paths.html`
const params = `${Guide}/input-output-inputpath-params.html`

const catalog = {
  store: {
    book: [
      { title: 'Sayings', price: 8.95, tags: ['a'] },
      { title: 'Sword', price: 12.99 },
      { title: 'Moby', price: 8.99, isbn: '0-553-21311-3' },
    ],
    'open hours': '9-5',
  },
}

describe('JSONPath', () => {
  it.each([
    { name: 'a property chain', path: '$.store.book[0].title', result: 'Sayings', doc: paths },
    {
      name: 'a negative index counts from the end (Jayway, which AWS uses)',
      path: '$.store.book[-1].title',
      result: 'Moby',
      doc: paths,
    },
    { name: 'a bracketed name with a space', path: "$.store['open hours']", result: '9-5', doc: paths },
    { name: 'a wildcard over an array', path: '$.store.book[*].price', result: [8.95, 12.99, 8.99], doc: paths },
    {
      name: 'a wildcard skips items without the property',
      path: '$.store.book[*].isbn',
      result: ['0-553-21311-3'],
      doc: paths,
    },
    { name: 'a slice', path: '$.store.book[0:2].title', result: ['Sayings', 'Sword'], doc: paths },
    { name: 'an open-ended slice', path: '$.store.book[1:].title', result: ['Sword', 'Moby'], doc: paths },
    { name: 'a union of indexes', path: '$.store.book[0,2].title', result: ['Sayings', 'Moby'], doc: paths },
    { name: 'a deep scan', path: '$..title', result: ['Sayings', 'Sword', 'Moby'], doc: paths },
    {
      name: 'a filter on a number',
      path: '$.store.book[?(@.price < 9)].title',
      result: ['Sayings', 'Moby'],
      doc: paths,
    },
    { name: 'a filter on presence', path: '$.store.book[?(@.isbn)].title', result: ['Moby'], doc: paths },
    {
      name: 'a filter with && and ==',
      path: "$.store.book[?(@.price > 8 && @.title == 'Sword')].price",
      result: [12.99],
      doc: paths,
    },
    {
      name: 'a wildcard on a missing array gives [] (observed on AWS)',
      path: '$.missing[*].id',
      result: [],
      doc: paths,
    },
    { name: 'a slice on a missing array gives [] (observed on AWS)', path: '$.missing[0:2]', result: [], doc: paths },
    { name: 'the whole input', path: '$', result: catalog, doc: paths },
  ])('selects $name', async ({ path, result }) => {
    const executed = await execute(single({ Type: 'Pass', Parameters: { 'result.$': path } }), catalog)

    expect(executed.value).toEqual({ result })
  })

  it.each([
    {
      name: 'InputPath naming a missing field',
      state: { Type: 'Pass', InputPath: '$.nope' },
      cause: "Invalid path '$.nope' : No results for path: $['nope']",
      doc: params,
    },
    {
      name: 'OutputPath through a missing field (observed on AWS: Missing property)',
      state: { Type: 'Pass', OutputPath: '$.no.such.path' },
      cause: "Invalid path '$.no.such.path' : Missing property in path $['no']",
      doc: `${Guide}/input-output-example.html`,
    },
    {
      name: 'OutputPath naming a missing leaf under an object',
      state: { Type: 'Pass', OutputPath: '$.store.nope' },
      cause: "Invalid path '$.store.nope' : No results for path: $['store']['nope']",
      doc: `${Guide}/input-output-example.html`,
    },
    {
      name: 'Parameters naming a missing field',
      state: { Type: 'Pass', Parameters: { 'value.$': '$.nope' } },
      cause: `The JSONPath '$.nope' specified for the field 'value.$' could not be found in the input '${JSON.stringify(catalog)}'`,
      doc: params,
    },
  ])('fails with States.Runtime for $name', async ({ state, cause }) => {
    const executed = await execute(single(state), catalog)

    expect(executed.outcome).toEqual({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: `An error occurred while executing the state 'S' (entered at the event id #2). ${cause}`,
    })
  })

  it.each<Case>([
    {
      name: 'keeps a backslash that is not escaping the quote in a bracketed name',
      doc: `${paths}`,
      note: 'observed on AWS',
      act: () => {
        const key = 'Test\\""Name"'
        const definition = single({ Type: 'Pass', Parameters: { 'value.$': `$['Test\\""Name"']` } })
        return execute(definition, { [key]: 'Value' })
      },
      assess: (executed) => {
        expect(executed.value).toEqual({ value: 'Value' })
      },
    },
  ])('$name', runCase)
})
