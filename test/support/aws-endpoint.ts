/** An SDK v3 client's configuration for the local endpoint: only the endpoint, a region and dummy credentials. */
export const endpointConfig = (url: string) => ({
  endpoint: url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
})

/** What the endpoint answered to a request an SDK would not send (a wrong type, an unknown operation). */
export interface RawAnswer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body as JSON, when it is. */
  readonly json: Record<string, unknown> | undefined
}

const answer = async (response: Response): Promise<RawAnswer> => {
  const text = await response.text()
  let json: Record<string, unknown> | undefined
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** A SigV4 Authorization header naming the service, as any SDK sends; the endpoint reads the scope, not the signature. */
export const signedFor = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000`,
  'x-amz-date': '20260101T000000Z',
})

/** A JSON-protocol request (`X-Amz-Target: AmazonSQS.SendMessage`), its body as given. */
export const awsJson = async (
  url: string,
  target: string,
  body: string | Record<string, unknown>,
  version: '1.0' | '1.1' = '1.0',
): Promise<RawAnswer> =>
  answer(
    await fetch(url, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'x-amz-target': target, 'content-type': `application/x-amz-json-${version}` },
    }),
  )

/** A query-protocol request (`Action=...&Version=...`), form-encoded and signed for `service`. */
export const awsQuery = async (
  url: string,
  service: string,
  params: Record<string, string> | string,
): Promise<RawAnswer> =>
  answer(
    await fetch(url, {
      method: 'POST',
      body: typeof params === 'string' ? params : new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...signedFor(service) },
    }),
  )

/** An element's text in an XML answer (`<Code>ValidationError</Code>` → `ValidationError`). */
export const xmlText = (xml: string, element: string): string | undefined =>
  new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1]
