import type { ExecutionDetail, ExecutionSummary, HistoryEventView, StateDetail } from '../../port'
import { api, postJson } from '../api'
import { causeBlock, h, jsonBlock, replaceChildren, statusBadge } from '../dom'
import { elapsed, formatDuration, formatTime } from '../format'
import { drawStateGraph, Outcomes, type StateGraph } from '../graph'
import { errorBox, errorSlot, heading, type ViewContext } from '../view'

const Finished = new Set(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'])
const Redrivable = new Set(['FAILED', 'ABORTED', 'TIMED_OUT'])

const field = (term: string, ...value: Array<Node | string>) => [h('dt', {}, term), h('dd', {}, ...value)]

const legend = () =>
  h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    ...Outcomes.map(({ outcome, label }) =>
      h('li', {}, h('span', { class: `swatch outcome-${outcome}`, 'aria-hidden': 'true' }), label),
    ),
    h('li', {}, h('span', { class: 'line line-catch', 'aria-hidden': 'true' }), 'Catch'),
    h('li', {}, h('span', { class: 'line line-default', 'aria-hidden': 'true' }), 'Choice default'),
    h('li', {}, h('span', { class: 'retry-dot', 'aria-hidden': 'true' }, '↻'), 'Retry (number: attempts)'),
  )

/** Where a history event's details live, and the state or resource it names. */
const historyDetails = (event: HistoryEventView) => {
  const key = Object.keys(event).find((name) => name.endsWith('EventDetails'))
  const details = key ? (event[key] as Record<string, unknown>) : undefined
  const step =
    details &&
    (typeof details.name === 'string'
      ? details.name
      : typeof details.resource === 'string'
        ? details.resource
        : undefined)
  return { details, step }
}

const historyRow = (event: HistoryEventView, start: number) => {
  const { details, step } = historyDetails(event)
  const failed = /Failed|TimedOut|Aborted/.test(event.type)
  return h(
    'tr',
    { class: failed ? 'failed' : '' },
    h('td', { class: 'number' }, event.id),
    h('td', {}, event.type),
    h('td', {}, step ?? ''),
    h('td', { class: 'number' }, formatDuration(Date.parse(event.timestamp) - start)),
    h('td', {}, h('time', { datetime: event.timestamp }, formatTime(event.timestamp))),
    h('td', {}, details ? h('details', {}, h('summary', {}, 'Details'), jsonBlock(details)) : ''),
  )
}

const statePanelContent = (state: StateDetail) => [
  h(
    'dl',
    { class: 'facts' },
    ...field('Type', state.type),
    ...field('Outcome', h('span', { class: `badge outcome-${state.outcome}` }, state.outcome)),
    ...field('Entered', formatTime(state.enteredAt)),
    ...field('Exited', formatTime(state.exitedAt)),
    ...field('Duration', formatDuration(state.durationMs)),
    ...field('Runs', String(state.runs)),
    ...field('Attempts', String(state.attempts.length)),
  ),
  h('h3', {}, 'Error'),
  state.error ? h('p', { class: 'state-error' }, h('code', {}, state.error)) : h('p', { class: 'muted' }, '—'),
  h('h3', {}, 'Cause'),
  h('div', { class: 'state-cause' }, causeBlock(state.cause)),
  h('h3', {}, 'Input'),
  jsonBlock(state.input, `${state.name} input`),
  h('h3', {}, 'Output'),
  jsonBlock(state.output, `${state.name} output`),
  state.attempts.length > 0 ? h('h3', {}, 'Attempts') : null,
  state.attempts.length > 0
    ? h(
        'table',
        { class: 'grid compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, '#'),
            h('th', { scope: 'col' }, 'Started'),
            h('th', { scope: 'col' }, 'Took'),
            h('th', { scope: 'col' }, 'Error'),
          ),
        ),
        h(
          'tbody',
          {},
          ...state.attempts.map((attempt, index) =>
            h(
              'tr',
              {},
              h('td', {}, index + 1),
              h('td', {}, formatTime(attempt.startedAt)),
              h(
                'td',
                {},
                formatDuration(
                  attempt.endedAt ? Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt) : undefined,
                ),
              ),
              h('td', {}, attempt.error ? h('span', { title: attempt.cause ?? '' }, attempt.error) : 'none'),
            ),
          ),
        ),
      )
    : null,
]

