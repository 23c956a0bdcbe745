import { api } from './api'
import { replaceChildren } from './dom'
import type { View, ViewContext } from './view'
import { errorBox } from './view'
import { dlqView } from './views/dlq'
import { eventsView, eventView } from './views/events'
import { executionView } from './views/execution'
import { executionsView } from './views/executions'
import { imagesView } from './views/images'
import { metricsView } from './views/metrics'

const sections: Record<string, { readonly list: View; readonly item?: View }> = {
  executions: { list: executionsView, item: executionView },
  events: { list: eventsView, item: eventView },
  dlq: { list: dlqView },
  metrics: { list: metricsView },
  images: { list: imagesView },
}

const root = document.getElementById('view') as HTMLElement
const status = document.getElementById('status') as HTMLElement

let leave: Array<() => void> = []
let generation = 0

const announce = (message: string) => {
  // Cleared first so that the same message said twice is still read out.
  status.textContent = ''
  window.setTimeout(() => {
    status.textContent = message
  }, 50)
}

const parseHash = () => {
  const [pathPart = '', queryPart = ''] = location.hash.replace(/^#\/?/, '').split('?')
  const segments = pathPart
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      try {
        return decodeURIComponent(segment)
      } catch {
        return segment
      }
    })
  return { section: segments[0] ?? '', params: segments.slice(1), query: new URLSearchParams(queryPart) }
}

const makeContext = (params: string[], query: URLSearchParams): ViewContext => {
  const mine = ++generation
  const active = () => mine === generation
  return {
    root,
    params,
    query,
    active,
    announce,
    navigate: (hash) => {
      location.hash = hash
    },
    onLeave: (cleanup) => {
      leave.push(cleanup)
    },
    poll: (refresh, ms = 2000) => {
      let running: Promise<void> | undefined
      let queued: Promise<void> | undefined
      let stopped = false
      // A timer tick skips while a refresh runs; an explicit `now` (new filters) runs again once it ends.
      const tick = (explicit: boolean): Promise<void> => {
        if (stopped || !active() || (!explicit && document.hidden)) return running ?? Promise.resolve()
        if (running) {
          if (explicit)
            queued ??= running.then(() => {
              queued = undefined
              return tick(true)
            })
          return queued ?? running
        }
        running = refresh().finally(() => {
          running = undefined
        })
        return running
      }
      const timer = window.setInterval(() => void tick(false), ms)
      const stop = () => {
        stopped = true
        window.clearInterval(timer)
      }
      leave.push(stop)
      void tick(true)
      return { now: () => tick(true), stop }
    },
  }
}

const render = async () => {
  for (const cleanup of leave) cleanup()
  leave = []
  const { section, params, query } = parseHash()
  const entry = sections[section]
  if (!entry) {
    location.replace('#/executions')
    return
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (link.getAttribute('href') === `#/${section}`) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  const view = params.length > 0 && entry.item ? entry.item : entry.list
  const context = makeContext(params, query)
  root.replaceChildren()
  try {
    await view(context)
  } catch (error) {
    if (context.active()) replaceChildren(root, errorBox(error))
  }
}

const focusHeading = () => {
  const title = root.querySelector('h1')
  if (title instanceof HTMLElement) title.focus({ preventScroll: false })
}

window.addEventListener('hashchange', () => void render().then(focusHeading))

void render()
void api<{ target: string }>('/workflows')
  .then(({ target }) => {
    const badge = document.getElementById('target')
    if (badge) badge.textContent = target === 'aws' ? 'AWS' : 'Local'
  })
  .catch(() => undefined)
