import { compileRule, type Predicate } from './choice'
import { compileJsonataField, jsonataExpression, type JsonataEnv, type JsonataField } from './jsonata-fields'
import { compilePath } from './json-path'
import {
  compileDynamic,
  compileReference,
  compileTemplate,
  evaluateDynamic,
  type DataEnv,
  type Dynamic,
  type Reference,
  type Template,
} from './references'
import type { StateDefinition, StateMachineDefinition } from './types'

/**
 * A definition's states compiled for running: paths, templates, rules and JSONata expressions are parsed once per
 * state object (cached), never per execution or per visit.
 */
export type QueryLanguage = 'JSONPath' | 'JSONata'

/** The variables an Assign sets, computed from the state's data (JSONPath) or `$states` (JSONata). */
export type Assigner =
  { readonly jsonata: false; readonly template: Template } | { readonly jsonata: true; readonly field: JsonataField }

export interface CompiledRetrier {
  readonly errorEquals: ReadonlyArray<string>
  readonly intervalSeconds: number
  readonly maxAttempts: number
  readonly backoffRate: number
  readonly maxDelaySeconds: number | undefined
  readonly jitter: boolean
}

export interface CompiledCatcher {
  readonly errorEquals: ReadonlyArray<string>
  readonly next: string
  /** JSONPath: where the error output goes in the state's input; null discards it. */
  readonly resultPath: ReadonlyArray<string | number> | null
  readonly output: JsonataField | undefined
  readonly assign: Assigner | undefined
}

export interface CompiledChoice {
  readonly test: Predicate | undefined
  readonly condition: JsonataField | undefined
  readonly conditionText: string | undefined
  readonly next: string
  readonly output: JsonataField | undefined
  readonly assign: Assigner | undefined
}

/** A JSONPath number-or-path field (TimeoutSeconds / TimeoutSecondsPath), or a JSONata one. */
export type NumberSource =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'path'; readonly field: string; readonly reference: Reference }
  | { readonly kind: 'jsonata'; readonly field: string; readonly text: string; readonly evaluate: JsonataField }

export interface CompiledMachine {
  readonly startAt: string
  readonly states: Readonly<Record<string, StateDefinition>>
  readonly language: QueryLanguage
}

export interface CompiledState {
  readonly name: string
  readonly type: string
  /** `PassStateEntered`, `PassStateExited`: the state's event types. */
  readonly enteredEvent: string
  readonly exitedEvent: string
  readonly definition: StateDefinition
  readonly jsonata: boolean
  readonly next: string | undefined
  readonly inputPath: Reference | null | undefined
  readonly outputPath: Reference | null | undefined
  readonly parameters: Template | undefined
  readonly resultSelector: Template | undefined
  readonly resultPath: ReadonlyArray<string | number> | null
  readonly resultPathText: string
  readonly arguments: JsonataField | undefined
  readonly output: JsonataField | undefined
  readonly assign: Assigner | undefined
  readonly retry: ReadonlyArray<CompiledRetrier>
  readonly catch: ReadonlyArray<CompiledCatcher>
  /** Pass */
  readonly result: { readonly value: unknown } | undefined
  /** Choice */
  readonly choices: ReadonlyArray<CompiledChoice>
  readonly default: string | undefined
  /** Wait */
  readonly seconds: NumberSource | undefined
  readonly timestamp:
    | { readonly kind: 'value'; readonly value: string }
    | { readonly kind: 'path'; readonly reference: Reference }
    | { readonly kind: 'jsonata'; readonly text: string; readonly evaluate: JsonataField }
    | undefined
  /** Fail */
  readonly error: StringSource | undefined
  readonly cause: StringSource | undefined
  /** Task */
  readonly resource: string | undefined
  /** A `.waitForTaskToken` task: its context carries a task token. */
  readonly callback: boolean
  readonly timeoutSeconds: NumberSource | undefined
  readonly heartbeatSeconds: NumberSource | undefined
  /** Map */
  readonly itemsPath: Reference | undefined
  readonly items: JsonataField | undefined
  readonly itemsText: string | undefined
  readonly itemSelector: Template | undefined
  readonly itemSelectorJsonata: JsonataField | undefined
  readonly maxConcurrency: NumberSource | undefined
  /** A Distributed Map: each item runs as a child execution of a Map Run. */
  readonly distributed: boolean
  readonly label: string | undefined
  readonly toleratedFailurePercentage: NumberSource | undefined
  readonly toleratedFailureCount: NumberSource | undefined
  readonly itemBatcher:
    | {
        readonly maxItems: NumberSource | undefined
        readonly maxBytes: NumberSource | undefined
        readonly batchInput: Template | JsonataField | undefined
      }
    | undefined
  readonly processor: CompiledMachine | undefined
  /** Parallel */
  readonly branches: ReadonlyArray<CompiledMachine>
}

