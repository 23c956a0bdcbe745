import type uPlot from 'uplot'
import type { MetricsView, StepMetrics, WorkflowMetrics } from '../../port'
import { api, query } from '../api'
import { h } from '../dom'
import { formatDuration, isoFromLocalInput, localInputValue } from '../format'
import { errorSlot, heading, type ViewContext } from '../view'

let uplot: Promise<typeof uPlot> | undefined
/** uPlot is only needed here, so it loads with the first chart. */
const chartLibrary = () =>
  (uplot ??= import('uplot').then((module) => (module as unknown as { default: typeof uPlot }).default))

const percent = (rate: number | undefined) => (rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`)

const stepRow = (step: StepMetrics) =>
  h(
    'tr',
    { 'data-step': step.step },
    h('th', { scope: 'row' }, step.step),
    h('td', { class: 'number' }, step.invocations),
    h('td', { class: step.errors > 0 ? 'number bad' : 'number' }, step.errors),
    h('td', { class: 'number' }, formatDuration(step.p50Ms)),
    h('td', { class: 'number' }, formatDuration(step.p95Ms)),
    h('td', { class: 'number' }, formatDuration(step.p99Ms)),
    h('td', { class: 'number' }, step.coldStarts),
  )

/** Success rate per bucket, and a gap where nothing finished. */
const seriesData = (workflow: WorkflowMetrics): uPlot.AlignedData => [
  workflow.series.map((point) => Date.parse(point.start) / 1000),
  workflow.series.map((point) =>
    point.succeeded + point.failed === 0 ? null : (100 * point.succeeded) / (point.succeeded + point.failed),
  ),
  workflow.series.map((point) => point.succeeded + point.failed),
]

/** `#/metrics`: per-step invocations, errors, latency percentiles and cold starts; per-workflow success rate over time. */
export const metricsView = (context: ViewContext) => {
  const errors = errorSlot()
  const now = new Date()
  const fromInput = h('input', {
    id: 'metrics-from',
    type: 'datetime-local',
    step: 1,
    value: localInputValue(new Date(now.getTime() - 3600_000)),
  })
  const toInput = h('input', { id: 'metrics-to', type: 'datetime-local', step: 1 })
  const stepsBody = h('tbody')
  const charts = h('div', { class: 'charts' })
  const plots = new Map<string, { readonly plot: uPlot; readonly rate: HTMLElement }>()
  context.onLeave(() => {
    for (const { plot } of plots.values()) plot.destroy()
  })

  const drawWorkflow = async (workflow: WorkflowMetrics) => {
    const existing = plots.get(workflow.workflow)
    const summary = `${percent(workflow.successRate)} succeeded (${workflow.succeeded} of ${workflow.succeeded + workflow.failed})`
    if (existing) {
      existing.rate.textContent = summary
      existing.plot.setData(seriesData(workflow))
      return
    }
    const UPlot = await chartLibrary()
    if (!context.active() || plots.has(workflow.workflow)) return
    const rate = h('p', { class: 'rate' }, summary)
    const holder = h('div', {
      class: 'chart',
      role: 'img',
      'aria-label': `${workflow.workflow} success rate over time`,
    })
    charts.append(
      h(
        'figure',
        { class: 'chart-card', 'data-workflow': workflow.workflow },
        h('figcaption', {}, h('strong', {}, workflow.workflow)),
        rate,
        holder,
      ),
    )
    const plot = new UPlot(
      {
        width: 320,
        height: 150,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { rate: { range: [0, 100] }, count: { range: (_self, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { stroke: '#5f6b7a', grid: { stroke: '#e3e7ec' } },
          {
            scale: 'rate',
            stroke: '#5f6b7a',
            grid: { stroke: '#e3e7ec' },
            values: (_self, ticks) => ticks.map((tick) => `${tick}%`),
            size: 52,
          },
        ],
        series: [
          {},
          {
            label: 'Success rate',
            scale: 'rate',
            stroke: '#1d8102',
            width: 2,
            spanGaps: false,
            points: { show: true, size: 4 },
          },
          { label: 'Finished', scale: 'count', stroke: '#8d99a8', width: 1, dash: [4, 3] },
        ],
      },
      seriesData(workflow),
      holder,
    )
    plots.set(workflow.workflow, { plot, rate })
  }

  const refresh = async () => {
    try {
      const view = await api<MetricsView>(
        `/metrics${query({ from: isoFromLocalInput(fromInput.value), to: isoFromLocalInput(toInput.value) })}`,
      )
      if (!context.active()) return
      errors.clear()
      stepsBody.replaceChildren(
        ...(view.steps.length > 0
          ? view.steps.map(stepRow)
          : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No step ran in this window.'))]),
      )
      for (const workflow of view.workflows) await drawWorkflow(workflow)
      if (view.workflows.length === 0 && plots.size === 0)
        charts.replaceChildren(h('p', { class: 'muted' }, 'No workflow finished in this window.'))
      else charts.querySelector(':scope > p.muted')?.remove()
    } catch (error) {
      if (context.active()) errors.show(error)
    }
  }
  const poller = context.poll(refresh, 5000)

  context.root.replaceChildren(
    heading('Metrics'),
    h(
      'form',
      {
        class: 'filters',
        'aria-label': 'Metrics window',
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault()
          void poller.now()
        },
      },
      h('label', {}, 'From ', fromInput),
      h('label', {}, 'To ', toInput),
      h('button', { type: 'submit' }, 'Show'),
    ),
    errors.element,
    h('h2', {}, 'Steps'),
    h(
      'table',
      { class: 'grid', id: 'step-metrics' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Step', 'Invocations', 'Errors', 'p50', 'p95', 'p99', 'Cold starts'].map((column) =>
            h('th', { scope: 'col' }, column),
          ),
        ),
      ),
      stepsBody,
    ),
    h('h2', {}, 'Workflows: success rate over time'),
    charts,
  )
}
