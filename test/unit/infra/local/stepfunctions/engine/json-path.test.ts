import {
  InvalidJsonPath,
  compilePath,
  evaluatePath,
  writeAtPath,
} from '../../../../../../infra/local/stepfunctions/engine/json-path'

describe('JSONPath', () => {
  it.each([
    { path: '$.a.b', definite: true, names: ['a', 'b'] },
    { path: "$['a']['b'][0]", definite: true, names: ['a', 'b', 0] },
    { path: '$.a[*]', definite: false, names: undefined },
    { path: '$..a', definite: false, names: undefined },
    { path: '$.a[0:2]', definite: false, names: undefined },
    { path: '$', definite: true, names: [] },
  ])('compiles $path (definite: $definite)', ({ path, definite, names }) => {
    const compiled = compilePath(path)

    expect({ definite: compiled.definite, names: compiled.names }).toEqual({ definite, names })
  })

  it.each(['a.b', '$.', '$[', '$.a[?(@.b ==)]', '$..'])('refuses %s', (path) => {
    expect(() => compilePath(path)).toThrow(InvalidJsonPath)
  })

  it.each([
    { name: 'a leaf that is missing', path: '$.a.x', data: { a: {} }, missing: "$['a']['x']", leaf: true },
    { name: 'a parent that is missing', path: '$.x.y', data: {}, missing: "$['x']", leaf: false },
    { name: 'an index past the end', path: '$.a[3]', data: { a: [1] }, missing: "$['a'][3]", leaf: true },
  ])('reports where a definite path stops: $name', ({ path, data, missing, leaf }) => {
    expect(evaluatePath(compilePath(path), data)).toEqual({ found: false, missing, leaf })
  })

  it('slices backwards with a negative step', () => {
    expect(evaluatePath(compilePath('$[::-1]'), [1, 2, 3])).toEqual({ found: true, value: [3, 2, 1] })
  })

  it('filters with || and parentheses', () => {
    const data = [{ a: 1 }, { a: 2 }, { a: 3 }]

    expect(evaluatePath(compilePath('$[?((@.a == 1) || @.a > 2)].a'), data)).toEqual({ found: true, value: [1, 3] })
  })

  it('writes a ResultPath by copying only the objects on the way', () => {
    const input = { keep: { deep: 1 }, into: { x: 1 } }

    const written = writeAtPath(input, ['into', 'y'], 2)

    expect(written).toEqual({ ok: true, value: { keep: { deep: 1 }, into: { x: 1, y: 2 } } })
    expect((written as { value: { keep: unknown } }).value.keep).toBe(input.keep)
    expect(input.into).toEqual({ x: 1 })
  })

  it('refuses to write through a value that is not an object', () => {
    expect(writeAtPath({ a: 'text' }, ['a', 'b'], 1)).toEqual({ ok: false, at: "$['a']['b']" })
  })
})