/** A Fail state's Error or Cause: a constant, a path or intrinsic (ErrorPath/CausePath), or JSONata. */
export type StringSource =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'dynamic'; readonly field: string; readonly dynamic: Dynamic }
  | { readonly kind: 'jsonata'; readonly evaluate: JsonataField }

const cache = new WeakMap<StateDefinition, CompiledState>()

/** A nested machine (Parallel branch, Map ItemProcessor) inherits the language of the machine around it. */
export const compileMachine = (definition: StateMachineDefinition, inherited: QueryLanguage): CompiledMachine => ({
  startAt: definition.StartAt,
  states: definition.States,
  language: definition.QueryLanguage ?? inherited,
})

const resultPathKeys = (value: unknown): ReadonlyArray<string | number> | null => {
  if (value === null) return null
  const path = compilePath(typeof value === 'string' ? value : '$')
  return path.names ?? []
}

const referenceOrNull = (value: unknown): Reference | null | undefined =>
  value === null ? null : typeof value === 'string' ? compileReference(value) : undefined

const compileAssign = (value: unknown, jsonata: boolean): Assigner | undefined => {
  if (value === undefined) return undefined
  return jsonata
    ? { jsonata: true, field: compileJsonataField(value, 'Assign') }
    : { jsonata: false, template: compileTemplate(value) }
}

const numberSource = (state: StateDefinition, field: string, jsonata: boolean): NumberSource | undefined => {
  const value = state[field]
  if (typeof value === 'number') return { kind: 'value', value }
  if (jsonata && typeof value === 'string') {
    const text = jsonataExpression(value)
    if (text !== undefined) return { kind: 'jsonata', field, text, evaluate: compileJsonataField(value, field) }
  }
  const path = state[`${field}Path`]
  if (typeof path === 'string') return { kind: 'path', field: `${field}Path`, reference: compileReference(path) }
  return undefined
}

const stringSource = (state: StateDefinition, field: string, jsonata: boolean): StringSource | undefined => {
  const value = state[field]
  if (typeof value === 'string') {
    if (jsonata && jsonataExpression(value) !== undefined)
      return { kind: 'jsonata', evaluate: compileJsonataField(value, field) }
    return { kind: 'value', value }
  }
  const path = state[`${field}Path`]
  if (typeof path === 'string') return { kind: 'dynamic', field: `${field}Path`, dynamic: compileDynamic(path) }
  return undefined
}

/** Evaluates a StringSource of a JSONPath Fail state. */
export const evaluateStringSource = (source: StringSource, env: DataEnv): unknown =>
  source.kind === 'value'
    ? source.value
    : source.kind === 'dynamic'
      ? evaluateDynamic(source.dynamic, source.field, env)
      : undefined

const isDistributed = (processor: StateMachineDefinition | undefined): boolean => {
  const config = (processor as { ProcessorConfig?: { Mode?: unknown } } | undefined)?.ProcessorConfig
  return config?.Mode === 'DISTRIBUTED'
}

const compileItemBatcher = (value: unknown, jsonata: boolean): CompiledState['itemBatcher'] => {
  if (typeof value !== 'object' || value === null) return undefined
  const batcher = value as StateDefinition
  return {
    maxItems: numberSource(batcher, 'MaxItemsPerBatch', jsonata),
    maxBytes: numberSource(batcher, 'MaxInputBytesPerBatch', jsonata),
    batchInput:
      batcher.BatchInput === undefined
        ? undefined
        : jsonata
          ? compileJsonataField(batcher.BatchInput, 'ItemBatcher/BatchInput')
          : compileTemplate(batcher.BatchInput),
  }
}

