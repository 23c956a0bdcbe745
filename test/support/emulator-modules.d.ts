/**
 * The little of `dynalite` and `s3rver` that test/support/emulators.ts uses: neither package ships types.
 * (Named apart from emulators.ts on purpose: a `emulators.d.ts` next to it would be taken for its declaration file.)
 */

declare module 'dynalite' {
  import type { Server } from 'node:http'

  interface DynaliteOptions {
    /** How long a table stays CREATING (default 500 ms). */
    readonly createTableMs?: number
    readonly deleteTableMs?: number
    readonly updateTableMs?: number
    readonly maxItemSizeKb?: number
    /** A LevelDB directory; in memory when absent. */
    readonly path?: string
    readonly verbose?: boolean
    readonly debug?: boolean
    readonly ssl?: boolean
  }

  /** A plain Node HTTP server speaking the DynamoDB JSON protocol; `close` also closes its store. */
  function dynalite(options?: DynaliteOptions): Server
  export = dynalite
}

declare module 's3rver' {
  import type { AddressInfo } from 'node:net'

  interface S3rverOptions {
    readonly address?: string
    /** 0 picks a free port; `run` answers the one it got. */
    readonly port?: number
    readonly silent?: boolean
    /** Where buckets and objects are kept, as files. */
    readonly directory?: string
    readonly resetOnClose?: boolean
    readonly allowMismatchedSignatures?: boolean
    readonly vhostBuckets?: boolean
    readonly serviceEndpoint?: string
    readonly configureBuckets?: ReadonlyArray<{
      readonly name: string
      readonly configs?: ReadonlyArray<string | Buffer>
    }>
  }

  class S3rver {
    constructor(options?: S3rverOptions)
    /** Creates the configured buckets and listens. */
    run(): Promise<AddressInfo>
    close(): Promise<void>
    reset(): void
  }
  export = S3rver
}
