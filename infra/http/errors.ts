/** One field a request got wrong, as a 4xx answer's `fields` lists it. */
export interface FieldError {
  readonly path: string
  readonly message: string
}

export interface HttpErrorDetails {
  /** Headers the answer carries (`Allow` on a 405, `Connection: close` after an oversized body). */
  readonly headers?: Readonly<Record<string, string>>
  /** Each field a validation error refused. */
  readonly fields?: ReadonlyArray<FieldError>
  /** Who answered, for messages read elsewhere (`Step Functions`); absent for this server itself. */
  readonly source?: string
}

/**
 * An HTTP error answer, on either side of the wire: what a route answers with, and what a client reads back. Its
 * JSON form is `{error: code, message, fields?}`; never a stack trace.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly headers: Readonly<Record<string, string>>
  readonly fields: ReadonlyArray<FieldError>
  readonly source: string | undefined

  constructor(
    readonly status: number,
    /** A stable error name (`ValidationException`, `NotFound`). */
    readonly code: string,
    message: string,
    details: HttpErrorDetails = {},
  ) {
    super(message)
    this.headers = details.headers ?? {}
    this.fields = details.fields ?? []
    this.source = details.source
  }
}
