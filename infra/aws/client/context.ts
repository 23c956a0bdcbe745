import { createClients, type AwsClients } from './clients'
import { fromAwsError } from './errors'
import { StackReader } from './stack'

/** The AWS target's settings: the global options, plus the polling pace (tests make it fast). */
export interface AwsSettings {
  readonly profile?: string | undefined
  readonly region?: string | undefined
  readonly stack: string
  /** The first wait between two polls (upload --wait, replay); default 1 s, growing to 5 times that. */
  readonly pollMs?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly now?: () => number
}

/** What every part of the AWS target shares: the clients, the stack and the error mapping. */
export interface AwsContext {
  readonly clients: AwsClients
  readonly stack: StackReader
  readonly settings: AwsSettings
  readonly pollMs: number
  readonly sleep: (ms: number) => Promise<void>
  readonly now: () => number
  /** Runs one SDK call, its errors mapped to the CLI's (`fromAwsError`). */
  call<A>(service: string, send: () => Promise<A>): Promise<A>
  /** The region the clients talk to: --region, else the SDK's (AWS_REGION, the profile's). */
  region(): Promise<string>
}

export const DefaultPollMs = 1000

export const awsContext = (settings: AwsSettings, clients: AwsClients = createClients(settings)): AwsContext => {
  const stack = new StackReader(settings.stack, clients, settings)
  return {
    clients,
    stack,
    settings,
    pollMs: settings.pollMs ?? DefaultPollMs,
    sleep: settings.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    now: settings.now ?? Date.now,
    call: async (service, send) => {
      try {
        return await send()
      } catch (error) {
        throw fromAwsError(error, service, settings)
      }
    },
    region: async () => {
      if (settings.region) return settings.region
      try {
        return await clients.sfn.config.region()
      } catch (error) {
        throw fromAwsError(error, 'Step Functions', settings)
      }
    },
  }
}

/** An SDK date (or an ISO string from a mock) as ISO text; undefined stays undefined. */
export const iso = (date: Date | string | undefined): string | undefined =>
  date === undefined ? undefined : new Date(date).toISOString()

/** JSON text parsed, or undefined when it is not JSON. */
export const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Runs `work` on each item, at most `limit` at a time, keeping the order of the answers. */
export const mapLimit = async <A, B>(
  items: ReadonlyArray<A>,
  limit: number,
  work: (item: A) => Promise<B>,
): Promise<B[]> => {
  const results: B[] = new Array<B>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next
      next += 1
      results[index] = await work(items[index] as A)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
