import type { DeadLetter, DeadLetterQueueView, RedriveOutcome } from '../../port'
import { api, postJson } from '../api'
import { h, jsonBlock } from '../dom'
import { formatTime } from '../format'
import { errorSlot, heading, type ViewContext } from '../view'

const describeOutcome = (outcome: RedriveOutcome) =>
  `${outcome.queue}: ${outcome.redriven} redriven${outcome.failed.length > 0 ? `, ${outcome.failed.length} failed (${outcome.failed.map((failure) => `${failure.id}: ${failure.reason}`).join('; ')})` : ''}`

/** `#/dlq`: each dead-letter queue with its messages, their reason and original event; redrive or delete them. */
export const dlqView = (context: ViewContext) => {
  const errors = errorSlot()
  const notice = h('p', { class: 'notice', hidden: true, tabindex: -1 })
  const queuesArea = h('div', { class: 'queues' })
  let shown = ''

  const act = async (button: HTMLButtonElement, work: () => Promise<string>) => {
    button.disabled = true
    errors.clear()
    try {
      const message = await work()
      notice.textContent = message
      notice.hidden = false
      context.announce(message)
      shown = ''
      await poller.now()
      notice.focus()
    } catch (error) {
      errors.show(error)
    } finally {
      button.disabled = false
    }
  }

  const redrive = (queue: string, ids?: string[]) => async () =>
    describeOutcome(await postJson<RedriveOutcome>(`/dlq/${encodeURIComponent(queue)}/redrive`, ids ? { ids } : {}))

  const messageRow = (queue: string, message: DeadLetter) => {
    const redriveButton = h('button', { type: 'button', 'aria-label': `Redrive message ${message.id}` }, 'Redrive')
    redriveButton.addEventListener('click', () => void act(redriveButton, redrive(queue, [message.id])))
    const deleteButton = h(
      'button',
      { type: 'button', class: 'danger', 'aria-label': `Delete message ${message.id}` },
      'Delete',
    )
    deleteButton.addEventListener('click', () => {
      if (!window.confirm(`Delete message ${message.id} from ${queue}? It cannot be redriven afterwards.`)) return
      void act(deleteButton, async () => {
        await api<void>(`/dlq/${encodeURIComponent(queue)}/messages/${encodeURIComponent(message.id)}`, {
          method: 'DELETE',
        })
        return `Deleted ${message.id} from ${queue}`
      })
    })
    return h(
      'tr',
      { 'data-message': message.id },
      h('td', {}, h('code', {}, message.id)),
      h('td', {}, h('time', { datetime: message.sentAt }, formatTime(message.sentAt))),
      h('td', { class: 'reason' }, message.reason),
      h('td', {}, message.origin ?? '—'),
      h('td', {}, h('details', {}, h('summary', {}, 'Original message'), jsonBlock(message.body))),
      h('td', { class: 'row-actions' }, redriveButton, deleteButton),
    )
  }

  const queueSection = (queue: DeadLetterQueueView) => {
    const all = h('button', { type: 'button', class: 'primary', disabled: queue.depth === 0 }, 'Redrive all')
    all.addEventListener('click', () => void act(all, redrive(queue.name)))
    const headingId = `queue-${queue.name.replace(/[^A-Za-z0-9_-]/g, '-')}`
    return h(
      'section',
      { class: 'queue', 'data-queue': queue.name, 'aria-labelledby': headingId },
      h(
        'div',
        { class: 'section-head' },
        h(
          'h2',
          { id: headingId },
          queue.name,
          ' ',
          h('span', { class: 'count' }, `${queue.depth} message${queue.depth === 1 ? '' : 's'}`),
        ),
        all,
      ),
      queue.messages.length === 0
        ? h('p', { class: 'muted' }, 'Empty.')
        : h(
            'table',
            { class: 'grid' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['ID', 'Sent', 'Reason', 'Goes back to', 'Message', ''].map((column) =>
                  h('th', { scope: 'col' }, column),
                ),
              ),
            ),
            h('tbody', {}, ...queue.messages.map((message) => messageRow(queue.name, message))),
          ),
      queue.depth > queue.messages.length
        ? h('p', { class: 'muted' }, `Showing ${queue.messages.length} of ${queue.depth}.`)
        : null,
    )
  }

  const poller = context.poll(async () => {
    try {
      const { queues } = await api<{ queues: DeadLetterQueueView[] }>('/dlq')
      if (!context.active()) return
      errors.clear()
      const key = JSON.stringify(queues)
      if (key === shown) return
      // Redrawing would take focus from a button the user is on, so wait for it to move off the list.
      if (queuesArea.contains(document.activeElement) && shown !== '') return
      shown = key
      queuesArea.replaceChildren(
        ...(queues.length > 0 ? queues.map(queueSection) : [h('p', { class: 'muted' }, 'No dead-letter queues.')]),
      )
    } catch (error) {
      if (context.active()) errors.show(error)
    }
  })

  context.root.replaceChildren(heading('Dead letters'), errors.element, notice, queuesArea)
}
