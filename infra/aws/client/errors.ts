import { HttpError } from '../../http/errors'
import { networkFailure } from '../../http/network'

// No SDK import here: the CLI imports this file for every command, and the SDK loads only when AWS is used.

/** The deployed stack cannot be used at all: no usable credentials, no such stack, AWS unreachable. */
export class AwsUnavailable extends Error {
  override readonly name = 'AwsUnavailable'
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

const credentialErrors = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError'])

/**
 * An SDK failure as the client reports it. A service's answer (a `ServiceException`, with `$metadata`) is an
 * HttpError naming the service (`Step Functions answered 400 ExecutionDoesNotExist: ...`); missing credentials and
 * network failures are AwsUnavailable, a missing region an InvalidRequest. Anything else is returned as it is.
 */
export const fromAwsError = (
  error: unknown,
  service: string,
  settings: { readonly profile?: string | undefined } = {},
): unknown => {
  if (typeof error !== 'object' || error === null) return error
  if (
    error instanceof HttpError ||
    error instanceof AwsUnavailable ||
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
  if (credentialErrors.has(name)) {
    const profile = settings.profile ? ` for profile ${settings.profile}` : ''
    return new AwsUnavailable(
      `no usable AWS credentials${profile} (${message}). Pass --profile, set AWS_PROFILE, or sign in (aws sso login).`,
    )
  }
  if (/region is missing/i.test(message)) return new InvalidRequest('no AWS region: pass --region R or set AWS_REGION')
  const reason = networkFailure(failure.code) ?? networkFailure(name)
  if (reason) return new AwsUnavailable(`cannot reach ${service} (${reason}). Check the network and --region.`)
  return error
}
