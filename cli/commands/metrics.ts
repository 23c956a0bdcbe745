import { defineCommand } from '../args'
import type { MetricsView } from '../../infra/console/port'
import { formatTime, json, table, terminalWidth } from '../format'
import { TimeHelp, isoTime } from '../time'
import { UsageError } from '../errors'

const ms = (value: number | undefined) =>
  value === undefined ? '-' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`
const percent = (rate: number | undefined) =>
  rate === undefined ? '-' : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)}%`

export const metrics = defineCommand(
  {
    name: 'metrics',
    summary: 'show step invocations and workflow outcomes over a window',
    positionals: { label: '', min: 0, max: 0 },
    options: {
      from: {
        type: 'string',
        placeholder: 'TIME',
        description: `start of the window (default: an hour before --to): ${TimeHelp}`,
      },
      to: { type: 'string', placeholder: 'TIME', description: 'end of the window (default: now)' },
      json: { type: 'boolean', description: "print the server's JSON answer, with each workflow's per-minute series" },
    },
    description: `Shows, for the window (the last hour unless --from/--to say otherwise):
  - per step (function): invocations, errors, cold starts (a function's first invocation since the runtime
    started), and the 50th, 95th and 99th percentile of its duration, as Lambda's metrics count them;
  - per workflow: executions that succeeded and failed (aborted and timed out count as failed), and the success
    rate. --json adds each workflow's series, one point per minute (wider buckets for windows over three hours).

Examples:
  pipeline metrics
  pipeline metrics --from 15m
  pipeline metrics --from 2026-05-01T09:00:00Z --to 2026-05-01T10:00:00Z --json`,
  },
  async ({ options }, { io, backend }) => {
    const from = isoTime(options.from, '--from')
    const to = isoTime(options.to, '--to')
    if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to))
      throw new UsageError('--from must be before --to')
    const view = await backend().metrics({ from, to })
    io.stdout.write(options.json ? json(view) : render(view, terminalWidth(io.stdout)))
    return 0
  },
)

const render = (view: MetricsView, columns: number | undefined): string => {
  const title = `From ${formatTime(view.from)} to ${formatTime(view.to)}\n\n`
  const steps =
    view.steps.length === 0
      ? 'No step was invoked in this window.\n'
      : table(
          [
            { header: 'STEP' },
            { header: 'INVOCATIONS' },
            { header: 'ERRORS' },
            { header: 'COLD STARTS' },
            { header: 'P50' },
            { header: 'P95' },
            { header: 'P99' },
          ],
          [...view.steps]
            .sort((a, b) => b.invocations - a.invocations || a.step.localeCompare(b.step))
            .map((step) => [
              step.step,
              String(step.invocations),
              String(step.errors),
              String(step.coldStarts),
              ms(step.p50Ms),
              ms(step.p95Ms),
              ms(step.p99Ms),
            ]),
          { maxWidth: columns },
        )
  const workflows = table(
    [{ header: 'WORKFLOW' }, { header: 'SUCCEEDED' }, { header: 'FAILED' }, { header: 'SUCCESS RATE' }],
    view.workflows.map((workflow) => [
      workflow.workflow,
      String(workflow.succeeded),
      String(workflow.failed),
      percent(workflow.successRate),
    ]),
    { maxWidth: columns },
  )
  return `${title}${steps}\n${workflows}`
}
