import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api'
import type { StateDetail, StateOutcome } from '../port'
import { s } from './dom'

interface AslMachine {
  readonly StartAt?: string
  readonly States?: Readonly<Record<string, AslState>>
}

interface AslState {
  readonly Type?: string
  readonly Next?: string
  readonly End?: boolean
  readonly Default?: string
  readonly Choices?: ReadonlyArray<{ readonly Next?: string }>
  readonly Catch?: ReadonlyArray<{ readonly ErrorEquals?: ReadonlyArray<string>; readonly Next?: string }>
  readonly Retry?: ReadonlyArray<{ readonly ErrorEquals?: ReadonlyArray<string>; readonly MaxAttempts?: number }>
  readonly Branches?: ReadonlyArray<AslMachine>
  readonly ItemProcessor?: AslMachine
  readonly Iterator?: AslMachine
}

type EdgeKind = 'next' | 'choice' | 'default' | 'catch' | 'start' | 'end'

/** What the drawing needs to know about each element beyond ELK's geometry. */
interface Meta {
  readonly states: Map<string, { readonly type: string; readonly retry?: string; readonly compound: boolean }>
  readonly edges: Map<string, { readonly kind: EdgeKind; readonly title: string }>
}

export const Outcomes: ReadonlyArray<{ readonly outcome: StateOutcome; readonly label: string }> = [
  { outcome: 'succeeded', label: 'Succeeded' },
  { outcome: 'failed', label: 'Failed' },
  { outcome: 'caught', label: 'Caught' },
  { outcome: 'retried', label: 'Retried' },
  { outcome: 'running', label: 'In progress' },
  { outcome: 'not-reached', label: 'Not reached' },
]

const StartId = '(start)'
const EndId = '(end)'
const StateHeight = 34
const CompoundPadding = '[top=36,left=14,bottom=14,right=14]'
const LevelOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '34',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  // States keep the order the definition gives them where the layout allows: Parallel branches left to right.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
}

/** Wide enough for the name in the page's 13px font, with room for the retry badge. */
const stateWidth = (name: string) => Math.max(110, Math.round(name.length * 7.6) + 44)

const retryText = (state: AslState) =>
  state.Retry?.map((retry) => `${(retry.ErrorEquals ?? []).join(', ')} up to ${retry.MaxAttempts ?? 3} times`).join(
    '; ',
  )

