import { main } from '../../../cli/main'
import { captureIo } from './fake-runtime'

// The local target speaks AWS to the runtime's own endpoint: in these tests the SDK clients are mocked (as in
// `aws/fake-stack.ts`), and a fake runtime at PIPELINE_URL answers the runtime's own routes (what AWS has no API for).

/** Runs `pipeline ARGV` on the local target (no --target) against the runtime at `url`, polling fast. */
export const runLocal = async (
  argv: ReadonlyArray<string>,
  url: string,
  options: { readonly tty?: boolean; readonly columns?: number } = {},
) => {
  const { io, stdout, stderr } = captureIo(
    { PIPELINE_URL: url },
    options.tty ? { tty: true, columns: options.columns ?? 120 } : {},
  )
  const code = await main(argv, io, { aws: { pollMs: 1 } })
  return { code, stdout: stdout(), stderr: stderr() }
}
