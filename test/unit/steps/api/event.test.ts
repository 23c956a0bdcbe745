import { ManagedRuntime, Schema } from 'effect'
import { apiGatewayEvent, ApiGatewayRequest, toApiRequest } from '../../../../steps/api/event'
import { httpApi } from '../../../../steps/api/program'
import type { ApiResponse } from '../../../../steps/api/responses'
import { invokeStep } from '../../../../steps/kit/step'
import { memoryServices } from '../../../support/memory-services'
import { fixture } from './support'

const At = new Date('2024-06-17T15:52:39.080Z')

/** The shape API Gateway sends: a real payload 2.0 request with a body, sent to a `$default` route without an authorizer. */
const sample = fixture('post-orders')
const keysOf = (value: object) => Object.keys(value).sort()

describe('apiGatewayEvent', () => {
  it('builds an event with the fields and shape of the real payload 2.0 sample', () => {
    // Act
    const event = apiGatewayEvent({
      method: 'post',
      path: '/orders',
      headers: { host: 'localhost:3000', 'content-type': 'application/json' },
      body: '{}',
      now: At,
      requestId: 'ZhNHJhhLjoEEPiw=',
    })

    // Assess
    expect(keysOf(event)).toEqual(keysOf(sample))
    expect(keysOf(event.requestContext)).toEqual(keysOf(sample.requestContext))
    expect(keysOf(event.requestContext.http)).toEqual(keysOf(sample.requestContext.http))
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/orders',
      rawQueryString: '',
      body: '{}',
      isBase64Encoded: false,
      requestContext: {
        domainName: 'localhost',
        domainPrefix: 'localhost',
        requestId: 'ZhNHJhhLjoEEPiw=',
        routeKey: '$default',
        stage: '$default',
        http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' },
        time: '17/Jun/2024:15:52:39 +0000',
        timeEpoch: 1718639559080,
      },
    })
    expect(event.headers).toEqual({
      host: 'localhost:3000',
      'content-type': 'application/json',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '3000',
    })
  })

  it('takes headers as Node has them: names lower-cased, repeated values joined by commas, cookies moved to cookies', () => {
    const event = apiGatewayEvent({
      method: 'GET',
      path: '/users',
      headers: {
        'User-Agent': 'curl/8.5.0',
        accept: ['application/json', 'text/plain'],
        cookie: 'a=1; b=2',
        'x-absent': undefined,
      },
    })

    expect(event.headers).toMatchObject({ 'user-agent': 'curl/8.5.0', accept: 'application/json,text/plain' })
    expect(event.headers).not.toHaveProperty('cookie')
    expect(event.headers).not.toHaveProperty('x-absent')
    expect(event.cookies).toEqual(['a=1', 'b=2'])
    expect(event.requestContext.http.userAgent).toBe('curl/8.5.0')
  })

  it.each([
    [
      'a query on the path',
      { path: '/orders?customerId=c%201&limit=2' },
      'customerId=c%201&limit=2',
      { customerId: 'c 1', limit: '2' },
    ],
    ['a raw query string', { path: '/orders', query: '?customerId=c1' }, 'customerId=c1', { customerId: 'c1' }],
    [
      'parameters, one repeated',
      { path: '/orders', query: { customerId: ['a', 'b'], limit: '5' } },
      'customerId=a&customerId=b&limit=5',
      { customerId: 'a,b', limit: '5' },
    ],
  ])('reads %s into rawQueryString and decoded queryStringParameters', (_name, input, rawQueryString, parameters) => {
    const event = apiGatewayEvent({ method: 'GET', ...input })

    expect(event.rawPath).toBe('/orders')
    expect(event.rawQueryString).toBe(rawQueryString)
    expect(event.queryStringParameters).toEqual(parameters)
  })

  it('leaves out queryStringParameters and body when there are none, as API Gateway does', () => {
    const event = apiGatewayEvent({ method: 'GET', path: '/users', body: '' })

    expect(event).not.toHaveProperty('queryStringParameters')
    expect(event).not.toHaveProperty('body')
    expect(event.isBase64Encoded).toBe(false)
  })

  it('sends bytes base64-encoded', () => {
    const event = apiGatewayEvent({ method: 'POST', path: '/orders', body: new TextEncoder().encode('{"a":1}') })

    expect(event.isBase64Encoded).toBe(true)
    expect(Buffer.from(event.body!, 'base64').toString()).toBe('{"a":1}')
  })

  it('decodes with the step contract, and the step answers it as it answers API Gateway', async () => {
    // Prepare
    const event = apiGatewayEvent({
      method: 'POST',
      path: '/orders',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'local-1' },
      body: JSON.stringify({ customerId: 'cus_local', totalAmount: 5, currency: 'USD' }),
    })
    const services = memoryServices()
    const runtime = ManagedRuntime.make(services.layer)

    // Act
    const answer = (await invokeStep(httpApi, runtime, event)) as ApiResponse
    await runtime.dispose()

    // Assess
    expect(Schema.decodeUnknownSync(ApiGatewayRequest)(event).rawPath).toBe('/orders')
    expect(answer.statusCode).toBe(202)
    expect(services.idempotency.has('local-1')).toBe(true)
    expect(services.published).toHaveLength(1)
  })
})

describe('toApiRequest', () => {
  it('normalizes a real fixture', () => {
    const event = Schema.decodeUnknownSync(ApiGatewayRequest)(fixture('post-orders-base64'))

    const request = toApiRequest(event)

    expect(request).toMatchObject({ method: 'POST', path: '/orders', query: {}, requestId: 'ZhNHKpQcDoEEMxA=' })
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(new TextDecoder().decode(request.body)).customerId).toBe('cus_1042')
  })
})
