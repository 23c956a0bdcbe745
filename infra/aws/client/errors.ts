import { STATUS_CODES } from 'node:http'
import { HttpError } from '../../http/errors'
import { networkFailure } from '../../http/network'

// No SDK import here: the CLI imports this file for every command, and the SDK loads only when AWS is used.

/** The deployed stack cannot be used at all: no usable credentials, no such stack, AWS unreachable. */
export class AwsUnavailable extends Error {
  override readonly name = 'AwsUnavailable'
}

/** The local runtime did not answer at all (connection refused, unknown host, timed out). */
export class Unreachable extends Error {
  override readonly name = 'Unreachable'
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `cannot reach the pipeline runtime at ${url} (${reason}). Is it running (npm start)? Set PIPELINE_URL to its address.`,
    )
  }
}

/** What was asked for is not there (an execution, a queue, a workflow, a rule). */
export class NotFound extends Error {
  override readonly name = 'NotFound'
}

/** The request cannot be made as asked (no region, a filter AWS cannot apply): the caller must change it. */
export class InvalidRequest extends Error {
  override readonly name = 'InvalidRequest'
}

/** An answer outside its contract (a 2xx without the field it promises, a body that does not decode). */
export class InvalidResponse extends Error {
  override readonly name = 'InvalidResponse'
}

/**
 * The socket error's code inside the SDK's wrapper (`AWS SDK error wrapper for Error: connect ECONNREFUSED ...`), which
 * replaces a thrown value that is not an `Error` of its own realm (as under jest's module sandbox) and keeps only its text.
 */
const wrappedCode = (message: string): string | undefined =>
  /^AWS SDK error wrapper for .*?\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(message)?.[1]

/**
 * An answer the SDK could not read in its protocol (the SDK sets `$metadata` but no `$fault`): a proxy's page, a
 * server that is not the service. Its status decides, as for any HTTP answer: an error status is an HttpError with what
 * the body says (`{error|__type|code, message}` when it is JSON, else its first line), a success one is InvalidResponse.
 */
const unreadableAnswer = (status: number, response: unknown, service: string): Error => {
  const raw = (response as { body?: unknown } | undefined)?.body
  const body = typeof raw === 'string' ? raw.trim() : ''
  let code: string | undefined
  let said = body.split('\n')[0]?.slice(0, 200) ?? ''
  try {
    const json = JSON.parse(body) as Record<string, unknown>
    const named = [json.error, json.__type, json.code].find((value) => typeof value === 'string')
    if (typeof named === 'string') code = named.split('#').pop()
    if (typeof json.message === 'string') said = json.message
  } catch {
    // Not JSON: its first line is what it says.
  }
  if (status < 400)
    return new InvalidResponse(`${service} answered ${status} with a body outside its protocol: ${said}`)
  return new HttpError(status, code ?? STATUS_CODES[status] ?? 'Error', said || '(no body)', { source: service })
}

const credentialErrors = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError'])

/**
 * An SDK failure as the client reports it. A service's answer (a `ServiceException`, with `$metadata`) is an
 * HttpError naming the service (`Step Functions answered 400 ExecutionDoesNotExist: ...`); missing credentials and
 * network failures are AwsUnavailable (Unreachable for the local runtime's endpoint), a missing region an
 * InvalidRequest, an answer outside the service's protocol an HttpError by its status (InvalidResponse for a 2xx).
 * Anything else is returned as it is.
 */
export const fromAwsError = (
  error: unknown,
  service: string,
  settings: { readonly profile?: string | undefined; readonly endpoint?: string | undefined } = {},
): unknown => {
  if (typeof error !== 'object' || error === null) return error
  if (
    error instanceof HttpError ||
    error instanceof AwsUnavailable ||
    error instanceof Unreachable ||
    error instanceof NotFound ||
    error instanceof InvalidRequest
  )
    return error
  const failure = error as {
    name?: unknown
    message?: unknown
    code?: unknown
    $fault?: unknown
    $metadata?: { httpStatusCode?: unknown }
  }
  const name = typeof failure.name === 'string' ? failure.name : 'Error'
  const message = typeof failure.message === 'string' ? failure.message.replace(/\s+/g, ' ').trim() : String(error)
  if (failure.$fault === 'client' || failure.$fault === 'server') {
    const status =
      typeof failure.$metadata?.httpStatusCode === 'number'
        ? failure.$metadata.httpStatusCode
        : failure.$fault === 'server'
          ? 500
          : 400
    return new HttpError(status, name, message, { source: service })
  }
  const status = failure.$metadata?.httpStatusCode
  if (typeof status === 'number') return unreadableAnswer(status, (error as { $response?: unknown }).$response, service)
  if (credentialErrors.has(name)) {
    const profile = settings.profile ? ` for profile ${settings.profile}` : ''
    return new AwsUnavailable(
      `no usable AWS credentials${profile} (${message}). Pass --profile, set AWS_PROFILE, or sign in (aws sso login).`,
    )
  }
  if (/region is missing/i.test(message)) return new InvalidRequest('no AWS region: pass --region R or set AWS_REGION')
  const reason = networkFailure(failure.code) ?? networkFailure(name) ?? networkFailure(wrappedCode(message))
  // The local runtime's endpoint: it is not running there, which no AWS setting fixes.
  if (reason && settings.endpoint !== undefined) return new Unreachable(settings.endpoint, reason)
  if (reason) return new AwsUnavailable(`cannot reach ${service} (${reason}). Check the network and --region.`)
  return error
}
