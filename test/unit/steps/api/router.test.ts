import { makeRouter } from '../../../../steps/api/router'

const route = makeRouter([
  { method: 'GET', path: '/orders', handler: 'list-orders' },
  { method: 'POST', path: '/orders', handler: 'place-order' },
  { method: 'GET', path: '/orders/{orderId}', handler: 'get-order' },
  { method: 'DELETE', path: '/users/{userId}', handler: 'delete-user' },
  { method: 'GET', path: '/images/{key+}', handler: 'get-image' },
])

describe('makeRouter', () => {
  it.each([
    ['a literal path', 'GET', '/orders', { kind: 'route', handler: 'list-orders', params: {}, head: false }],
    [
      'the same path with another method',
      'POST',
      '/orders',
      { kind: 'route', handler: 'place-order', params: {}, head: false },
    ],
    [
      'a parameter',
      'GET',
      '/orders/ord_1',
      { kind: 'route', handler: 'get-order', params: { orderId: 'ord_1' }, head: false },
    ],
    [
      'a percent-encoded parameter',
      'GET',
      '/orders/a%2Fb%20c',
      { kind: 'route', handler: 'get-order', params: { orderId: 'a/b c' }, head: false },
    ],
    [
      "a greedy parameter over several segments, as API Gateway's {proxy+}",
      'GET',
      '/images/pets/cat%20one.jpg',
      { kind: 'route', handler: 'get-image', params: { key: 'pets/cat one.jpg' }, head: false },
    ],
    ['a greedy parameter with no segment', 'GET', '/images', { kind: 'not-found' }],
    ['one trailing slash', 'GET', '/orders/', { kind: 'route', handler: 'list-orders', params: {}, head: false }],
    [
      'HEAD where GET is',
      'HEAD',
      '/orders/ord_1',
      { kind: 'route', handler: 'get-order', params: { orderId: 'ord_1' }, head: true },
    ],
    ['OPTIONS on a known path', 'OPTIONS', '/orders', { kind: 'preflight', allow: 'GET, HEAD, POST, OPTIONS' }],
    [
      'another method on a known path',
      'PUT',
      '/orders/ord_1',
      { kind: 'method-not-allowed', allow: 'GET, HEAD, OPTIONS' },
    ],
    ['HEAD where there is no GET', 'HEAD', '/users/usr_1', { kind: 'method-not-allowed', allow: 'DELETE, OPTIONS' }],
    ['an unknown path', 'GET', '/invoices', { kind: 'not-found' }],
    ['too many segments', 'GET', '/orders/ord_1/lines', { kind: 'not-found' }],
    ['an empty segment', 'GET', '/orders//ord_1', { kind: 'not-found' }],
    ['another case', 'GET', '/ORDERS', { kind: 'not-found' }],
    ['a parameter that is not valid percent-encoding', 'GET', '/orders/%zz', { kind: 'bad-path' }],
  ])('resolves %s', (_name, method, path, expected) => {
    expect(route(method, path)).toEqual(expected)
  })
})
