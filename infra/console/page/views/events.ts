import type { EventSummary, ReplayProgress } from '../../port'
import { api, ApiError, postJson, query } from '../api'
import { h, jsonBlock, replaceChildren } from '../dom'
import { formatTime, isoFromLocalInput, localInputValue } from '../format'
import { errorBox, errorSlot, heading, type ViewContext } from '../view'

const ReplayEnded = new Set(['COMPLETED', 'CANCELLED', 'FAILED'])

/** Follows a replay until it ends, drawing its progress; stops when the user leaves the view. */
const followReplay = (context: ViewContext, started: ReplayProgress, area: HTMLElement) => {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': `Replay ${started.name} progress` })
  const state = h('strong', { class: 'replay-state' })
  const counts = h('span', { class: 'replay-counts' })
  const errors = errorSlot()
  area.replaceChildren(
    h(
      'div',
      { class: 'replay', 'data-replay': started.name },
      h(
        'p',
        {},
        'Replay ',
        h('code', {}, started.name),
        ' of ',
        formatTime(started.from),
        ' to ',
        formatTime(started.to),
        ': ',
        state,
        ' ',
        counts,
      ),
      bar,
      errors.element,
    ),
  )
  let lastState = ''
  const draw = (progress: ReplayProgress) => {
    state.textContent = progress.state
    const total = progress.eventsTotal
    const done = progress.eventsReplayed ?? 0
    counts.textContent = total === undefined ? `${done} events replayed` : `${done} of ${total} events replayed`
    if (total !== undefined && total > 0) {
      bar.max = total
      bar.value = done
    } else if (progress.state === 'COMPLETED') {
      bar.max = 1
      bar.value = 1
    }
    if (progress.reason) errors.show(new ApiError(0, progress.state, progress.reason))
    if (progress.state !== lastState) {
      lastState = progress.state
      context.announce(`Replay ${progress.name} ${progress.state}`)
    }
  }
  draw(started)
  if (ReplayEnded.has(started.state)) return
  const poller = context.poll(async () => {
    try {
      const progress = await api<ReplayProgress>(`/replays/${encodeURIComponent(started.name)}`)
      if (!context.active()) return
      errors.clear()
      draw(progress)
      if (ReplayEnded.has(progress.state)) poller.stop()
    } catch (error) {
      if (context.active()) errors.show(error)
    }
  }, 1000)
}