/** Compiles (once) the state `name` of `machine`. */
export const compileState = (machine: CompiledMachine, name: string): CompiledState => {
  const definition = machine.states[name] as StateDefinition
  const cached = cache.get(definition)
  if (cached) return cached
  const language = (definition.QueryLanguage as QueryLanguage | undefined) ?? machine.language
  const jsonata = language === 'JSONata'
  const field = (key: string) =>
    jsonata && definition[key] !== undefined ? compileJsonataField(definition[key], key) : undefined
  const template = (key: string) =>
    !jsonata && definition[key] !== undefined ? compileTemplate(definition[key]) : undefined
  const processorDefinition = (definition.ItemProcessor ?? definition.Iterator) as StateMachineDefinition | undefined
  const itemsValue = definition.Items
  const compiled: CompiledState = {
    name,
    type: definition.Type,
    enteredEvent: `${definition.Type}StateEntered`,
    exitedEvent: `${definition.Type}StateExited`,
    definition,
    jsonata,
    next: typeof definition.Next === 'string' ? definition.Next : undefined,
    inputPath: jsonata ? undefined : referenceOrNull(definition.InputPath),
    outputPath: jsonata ? undefined : referenceOrNull(definition.OutputPath),
    parameters: template('Parameters'),
    resultSelector: template('ResultSelector'),
    resultPath: jsonata ? [] : resultPathKeys(definition.ResultPath),
    resultPathText: typeof definition.ResultPath === 'string' ? definition.ResultPath : '$',
    arguments: field('Arguments'),
    output: field('Output'),
    assign: compileAssign(definition.Assign, jsonata),
    retry: ((definition.Retry as Array<Record<string, unknown>> | undefined) ?? []).map((retrier) => ({
      errorEquals: retrier.ErrorEquals as string[],
      intervalSeconds: (retrier.IntervalSeconds as number | undefined) ?? 1,
      maxAttempts: (retrier.MaxAttempts as number | undefined) ?? 3,
      backoffRate: (retrier.BackoffRate as number | undefined) ?? 2,
      maxDelaySeconds: retrier.MaxDelaySeconds as number | undefined,
      jitter: retrier.JitterStrategy === 'FULL',
    })),
    catch: ((definition.Catch as Array<Record<string, unknown>> | undefined) ?? []).map((catcher) => ({
      errorEquals: catcher.ErrorEquals as string[],
      next: catcher.Next as string,
      resultPath: jsonata ? [] : resultPathKeys(catcher.ResultPath),
      output: jsonata && catcher.Output !== undefined ? compileJsonataField(catcher.Output, 'Output') : undefined,
      assign: compileAssign(catcher.Assign, jsonata),
    })),
    result: 'Result' in definition && !jsonata ? { value: definition.Result } : undefined,
    choices: ((definition.Choices as Array<Record<string, unknown>> | undefined) ?? []).map((rule) => {
      const conditionText = jsonata ? jsonataExpression(rule.Condition) : undefined
      return {
        test: jsonata ? undefined : compileRule(rule),
        condition:
          jsonata && rule.Condition !== undefined ? compileJsonataField(rule.Condition, 'Condition') : undefined,
        conditionText: conditionText ?? (jsonata ? JSON.stringify(rule.Condition) : undefined),
        next: rule.Next as string,
        output: jsonata && rule.Output !== undefined ? compileJsonataField(rule.Output, 'Output') : undefined,
        assign: compileAssign(rule.Assign, jsonata),
      }
    }),
    default: typeof definition.Default === 'string' ? definition.Default : undefined,
    seconds: definition.Type === 'Wait' ? numberSource(definition, 'Seconds', jsonata) : undefined,
    timestamp:
      definition.Type !== 'Wait'
        ? undefined
        : typeof definition.Timestamp === 'string'
          ? jsonata && jsonataExpression(definition.Timestamp) !== undefined
            ? {
                kind: 'jsonata',
                text: jsonataExpression(definition.Timestamp) as string,
                evaluate: compileJsonataField(definition.Timestamp, 'Timestamp'),
              }
            : { kind: 'value', value: definition.Timestamp }
          : typeof definition.TimestampPath === 'string'
            ? { kind: 'path', reference: compileReference(definition.TimestampPath) }
            : undefined,
    error: definition.Type === 'Fail' ? stringSource(definition, 'Error', jsonata) : undefined,
    cause: definition.Type === 'Fail' ? stringSource(definition, 'Cause', jsonata) : undefined,
    resource: typeof definition.Resource === 'string' ? definition.Resource : undefined,
    callback: typeof definition.Resource === 'string' && definition.Resource.endsWith('.waitForTaskToken'),
    timeoutSeconds: definition.Type === 'Task' ? numberSource(definition, 'TimeoutSeconds', jsonata) : undefined,
    heartbeatSeconds: definition.Type === 'Task' ? numberSource(definition, 'HeartbeatSeconds', jsonata) : undefined,
    itemsPath:
      definition.Type === 'Map' && !jsonata
        ? compileReference((definition.ItemsPath as string | undefined) ?? '$')
        : undefined,
    items: jsonata && itemsValue !== undefined ? compileJsonataField(itemsValue, 'Items') : undefined,
    itemsText: jsonataExpression(itemsValue),
    itemSelector: !jsonata
      ? (template('ItemSelector') ?? (definition.Type === 'Map' ? template('Parameters') : undefined))
      : undefined,
    itemSelectorJsonata: field('ItemSelector'),
    maxConcurrency: definition.Type === 'Map' ? numberSource(definition, 'MaxConcurrency', jsonata) : undefined,
    distributed: isDistributed(processorDefinition),
    label: typeof definition.Label === 'string' ? definition.Label : undefined,
    toleratedFailurePercentage:
      definition.Type === 'Map' ? numberSource(definition, 'ToleratedFailurePercentage', jsonata) : undefined,
    toleratedFailureCount:
      definition.Type === 'Map' ? numberSource(definition, 'ToleratedFailureCount', jsonata) : undefined,
    itemBatcher: compileItemBatcher(definition.ItemBatcher, jsonata),
    processor: processorDefinition ? compileMachine(processorDefinition, language) : undefined,
    branches: ((definition.Branches as StateMachineDefinition[] | undefined) ?? []).map((branch) =>
      compileMachine(branch, language),
    ),
  }
  cache.set(definition, compiled)
  return compiled
}

export type { JsonataEnv }
