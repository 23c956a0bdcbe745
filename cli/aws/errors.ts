import { UsageError } from '../args'
import { HttpError } from '../client'

// No SDK import here: main.ts imports this file for every command, the SDK loads only with --target aws.

/** The deployed stack cannot be used at all: no usable credentials, no such stack, AWS unreachable. Exit 3. */
export class AwsUnavailable extends Error {
  readonly _tag = 'AwsUnavailable'
  constructor(message: string) {
    super(message)
    this.name = 'AwsUnavailable'
  }
}

/** How the SDK fails before or without an answer, by error name or `code`: what a person can act on. */
const networkReasons: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  TimeoutError: 'no answer in time',
  RequestTimeout: 'no answer in time',
}

const credentialErrors = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError'])

/**
 * An SDK error as the CLI reports it. A service's answer (a `ServiceException`, with `$metadata`) becomes an
 * HttpError naming the service (`Step Functions answered 400 ExecutionDoesNotExist: ...`): 4xx exit 1, 5xx exit 3.
 * Missing credentials or network failures become AwsUnavailable (exit 3), a missing region a UsageError (exit 2).
 * Anything else is returned as it is.
 */
export const fromAwsError = (
  error: unknown,
  service: string,
  settings: { readonly profile?: string | undefined } = {},
): unknown => {
  if (typeof error !== 'object' || error === null) return error
  if (error instanceof HttpError || error instanceof UsageError || error instanceof AwsUnavailable) return error
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
    return new HttpError(status, name, message, [], service)
  }
  if (credentialErrors.has(name)) {
    const profile = settings.profile ? ` for profile ${settings.profile}` : ''
    return new AwsUnavailable(
      `no usable AWS credentials${profile} (${message}). Pass --profile, set AWS_PROFILE, or sign in (aws sso login).`,
    )
  }
  if (/region is missing/i.test(message))
    return new UsageError('no AWS region: pass --region R or set AWS_REGION', { showHelpHint: false })
  const reason = networkReasons[typeof failure.code === 'string' ? failure.code : ''] ?? networkReasons[name]
  if (reason) return new AwsUnavailable(`cannot reach ${service} (${reason}). Check the network and --region.`)
  return error
}
