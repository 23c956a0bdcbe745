import type { ExecutionStatus, ExecutionSummary, WorkflowView } from '../../port'
import { api, query } from '../api'
import { h, statusBadge } from '../dom'
import { elapsed, formatDuration, formatTime, isoFromLocalInput } from '../format'
import { errorSlot, heading, type ViewContext } from '../view'

const Statuses: ReadonlyArray<ExecutionStatus> = ['RUNNING', 'SUCCEEDED', 'FAILED', 'PENDING', 'ABORTED', 'TIMED_OUT']

interface Filters {
  workflow: string
  status: string
  from: string
  to: string
  text: string
}

/** Filters outlive a visit to one execution, so coming back shows the same list. */
const remembered: Filters = { workflow: '', status: '', from: '', to: '', text: '' }

export const executionLink = (execution: Pick<ExecutionSummary, 'name'>) =>
  h('a', { href: `#/executions/${encodeURIComponent(execution.name)}` }, execution.name)

const row = (execution: ExecutionSummary) =>
  h(
    'tr',
    { 'data-execution': execution.name, 'data-status': execution.status },
    h('td', {}, executionLink(execution)),
    h('td', {}, execution.workflow),
    h('td', {}, statusBadge(execution.status)),
    h('td', { class: 'subject' }, execution.subject ?? ''),
    h('td', {}, h('time', { datetime: execution.startDate }, formatTime(execution.startDate))),
    h(
      'td',
      { class: 'number' },
      formatDuration(elapsed(execution.startDate, execution.stopDate, execution.durationMs)),
    ),
  )

/** `#/executions`: every workflow's executions, newest first, filtered and paged on the server, refreshed live. */
export const executionsView = async (context: ViewContext) => {
  const filters = {
    ...remembered,
    workflow: context.query.get('workflow') ?? remembered.workflow,
    text: context.query.get('q') ?? remembered.text,
  }
  const cursors: Array<string | undefined> = [undefined]
  const errors = errorSlot()
  const body = h('tbody')
  const pageLabel = h('span', { class: 'muted' })
  const previous = h('button', { type: 'button', disabled: true }, 'Newer')
  const next = h('button', { type: 'button', disabled: true }, 'Older')
  let lastRendered = ''
  let lastStatuses = new Map<string, string>()

  const workflowSelect = h(
    'select',
    { id: 'filter-workflow', name: 'workflow' },
    h('option', { value: '' }, 'All workflows'),
  )
  const statusSelect = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    ...Statuses.map((status) => h('option', { value: status }, status)),
  )
  const fromInput = h('input', {
    id: 'filter-from',
    name: 'from',
    type: 'datetime-local',
    step: 1,
    value: filters.from,
  })
  const toInput = h('input', { id: 'filter-to', name: 'to', type: 'datetime-local', step: 1, value: filters.to })
  const textInput = h('input', {
    id: 'filter-text',
    name: 'q',
    type: 'search',
    placeholder: 'name, ARN, key, order id',
    value: filters.text,
  })
  statusSelect.value = filters.status

  const refresh = async () => {
    const cursor = cursors.at(-1)
    try {
      const answer = await api<{ executions: ExecutionSummary[]; next?: string }>(
        `/executions${query({
          workflow: filters.workflow,
          status: filters.status,
          from: isoFromLocalInput(filters.from),
          to: isoFromLocalInput(filters.to),
          q: filters.text,
          limit: 25,
          cursor,
        })}`,
      )
      if (!context.active()) return
      errors.clear()
      const rendered = JSON.stringify(answer)
      if (rendered !== lastRendered) {
        lastRendered = rendered
        // A live refresh must not take the keyboard focus away from the row the user is on.
        const focused =
          document.activeElement instanceof HTMLElement && body.contains(document.activeElement)
            ? document.activeElement.closest('tr')?.dataset.execution
            : undefined
        body.replaceChildren(
          ...(answer.executions.length > 0
            ? answer.executions.map(row)
            : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No executions match.'))]),
        )
        if (focused) body.querySelector<HTMLElement>(`tr[data-execution="${CSS.escape(focused)}"] a`)?.focus()
        const finished = answer.executions.filter(
          (execution) => lastStatuses.get(execution.name) === 'RUNNING' && execution.status !== 'RUNNING',
        )
        if (finished.length > 0)
          context.announce(finished.map((execution) => `${execution.name} ${execution.status}`).join(', '))
        lastStatuses = new Map(answer.executions.map((execution) => [execution.name, execution.status]))
      }
      next.disabled = !answer.next
      next.dataset.cursor = answer.next ?? ''
      previous.disabled = cursors.length <= 1
      pageLabel.textContent = `Page ${cursors.length}`
    } catch (error) {
      if (context.active()) errors.show(error)
    }
  }

  const poller = context.poll(refresh)
  const restart = () => {
    cursors.splice(1)
    lastRendered = ''
    void poller.now()
  }

  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter executions',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault()
        Object.assign(filters, {
          workflow: workflowSelect.value,
          status: statusSelect.value,
          from: fromInput.value,
          to: toInput.value,
          text: textInput.value.trim(),
        })
        Object.assign(remembered, filters)
        restart()
      },
    },
    h('label', {}, 'Workflow ', workflowSelect),
    h('label', {}, 'Status ', statusSelect),
    h('label', {}, 'Started from ', fromInput),
    h('label', {}, 'to ', toInput),
    h('label', {}, 'Search ', textInput),
    h('button', { type: 'submit' }, 'Apply'),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          for (const input of [workflowSelect, statusSelect, fromInput, toInput, textInput]) input.value = ''
          Object.assign(filters, { workflow: '', status: '', from: '', to: '', text: '' })
          Object.assign(remembered, filters)
          restart()
        },
      },
      'Clear',
    ),
  )

  next.addEventListener('click', () => {
    if (!next.dataset.cursor) return
    cursors.push(next.dataset.cursor)
    lastRendered = ''
    void poller.now()
  })
  previous.addEventListener('click', () => {
    if (cursors.length <= 1) return
    cursors.pop()
    lastRendered = ''
    void poller.now()
  })

  context.root.replaceChildren(
    heading('Executions'),
    form,
    errors.element,
    h(
      'table',
      { class: 'grid', id: 'executions' },
      h('caption', { class: 'visually-hidden' }, 'Executions, newest first, refreshed every 2 seconds'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'Workflow', 'Status', 'Subject', 'Started', 'Duration'].map((title) =>
            h('th', { scope: 'col' }, title),
          ),
        ),
      ),
      body,
    ),
    h('div', { class: 'pager' }, previous, pageLabel, next),
  )

  try {
    const { workflows } = await api<{ workflows: WorkflowView[] }>('/workflows')
    if (!context.active()) return
    workflowSelect.append(
      ...workflows.map((workflow) => h('option', { value: workflow.name }, `${workflow.name} (${workflow.type})`)),
    )
    workflowSelect.value = filters.workflow
  } catch (error) {
    errors.show(error)
  }
}
