import { ApiError } from './api'
import { h } from './dom'

/** What a view gets from the shell: where to draw, its route, and timers that stop when the user leaves. */
export interface ViewContext {
  readonly root: HTMLElement
  /** Path segments after the section, percent-decoded (`#/executions/abc` gives `['abc']`). */
  readonly params: ReadonlyArray<string>
  readonly query: URLSearchParams
  /** False once the user has moved to another view: late answers must not draw anything. */
  readonly active: () => boolean
  /** Runs `refresh` now and every `ms` while the view is shown and the tab visible, never two at once. */
  readonly poll: (
    refresh: () => Promise<void>,
    ms?: number,
  ) => { readonly now: () => Promise<void>; readonly stop: () => void }
  readonly onLeave: (cleanup: () => void) => void
  /** Says a status change to screen readers (and shows nothing else). */
  readonly announce: (message: string) => void
  readonly navigate: (hash: string) => void
}

export type View = (context: ViewContext) => void | Promise<void>

/** The API's error and message, as a block people notice. */
export const errorBox = (error: unknown): HTMLElement => {
  const apiError = error instanceof ApiError ? error : undefined
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('strong', {}, apiError ? apiError.code : 'Error'),
    ' ',
    apiError?.status ? h('span', { class: 'muted' }, `(HTTP ${apiError.status}) `) : null,
    h('span', { class: 'error-message' }, error instanceof Error ? error.message : String(error)),
  )
}

/** A slot that shows one error at a time, or nothing. */
export const errorSlot = () => {
  const element = h('div', { class: 'error-slot' })
  return {
    element,
    show: (error: unknown) => element.replaceChildren(errorBox(error)),
    clear: () => element.replaceChildren(),
  }
}

export const heading = (text: string, ...extra: Array<Node | string>) => h('h1', { tabindex: -1 }, text, ...extra)