/** `#/events`: the archive by time range, source, detail-type or pattern, and replaying a window of it. */
export const eventsView = (context: ViewContext) => {
  const errors = errorSlot()
  const now = new Date()
  const fromInput = h('input', {
    id: 'events-from',
    name: 'from',
    type: 'datetime-local',
    step: 1,
    value: localInputValue(new Date(now.getTime() - 3600_000)),
  })
  const toInput = h('input', { id: 'events-to', name: 'to', type: 'datetime-local', step: 1 })
  const sourceInput = h('input', { id: 'events-source', name: 'source', type: 'text', placeholder: 'pipeline.images' })
  const detailTypeInput = h('input', {
    id: 'events-detail-type',
    name: 'detailType',
    type: 'text',
    placeholder: 'ImageProcessed',
  })
  const patternInput = h('textarea', {
    id: 'events-pattern',
    name: 'pattern',
    rows: 3,
    spellcheck: false,
    placeholder: '{"detail": {"status": ["FAILED"]}}',
  })
  const body = h('tbody')
  const more = h('button', { type: 'button', hidden: true }, 'Load more')
  const replayArea = h('div', { class: 'replay-area' })
  let next: string | undefined

  const timeWindow = () => ({ from: isoFromLocalInput(fromInput.value), to: isoFromLocalInput(toInput.value) })

  const readPattern = (): string | undefined => {
    const text = patternInput.value.trim()
    if (!text) return undefined
    try {
      JSON.parse(text)
    } catch (error) {
      throw new ApiError(0, 'InvalidPattern', `pattern: not valid JSON (${(error as Error).message})`)
    }
    return text
  }

  let shown = ''
  let appended = false
  /** Live refreshes follow a search that worked; after a refused one, its error stays until the next search. */
  let live = false
  /** The filters of the last search the user asked for: live refreshes keep to them while the form is edited. */
  let searched: Record<string, string | undefined> = {}
  /** Only the latest request draws: a refresh that set out before a new search must not overwrite its answer. */
  let latest = 0

  /** A search the user asked for (announced), a live refresh of the first page, or the next page appended. */
  const load = async (mode: 'search' | 'refresh' | 'append') => {
    // A live refresh would drop the pages the user loaded with "Load more".
    if (mode === 'refresh' && (appended || !live)) return
    const ticket = ++latest
    try {
      if (mode === 'search') {
        errors.clear()
        const { from, to } = timeWindow()
        searched = {
          from,
          to,
          source: sourceInput.value.trim(),
          detailType: detailTypeInput.value.trim(),
          pattern: readPattern(),
        }
      }
      const answer = await api<{ events: EventSummary[]; next?: string }>(
        `/events${query({ ...searched, limit: 50, cursor: mode === 'append' ? next : undefined })}`,
      )
      if (!context.active() || ticket !== latest) return
      if (mode === 'search') live = true
      const key = JSON.stringify(answer)
      if (mode === 'refresh' && key === shown) return
      if (mode === 'refresh') errors.clear()
      if (mode !== 'append') shown = key
      appended = mode === 'append' || (mode === 'refresh' && appended)
      next = answer.next
      more.hidden = !next
      const rows = answer.events.map((event) =>
        h(
          'tr',
          {},
          h('td', {}, h('time', { datetime: event.time }, formatTime(event.time))),
          h('td', {}, event.source),
          h('td', {}, event.detailType),
          h('td', {}, event.replayName ?? ''),
          h('td', {}, h('a', { href: `#/events/${encodeURIComponent(event.id)}` }, event.id)),
        ),
      )
      if (mode === 'append') body.append(...rows)
      else
        body.replaceChildren(
          ...(rows.length > 0
            ? rows
            : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No archived events match.'))]),
        )
      if (mode !== 'refresh') context.announce(`${answer.events.length} events${answer.next ? ', more available' : ''}`)
    } catch (error) {
      if (mode === 'search') live = false
      if (context.active() && ticket === latest) errors.show(error)
    }
  }

  const replayButton = h('button', { type: 'button', id: 'replay-window' }, 'Replay this window')
  replayButton.addEventListener('click', async () => {
    errors.clear()
    const from = isoFromLocalInput(fromInput.value)
    const to = isoFromLocalInput(toInput.value) ?? new Date().toISOString()
    if (!from) {
      errors.show(new ApiError(0, 'InvalidWindow', 'from: choose where the window to replay starts'))
      return
    }
    replayButton.disabled = true
    try {
      const started = await postJson<ReplayProgress>('/replays', { from, to })
      if (!context.active()) return
      followReplay(context, started, replayArea)
    } catch (error) {
      errors.show(error)
    } finally {
      replayButton.disabled = false
    }
  })
  more.addEventListener('click', () => void load('append'))

  context.root.replaceChildren(
    heading('Events'),
    h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': 'Filter archived events',
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault()
          void load('search')
        },
      },
      h('label', {}, 'From ', fromInput),
      h('label', {}, 'To ', toInput),
      h('label', {}, 'Source ', sourceInput),
      h('label', {}, 'Detail type ', detailTypeInput),
      h('label', { class: 'wide' }, 'Event pattern (JSON) ', patternInput),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Search'), replayButton),
    ),
    errors.element,
    replayArea,
    h(
      'table',
      { class: 'grid', id: 'events' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Time', 'Source', 'Detail type', 'Replay', 'ID'].map((column) => h('th', { scope: 'col' }, column)),
        ),
      ),
      body,
    ),
    more,
  )
  void load('search').then(() => context.poll(() => load('refresh')))
}

/** `#/events/{id}`: one archived event, as it was put on the bus. */
export const eventView = async (context: ViewContext) => {
  const id = context.params[0]!
  const area = h('div')
  context.root.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/events' }, '← Events')),
    heading(`Event ${id}`),
    area,
  )
  try {
    const { event } = await api<{ event: unknown }>(`/events/${encodeURIComponent(id)}`)
    if (context.active()) replaceChildren(area, jsonBlock(event, 'Event'))
  } catch (error) {
    if (context.active()) replaceChildren(area, errorBox(error))
  }
}
