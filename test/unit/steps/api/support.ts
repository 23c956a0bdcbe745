import { Effect, Layer, Logger, ManagedRuntime } from 'effect'
import { httpApi } from '../../../../steps/api/program'
import type { ApiResponse } from '../../../../steps/api/responses'
import { OrderTable } from '../../../../steps/services/order-table'
import { UserTable } from '../../../../steps/services/user-table'
import { invokeStep } from '../../../../steps/kit/step'
import { memoryServices } from '../../../support/memory-services'
import { awsEvent } from '../../../support/fixtures'

/** The real API Gateway payload 2.0 events under `test/events/apigw/`. */
export type FixtureName =
  'post-orders' | 'post-orders-base64' | 'get-orders' | 'get-order' | 'post-users' | 'options-preflight'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Event = Record<string, any>

/** A fresh copy of a fixture, so a test may change it freely. */
export const fixture = (name: FixtureName): Event => awsEvent(`apigw/${name}.json`) as Event

export interface RequestChanges {
  readonly method?: string
  /** The raw path; a `?query` on it replaces the query string. */
  readonly path?: string
  /** Header changes; `undefined` removes a header. */
  readonly headers?: Readonly<Record<string, string | undefined>>
  /** A string as it is, anything else as JSON; `null` removes the body. */
  readonly body?: unknown
}

/** A fixture changed as API Gateway would have sent the changed request. */
export const request = (name: FixtureName, changes: RequestChanges = {}): Event => {
  const event = fixture(name)
  if (changes.method) event.requestContext.http.method = changes.method
  if (changes.path !== undefined) {
    const [path = '', query] = changes.path.split('?')
    event.rawPath = path
    event.requestContext.http.path = path
    event.rawQueryString = query ?? ''
    delete event.queryStringParameters
    if (query) event.queryStringParameters = Object.fromEntries(new URLSearchParams(query))
  }
  for (const [name, value] of Object.entries(changes.headers ?? {})) {
    if (value === undefined) delete event.headers[name]
    else event.headers[name] = value
  }
  if (changes.body === null) {
    delete event.body
    event.isBase64Encoded = false
  } else if (changes.body !== undefined) {
    event.body = typeof changes.body === 'string' ? changes.body : JSON.stringify(changes.body)
    event.isBase64Encoded = false
  }
  if (event.body !== undefined)
    event.headers['content-length'] = String(Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8'))
  return event
}

/** An answer as the client reads it: the body parsed when it is JSON. */
export interface Answer extends ApiResponse {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any
}

type Services = ReturnType<typeof memoryServices>

/**
 * The API step over in-memory services, invoked as Lambda invokes it (decode the event with the step's contract,
 * run, hand back plain JSON). `override` replaces services, e.g. a table that fails. Logs are kept in `logs`.
 */
export const apiHarness = (options: { readonly override?: (services: Services) => Layer.Layer<never> } = {}) => {
  const services = memoryServices()
  const logs: Array<{ readonly level: string; readonly message: unknown }> = []
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => void logs.push({ level: logLevel.label, message })),
  )
  const layer = Layer.merge(
    options.override ? Layer.merge(services.layer, options.override(services)) : services.layer,
    logger,
  )
  const runtime = ManagedRuntime.make(layer)
  const call = async (event: Event): Promise<Answer> => {
    const response = (await invokeStep(httpApi, runtime, event)) as ApiResponse
    const isJson = response.headers['content-type'] === 'application/json'
    return { ...response, json: isJson && response.body !== '' ? JSON.parse(response.body) : undefined }
  }
  return { services, call, logs, dispose: () => runtime.dispose() }
}

/** The memory services' own implementation of a port, to wrap in a failing or flaky one. */
export const memoryOrderTable = (services: Services) => Effect.runSync(Effect.provide(OrderTable, services.layer))
export const memoryUserTable = (services: Services) => Effect.runSync(Effect.provide(UserTable, services.layer))

/** The CORS headers every answer carries. */
export const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, idempotency-key',
  'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
}
