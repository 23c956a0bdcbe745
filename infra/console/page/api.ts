/** The API's `{error, message}` answer, or what went wrong reaching it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const ApiBase = '/console/api'

/** Calls a console route and returns its JSON, throwing an `ApiError` that carries the route's own error and message. */
export const api = async <T>(route: string, init: RequestInit = {}): Promise<T> => {
  let response: Response
  try {
    response = await fetch(`${ApiBase}${route}`, {
      ...init,
      headers: { accept: 'application/json', ...(init.headers ?? {}) },
    })
  } catch {
    throw new ApiError(0, 'Unreachable', 'The pipeline is not answering; is it still running?')
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ApiError(response.status, 'InvalidResponse', `The server answered ${response.status} without JSON`)
  }
  if (!response.ok) {
    const { error, message } = (body ?? {}) as { error?: string; message?: string }
    throw new ApiError(response.status, error ?? `HTTP${response.status}`, message ?? text)
  }
  return body as T
}

export const postJson = <T>(route: string, body?: unknown): Promise<T> =>
  api<T>(route, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  })

/** `?a=1&b=2` from the defined, non-empty values only. */
export const query = (values: Record<string, string | number | undefined>): string => {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== '') params.set(name, String(value))
  const text = params.toString()
  return text ? `?${text}` : ''
}

export const encodeSegments = (key: string) => key.split('/').map(encodeURIComponent).join('/')
