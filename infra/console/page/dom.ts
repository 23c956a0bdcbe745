type Child = Node | string | number | null | undefined | false
type Children = ReadonlyArray<Child | ReadonlyArray<Child>>
type AttributeValue = string | number | boolean | null | undefined
type Attributes = Record<string, AttributeValue | ((event: never) => void)>

const append = (parent: Node, children: Children) => {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    )
  }
}

const applyAttributes = (element: Element, attributes: Attributes) => {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value as EventListener)
    else if (value === true) element.setAttribute(name, '')
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value))
  }
}

/** Creates an HTML element; attributes named `onX` are listeners, `true` sets a boolean attribute, `false`/nullish omit it. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Children
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag)
  applyAttributes(element, attributes)
  append(element, children)
  return element
}

const SvgNamespace = 'http://www.w3.org/2000/svg'

export const s = <K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Children
): SVGElementTagNameMap[K] => {
  const element = document.createElementNS(SvgNamespace, tag)
  applyAttributes(element, attributes)
  append(element, children)
  return element
}

export const replaceChildren = (parent: Element, ...children: Children) => {
  parent.replaceChildren()
  append(parent, children)
}

/** Pretty JSON in a `pre`, or a dash for nothing. */
export const jsonBlock = (value: unknown, label?: string) =>
  value === undefined
    ? h('p', { class: 'muted' }, '—')
    : h(
        'pre',
        { class: 'json', tabindex: 0, ...(label ? { 'aria-label': label } : {}) },
        JSON.stringify(value, null, 2),
      )

/**
 * A cause is often a Lambda error as JSON (`errorType`, `errorMessage`, `trace`): its message is what people read
 * first, so it is shown as text and the whole document, trace included, stays one click away.
 */
export const causeBlock = (cause: string | undefined) => {
  if (cause === undefined || cause === '') return h('p', { class: 'muted' }, '—')
  let parsed: unknown
  try {
    parsed = JSON.parse(cause)
  } catch {
    return h('pre', { class: 'json' }, cause)
  }
  if (parsed === null || typeof parsed !== 'object') return h('pre', { class: 'json' }, cause)
  const { errorType, errorMessage } = parsed as { errorType?: unknown; errorMessage?: unknown }
  if (typeof errorMessage !== 'string') return jsonBlock(parsed)
  return h(
    'div',
    { class: 'cause' },
    h(
      'p',
      { class: 'cause-message' },
      typeof errorType === 'string' ? h('code', {}, errorType) : null,
      typeof errorType === 'string' ? ': ' : null,
      errorMessage,
    ),
    h('details', {}, h('summary', {}, 'Full cause'), jsonBlock(parsed)),
  )
}

export const statusBadge = (status: string) =>
  h('span', { class: `badge status-${status.toLowerCase().replace(/_/g, '-')}` }, status)
