/** What a Node or undici socket failure means to a person, by its `code`. */
const networkReasons: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  TimeoutError: 'no answer in time',
  RequestTimeout: 'no answer in time',
}

/** Why a request got no answer, from the failure's `code` or `name`; undefined when it is no network failure. */
export const networkFailure = (codeOrName: unknown): string | undefined =>
  typeof codeOrName === 'string' ? networkReasons[codeOrName] : undefined