/** The ASL as an ELK graph: one level per States block, Map and Parallel states as compound nodes holding theirs. */
export const toElkGraph = (definition: unknown): { readonly graph: ElkNode; readonly meta: Meta } => {
  const meta: Meta = { states: new Map(), edges: new Map() }
  let edgeCount = 0
  const edge = (
    edges: ElkExtendedEdge[],
    source: string,
    target: string | undefined,
    kind: EdgeKind,
    title: string,
  ) => {
    if (!target) return
    if (
      edges.some(
        (existing) =>
          existing.sources[0] === source &&
          existing.targets[0] === target &&
          meta.edges.get(existing.id)?.kind === kind,
      )
    )
      return
    const id = `e${edgeCount++}`
    meta.edges.set(id, { kind, title })
    edges.push({ id, sources: [source], targets: [target] })
  }

  const level = (machine: AslMachine, topLevel: boolean): Pick<ElkNode, 'children' | 'edges'> => {
    const children: ElkNode[] = []
    const edges: ElkExtendedEdge[] = []
    if (topLevel) {
      children.push({ id: StartId, width: 56, height: 26 })
      edge(edges, StartId, machine.StartAt, 'start', 'Start')
    }
    for (const [name, state] of Object.entries(machine.States ?? {})) {
      const type = state.Type ?? 'Task'
      const inner = type === 'Map' ? (state.ItemProcessor ?? state.Iterator) : undefined
      const retry = retryText(state)
      meta.states.set(name, { type, compound: inner !== undefined || type === 'Parallel', ...(retry ? { retry } : {}) })
      const label = [{ text: name, width: stateWidth(name) - 28, height: 16 }]
      // A compound node is sized by its children; the minimum keeps its name and type readable above them.
      const compoundSize = {
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${stateWidth(name) + type.length * 7 + 20}, 60)`,
      }
      if (inner) {
        children.push({
          id: name,
          labels: label,
          layoutOptions: { ...LevelOptions, ...compoundSize, 'elk.padding': CompoundPadding },
          ...level(inner, false),
        })
      } else if (type === 'Parallel') {
        // Branches share no edge, so as one layer (not separate components) they stand side by side, as they run.
        const branches = (state.Branches ?? []).map((branch, index) => ({
          id: `${name}/branch ${index + 1}`,
          layoutOptions: { ...LevelOptions, 'elk.padding': '[top=12,left=10,bottom=10,right=10]' },
          ...level(branch, false),
        }))
        children.push({
          id: name,
          labels: label,
          layoutOptions: {
            ...LevelOptions,
            ...compoundSize,
            'elk.separateConnectedComponents': 'false',
            'elk.padding': CompoundPadding,
          },
          children: branches,
        })
      } else {
        children.push({ id: name, width: stateWidth(name), height: StateHeight })
      }
      edge(edges, name, state.Next, 'next', 'Next')
      for (const choice of state.Choices ?? []) edge(edges, name, choice.Next, 'choice', 'Choice rule')
      edge(edges, name, state.Default, 'default', 'Default')
      for (const handler of state.Catch ?? [])
        edge(edges, name, handler.Next, 'catch', `Catch ${(handler.ErrorEquals ?? []).join(', ')}`)
      if (topLevel && (state.End || type === 'Succeed' || type === 'Fail')) edge(edges, name, EndId, 'end', 'End')
    }
    if (topLevel) children.push({ id: EndId, width: 56, height: 26 })
    return { children, edges }
  }

  return {
    graph: {
      id: '(root)',
      layoutOptions: { ...LevelOptions, 'elk.padding': '[top=12,left=12,bottom=12,right=12]' },
      ...level(definition as AslMachine, true),
    },
    meta,
  }
}

let elk: Promise<{ layout: (graph: ElkNode) => Promise<ElkNode> }> | undefined
/** ELK is large, so it is loaded only when a graph is first drawn. */
const layoutEngine = () => {
  elk ??= import('elkjs/lib/elk.bundled.js').then((module) => {
    const Elk = (module as unknown as { default: new () => { layout: (graph: ElkNode) => Promise<ElkNode> } }).default
    return new Elk()
  })
  return elk
}

export interface StateGraph {
  readonly svg: SVGSVGElement
  /** Colours each state by what happened to it; states the execution does not mention are not reached. */
  readonly paint: (states: ReadonlyArray<StateDetail>) => void
  readonly focusState: (name: string) => void
  /** Marks the state whose details are open, or none. */
  readonly select: (name: string | undefined) => void
}

const pathOf = (edge: ElkExtendedEdge) =>
  (edge.sections ?? [])
    .map((section) =>
      [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]
        .map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x},${point.y}`)
        .join(' '),
    )
    .join(' ')

/** Lays the definition out and draws it as SVG; `onSelect` runs when a state is clicked or activated from the keyboard. */
export const drawStateGraph = async (definition: unknown, onSelect: (name: string) => void): Promise<StateGraph> => {
  const { graph, meta } = toElkGraph(definition)
  const laidOut = await (await layoutEngine()).layout(graph)
  const groups = new Map<string, SVGGElement>()

  const drawEdges = (container: ElkNode, into: SVGGElement) => {
    for (const edge of container.edges ?? []) {
      const info = meta.edges.get(edge.id)
      const kind = info?.kind ?? 'next'
      into.append(
        s(
          'path',
          {
            class: `edge edge-${kind}`,
            d: pathOf(edge),
            'marker-end': kind === 'catch' ? 'url(#arrow-catch)' : 'url(#arrow)',
          },
          s('title', {}, `${edge.sources[0]} → ${edge.targets[0]}: ${info?.title ?? ''}`),
        ),
      )
    }
  }

  const drawChildren = (container: ElkNode, into: SVGGElement) => {
    drawEdges(container, into)
    for (const node of container.children ?? []) {
      const width = node.width ?? 0
      const height = node.height ?? 0
      const at = `translate(${node.x ?? 0},${node.y ?? 0})`
      if (node.id === StartId || node.id === EndId) {
        into.append(
          s(
            'g',
            { transform: at, class: 'terminal', 'aria-hidden': 'true' },
            s('rect', { width, height, rx: height / 2 }),
            s(
              'text',
              { x: width / 2, y: height / 2 + 4, 'text-anchor': 'middle' },
              node.id === StartId ? 'Start' : 'End',
            ),
          ),
        )
        continue
      }
      const state = meta.states.get(node.id)
      if (!state) {
        // A Parallel branch: a frame around its states, not a state itself.
        const branch = s('g', { transform: at, class: 'branch' }, s('rect', { width, height, rx: 6 }))
        drawChildren(node, branch)
        into.append(branch)
        continue
      }
      const group = s(
        'g',
        {
          transform: at,
          class: `state${state.compound ? ' compound' : ''} outcome-not-reached`,
          tabindex: 0,
          role: 'button',
          'data-state': node.id,
          'data-type': state.type,
          'aria-label': `${node.id}, ${state.type}`,
          'aria-expanded': 'false',
          'aria-controls': 'state-panel',
          onclick: () => onSelect(node.id),
          onkeydown: (event: KeyboardEvent) => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault()
              onSelect(node.id)
            }
          },
        },
        s('title', {}, `${node.id} (${state.type})`),
        s('rect', { class: 'box', width, height, rx: state.compound ? 8 : 5 }),
        s(
          'text',
          state.compound
            ? { class: 'label', x: 12, y: 22 }
            : { class: 'label', x: width / 2, y: height / 2 + 4.5, 'text-anchor': 'middle' },
          node.id,
        ),
        state.compound ? s('text', { class: 'kind', x: width - 10, y: 22, 'text-anchor': 'end' }, state.type) : null,
        state.retry
          ? s(
              'g',
              { class: 'retry-badge', transform: `translate(${width - 9},${-7})` },
              s('title', {}, `Retry: ${state.retry}`),
              s('circle', { r: 9 }),
              s('text', { class: 'retry-count', 'text-anchor': 'middle', y: 4 }, '↻'),
            )
          : null,
      )
      groups.set(node.id, group)
      into.append(group)
      if (state.compound) drawChildren(node, group)
    }
  }

  const width = Math.ceil(laidOut.width ?? 0)
  const height = Math.ceil(laidOut.height ?? 0)
  const arrow = (id: string) =>
    s(
      'marker',
      { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z' }),
    )
  const root = s('g')
  drawChildren(laidOut, root)
  const svg = s(
    'svg',
    {
      class: 'state-graph',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'group',
      'aria-label': 'State machine graph: each state is a button that opens its details',
    },
    s('defs', {}, arrow('arrow'), arrow('arrow-catch')),
    root,
  )

  return {
    svg,
    paint: (states) => {
      const byName = new Map(states.map((state) => [state.name, state]))
      for (const [name, group] of groups) {
        const detail = byName.get(name)
        const outcome = detail?.outcome ?? 'not-reached'
        const state = meta.states.get(name)!
        group.classList.remove(...[...group.classList].filter((name) => name.startsWith('outcome-')))
        group.classList.add(`outcome-${outcome}`)
        group.dataset.outcome = outcome
        const attempts = detail?.attempts.length ?? 0
        const label = Outcomes.find((entry) => entry.outcome === outcome)?.label ?? outcome
        // A Map's inner state runs once per item; only attempts beyond its runs are retries.
        const retried = detail ? attempts > detail.runs : false
        group.setAttribute(
          'aria-label',
          `${name}, ${state.type}, ${label}${retried ? `, ${attempts} attempts` : ''}${detail && detail.runs > 1 ? `, ${detail.runs} runs` : ''}`,
        )
        const count = group.querySelector(':scope > .retry-badge .retry-count')
        if (count) count.textContent = retried ? String(attempts) : '↻'
      }
    },
    focusState: (name) => groups.get(name)?.focus(),
    select: (name) => {
      for (const [stateName, group] of groups) {
        group.classList.toggle('selected', stateName === name)
        group.setAttribute('aria-expanded', String(stateName === name))
      }
    },
  }
}