/** `#/executions/{name}`: the graph coloured state by state, a details panel per state, and the event history. */
export const executionView = async (context: ViewContext) => {
  const name = context.params[0]!
  const errors = errorSlot()
  const title = heading(`Execution ${name}`)
  const summary = h('dl', { class: 'facts summary' })
  const failure = h('div', { class: 'failure' })
  const actions = h('div', { class: 'actions' })
  const graphArea = h(
    'div',
    { class: 'graph-area', 'aria-busy': 'true' },
    h('p', { class: 'muted' }, 'Laying out the graph…'),
  )
  const panelTitle = h('h2', { id: 'panel-title' })
  const panelBody = h('div', { class: 'panel-body' })
  const panel = h(
    'aside',
    { id: 'state-panel', class: 'panel', hidden: true, tabindex: -1, 'aria-labelledby': 'panel-title' },
    h(
      'div',
      { class: 'panel-head' },
      panelTitle,
      h(
        'button',
        { type: 'button', class: 'close', 'aria-label': 'Close state details', onclick: () => closePanel() },
        '×',
      ),
    ),
    panelBody,
  )
  const input = h('div')
  const output = h('div')
  const historyBody = h('tbody')

  let detail: ExecutionDetail | undefined
  let graph: StateGraph | undefined
  let graphFor = ''
  let selected: string | undefined
  let historyShown = ''

  const showPanel = (stateName: string, focus: boolean) => {
    const state = detail?.states.find((candidate) => candidate.name === stateName)
    selected = stateName
    panelTitle.textContent = stateName
    replaceChildren(
      panelBody,
      ...(state ? statePanelContent(state) : [h('p', { class: 'muted' }, 'This execution did not reach this state.')]),
    )
    panel.hidden = false
    graph?.select(stateName)
    if (focus) panel.focus()
  }
  const closePanel = () => {
    if (panel.hidden) return
    panel.hidden = true
    graph?.select(undefined)
    const previous = selected
    selected = undefined
    if (previous) graph?.focusState(previous)
  }
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !panel.hidden) {
      event.preventDefault()
      closePanel()
    }
  }
  document.addEventListener('keydown', onKey)
  context.onLeave(() => document.removeEventListener('keydown', onKey))

  const runAction = async (button: HTMLButtonElement, label: string, act: () => Promise<ExecutionSummary>) => {
    button.disabled = true
    errors.clear()
    try {
      const result = await act()
      context.announce(`${label}: ${result.name} is ${result.status}`)
      if (result.name === name) {
        historyShown = ''
        restartPolling()
      } else {
        context.navigate(`#/executions/${encodeURIComponent(result.name)}`)
      }
    } catch (error) {
      errors.show(error)
      context.announce(`${label} failed`)
    } finally {
      button.disabled = false
    }
  }

  const drawActions = (current: ExecutionDetail) => {
    const buttons: HTMLButtonElement[] = []
    if (Redrivable.has(current.status)) {
      const redrive = h(
        'button',
        {
          type: 'button',
          class: 'primary',
          onclick: () =>
            void runAction(redrive, 'Redrive', () => postJson(`/executions/${encodeURIComponent(name)}/redrive`)),
        },
        'Redrive',
      )
      buttons.push(redrive)
    }
    const again = h(
      'button',
      {
        type: 'button',
        onclick: () =>
          void runAction(again, 'Start again', () => postJson(`/executions/${encodeURIComponent(name)}/start-again`)),
      },
      'Start again',
    )
    buttons.push(again)
    const shown = [...actions.querySelectorAll('button')].map((button) => button.textContent).join()
    if (shown !== buttons.map((button) => button.textContent).join()) actions.replaceChildren(...buttons)
  }

  const drawDetail = async (current: ExecutionDetail) => {
    replaceChildren(title, `Execution ${current.name} `, statusBadge(current.status))
    replaceChildren(
      summary,
      ...field(
        'Workflow',
        h('a', { href: `#/executions?workflow=${encodeURIComponent(current.workflow)}` }, current.workflow),
      ),
      ...field('Subject', current.subject ?? '—'),
      ...field('Started', formatTime(current.startDate)),
      ...field('Stopped', formatTime(current.stopDate)),
      ...field('Duration', formatDuration(elapsed(current.startDate, current.stopDate, current.durationMs))),
      ...field('Redrives', String(current.redriveCount ?? 0)),
      ...field('ARN', h('code', {}, current.executionArn)),
    )
    replaceChildren(
      failure,
      ...(current.error || current.cause
        ? [
            h(
              'section',
              { class: 'execution-error', 'aria-label': 'Execution error' },
              h('h2', {}, 'Error: ', h('code', {}, current.error ?? 'unknown')),
              causeBlock(current.cause),
            ),
          ]
        : []),
    )
    drawActions(current)
    replaceChildren(input, jsonBlock(current.input, 'Execution input'))
    replaceChildren(output, jsonBlock(current.output, 'Execution output'))

    const definitionKey = JSON.stringify(current.workflowDefinition)
    if (definitionKey !== graphFor) {
      graphFor = definitionKey
      try {
        graph = await drawStateGraph(current.workflowDefinition, (stateName) => showPanel(stateName, true))
        if (!context.active()) return
        graphArea.replaceChildren(graph.svg)
      } catch (error) {
        graphArea.replaceChildren(errorBox(error))
      }
      graphArea.removeAttribute('aria-busy')
    }
    graph?.paint(current.states)
    if (selected && !panel.hidden && !panel.contains(document.activeElement)) showPanel(selected, false)

    const historyKey = `${current.history.length}:${current.history.at(-1)?.id}`
    if (historyKey !== historyShown) {
      historyShown = historyKey
      const start = Date.parse(current.history[0]?.timestamp ?? current.startDate)
      historyBody.replaceChildren(...current.history.map((event) => historyRow(event, start)))
    }
  }

  let poller: { now: () => Promise<void>; stop: () => void } | undefined
  const refresh = async () => {
    try {
      const current = await api<ExecutionDetail>(`/executions/${encodeURIComponent(name)}`)
      if (!context.active()) return
      errors.clear()
      const before = detail?.status
      detail = current
      await drawDetail(current)
      if (before && before !== current.status) context.announce(`Execution ${current.status}`)
      if (Finished.has(current.status)) poller?.stop()
    } catch (error) {
      if (context.active()) errors.show(error)
    }
  }
  const restartPolling = () => {
    poller?.stop()
    poller = context.poll(refresh)
  }

  context.root.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/executions' }, '← Executions')),
    title,
    actions,
    errors.element,
    summary,
    failure,
    h(
      'section',
      { class: 'graph-section', 'aria-label': 'Graph' },
      h('div', { class: 'graph-column' }, legend(), graphArea),
      panel,
    ),
    h(
      'div',
      { class: 'io' },
      h('section', {}, h('h2', {}, 'Input'), input),
      h('section', {}, h('h2', {}, 'Output'), output),
    ),
    h(
      'section',
      {},
      h('h2', {}, 'Event history'),
      h(
        'table',
        { class: 'grid', id: 'history' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['ID', 'Type', 'Step', 'Elapsed', 'Time', ''].map((column) => h('th', { scope: 'col' }, column)),
          ),
        ),
        historyBody,
      ),
    ),
  )
  restartPolling()
}
