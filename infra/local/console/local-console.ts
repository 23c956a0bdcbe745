import { AwsConsoleData } from '../../aws/console/console-data'
import { consoleContext } from '../../aws/console/context'
import { LocalRegion, LocalStackName } from '../model/template'
import type { LocalRuntime } from '../runtime'
import { localExtras } from './extras'

/**
 * The console over the local runtime: the one adapter of the console's port, over the AWS APIs, pointed at the
 * runtime's own endpoint (`endpoint`, where its server listens) with any credentials, its region and its stack; what
 * AWS has no API for is read from the runtime in process.
 */
export const localConsoleData = (runtime: LocalRuntime, endpoint: string): AwsConsoleData =>
  new AwsConsoleData(
    consoleContext({
      endpoint,
      region: LocalRegion,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      stack: runtime.model.stack?.name ?? LocalStackName,
      pollMs: 250,
    }),
    localExtras(runtime),
  )
