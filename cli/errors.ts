// Every error the CLI reports, in one place; main.ts maps each to its exit code. The ones shared with the client of a
// deployed stack and the HTTP kit are defined there, once.
export { AwsUnavailable, InvalidRequest, InvalidResponse, NotFound } from '../infra/aws/client/errors'
export { HttpError, type FieldError } from '../infra/http/errors'

/** The command line is wrong (an unknown option, a missing argument, a file that is not there): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  /** Whether to point at `--help` after the message: useless when the command line was fine but a file is missing. */
  readonly showHelpHint: boolean
  constructor(message: string, options: { readonly showHelpHint?: boolean } = {}) {
    super(message)
    this.showHelpHint = options.showHelpHint ?? true
  }
}

/** The runtime did not answer at all (connection refused, unknown host, timed out): exit 3. */
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
