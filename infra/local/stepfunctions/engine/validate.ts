import { TypeTests, allOperators, ComparisonOperators, parseTimestamp } from './choice'
import { InvalidIntrinsic, isIntrinsic, parseIntrinsic } from './intrinsics'
import { InvalidJsonata, compileExpression, jsonataExpression } from './jsonata-fields'
import { InvalidJsonPath, compilePath } from './json-path'
import type { StateMachineDefinition } from './types'

/**
 * Definition validation as ValidateStateMachineDefinition and CreateStateMachine report it
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html).
 * Where AWS's wording is not published, the message is this engine's own, in AWS's style ("The field 'X' ...").
 */
export interface Diagnostic {
  readonly severity: 'ERROR'
  readonly code: string
  readonly message: string
  readonly location?: string
}

/** CreateStateMachine's InvalidDefinition: every diagnostic, the first in the message as AWS words it. */
export class InvalidDefinition extends Error {
  override readonly name = 'InvalidDefinition'
  constructor(readonly diagnostics: ReadonlyArray<Diagnostic>) {
    const first = diagnostics[0]
    super(
      first
        ? `Invalid State Machine Definition: '${first.code}: ${first.message}${first.location ? ` at ${first.location}` : ''}'`
        : 'Invalid State Machine Definition',
    )
  }
}

/** In the order AWS lists them in its message (observed on AWS). */
const StateTypes = ['Task', 'Wait', 'Pass', 'Succeed', 'Fail', 'Choice', 'Parallel', 'Map'] as const

const common = ['Type', 'Comment', 'QueryLanguage']
const jsonPathIo = ['InputPath', 'OutputPath']
const transition = ['Next', 'End']

/** The fields each state type takes, per query language (https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html). */
const fieldsByType: Readonly<
  Record<string, { readonly jsonPath: readonly string[]; readonly jsonata: readonly string[] }>
> = {
  Pass: {
    jsonPath: [...common, ...jsonPathIo, ...transition, 'Parameters', 'Result', 'ResultPath', 'Assign'],
    jsonata: [...common, ...transition, 'Output', 'Assign'],
  },
  Task: {
    jsonPath: [
      ...common,
      ...jsonPathIo,
      ...transition,
      'Resource',
      'Parameters',
      'ResultSelector',
      'ResultPath',
      'Retry',
      'Catch',
      'TimeoutSeconds',
      'TimeoutSecondsPath',
      'HeartbeatSeconds',
      'HeartbeatSecondsPath',
      'Credentials',
      'Assign',
    ],
    jsonata: [
      ...common,
      ...transition,
      'Resource',
      'Arguments',
      'Output',
      'Retry',
      'Catch',
      'TimeoutSeconds',
      'HeartbeatSeconds',
      'Credentials',
      'Assign',
    ],
  },
  Choice: {
    jsonPath: [...common, ...jsonPathIo, 'Choices', 'Default', 'Assign'],
    jsonata: [...common, 'Choices', 'Default', 'Output', 'Assign'],
  },
  Wait: {
    jsonPath: [
      ...common,
      ...jsonPathIo,
      ...transition,
      'Seconds',
      'Timestamp',
      'SecondsPath',
      'TimestampPath',
      'Assign',
    ],
    jsonata: [...common, ...transition, 'Seconds', 'Timestamp', 'Output', 'Assign'],
  },
  Succeed: { jsonPath: [...common, ...jsonPathIo], jsonata: [...common, 'Output'] },
  Fail: { jsonPath: [...common, 'Error', 'ErrorPath', 'Cause', 'CausePath'], jsonata: [...common, 'Error', 'Cause'] },
  Parallel: {
    jsonPath: [
      ...common,
      ...jsonPathIo,
      ...transition,
      'Branches',
      'Parameters',
      'ResultSelector',
      'ResultPath',
      'Retry',
      'Catch',
      'Assign',
    ],
    jsonata: [...common, ...transition, 'Branches', 'Arguments', 'Output', 'Retry', 'Catch', 'Assign'],
  },
  Map: {
    jsonPath: [
      ...common,
      ...jsonPathIo,
      ...transition,
      'ItemProcessor',
      'Iterator',
      'ItemsPath',
      'ItemSelector',
      'Parameters',
      'ResultSelector',
      'ResultPath',
      'MaxConcurrency',
      'MaxConcurrencyPath',
      'Retry',
      'Catch',
      'Assign',
      'ItemReader',
      'ResultWriter',
      'ItemBatcher',
      'ToleratedFailurePercentage',
      'ToleratedFailureCount',
      'ToleratedFailurePercentagePath',
      'ToleratedFailureCountPath',
      'Label',
    ],
    jsonata: [
      ...common,
      ...transition,
      'ItemProcessor',
      'Iterator',
      'Items',
      'ItemSelector',
      'Output',
      'MaxConcurrency',
      'Retry',
      'Catch',
      'Assign',
      'ItemReader',
      'ResultWriter',
      'ItemBatcher',
      'ToleratedFailurePercentage',
      'ToleratedFailureCount',
      'Label',
    ],
  },
}

/** Fields of one query language only, for a message naming the language. */
const jsonPathOnly = new Set([
  'InputPath',
  'OutputPath',
  'Parameters',
  'Result',
  'ResultPath',
  'ResultSelector',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCountPath',
])
const jsonataOnly = new Set(['Arguments', 'Output', 'Items'])

/** Map fields that read or write S3, which this engine does not reach: refused rather than run differently. */
const s3Only = ['ItemReader', 'ResultWriter']

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isPositiveInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value > 0
const isNonNegativeInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/

class Validator {
  readonly diagnostics: Diagnostic[] = []
  private readonly stateNames = new Map<string, string>()

  constructor(private readonly express: boolean) {}

  error(message: string, location?: string, code = 'SCHEMA_VALIDATION_FAILED') {
    this.diagnostics.push({ severity: 'ERROR', code, message, ...(location === undefined ? {} : { location }) })
  }

  /** A path any JSONPath field takes: `$...`, `$$...` or a variable `$name...`. */
  path(value: unknown, location: string, field: string, options: { reference?: boolean; context?: boolean } = {}) {
    if (typeof value !== 'string') {
      this.error(`The value for the field '${field}' must be a STRING`, location)
      return
    }
    const text = value.startsWith('$$')
      ? options.context === false
        ? undefined
        : value.slice(1)
      : /^\$[A-Za-z_]/.test(value)
        ? `$${value.replace(/^\$[A-Za-z_][A-Za-z0-9_]*/, '')}`
        : value
    try {
      if (text === undefined) throw new InvalidJsonPath('no context object here')
      const path = compilePath(text)
      if (options.reference && !path.definite) throw new InvalidJsonPath('not a reference path')
    } catch (error) {
      if (!(error instanceof InvalidJsonPath)) throw error
      this.error(
        options.reference
          ? `The value for the field '${field}' must be a valid Reference Path`
          : `The value for the field '${field}' must be a valid JSONPath`,
        location,
      )
    }
  }

  /** Parameters / ResultSelector / ItemSelector / Assign in a JSONPath state: each `.$` value is a path or an intrinsic. */
  template(value: unknown, location: string) {
    if (Array.isArray(value)) {
      value.forEach((item) => this.template(item, location))
      return
    }
    if (!isObject(value)) return
    for (const [key, item] of Object.entries(value)) {
      if (key.endsWith('.$')) {
        if (typeof item !== 'string') {
          this.error(`The value for the field '${key}' must be a STRING that contains a JSONPath`, location)
          continue
        }
        if (isIntrinsic(item)) {
          try {
            parseIntrinsic(item)
          } catch (error) {
            if (!(error instanceof InvalidIntrinsic)) throw error
            this.error(
              `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call`,
              location,
            )
          }
          continue
        }
        if (!item.startsWith('$')) {
          this.error(
            `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call`,
            location,
          )
          continue
        }
        this.path(item, location, key)
        continue
      }
      this.template(item, location)
    }
  }

  /** Every `{% %}` string of a JSONata field must parse. */
  jsonata(value: unknown, location: string) {
    const text = jsonataExpression(value)
    if (text !== undefined) {
      try {
        compileExpression(text)
      } catch (error) {
        if (!(error instanceof InvalidJsonata)) throw error
        this.error(`The JSONata expression '${text}' is not valid: ${error.message}`, location)
      }
      return
    }
    if (Array.isArray(value)) value.forEach((item, index) => this.jsonata(item, `${location}/${index}`))
    else if (isObject(value)) for (const [key, item] of Object.entries(value)) this.jsonata(item, `${location}/${key}`)
  }

  assign(value: unknown, location: string, jsonata: boolean) {
    if (!isObject(value)) {
      this.error("The field 'Assign' must be an OBJECT", location)
      return
    }
    for (const key of Object.keys(value)) {
      const name = !jsonata && key.endsWith('.$') ? key.slice(0, -2) : key
      if (!variableName.test(name)) this.error(`The variable name '${name}' is not valid`, location)
      if (name === 'states') this.error("The variable name 'states' is reserved", location)
    }
    if (jsonata) this.jsonata(value, location)
    else this.template(value, location)
  }

  machine(definition: unknown, location: string, language: 'JSONPath' | 'JSONata', top: boolean) {
    if (!isObject(definition)) {
      this.error(
        top ? 'Definition must be a valid JSON object' : 'The branch must be an OBJECT',
        top ? undefined : location,
      )
      return
    }
    const required = ['States', 'StartAt'].filter((field) => definition[field] === undefined)
    if (required.length > 0) {
      this.error(`These fields are required: [${required.join(', ')}]`, location || '/')
      return
    }
    const allowed = top
      ? ['Comment', 'StartAt', 'States', 'TimeoutSeconds', 'Version', 'QueryLanguage']
      : ['Comment', 'StartAt', 'States', 'ProcessorConfig', 'QueryLanguage']
    for (const field of Object.keys(definition))
      if (!allowed.includes(field))
        this.error(`The field '${field}' is not supported by Step Functions`, location || '/')
    let own = language
    if (definition.QueryLanguage !== undefined) {
      if (definition.QueryLanguage !== 'JSONPath' && definition.QueryLanguage !== 'JSONata')
        this.error(
          "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
          `${location}/QueryLanguage`,
        )
      else if (!top)
        this.error("The field 'QueryLanguage' is not supported by Step Functions", `${location}/QueryLanguage`)
      else own = definition.QueryLanguage
    }
    if (top && definition.TimeoutSeconds !== undefined && !isPositiveInteger(definition.TimeoutSeconds))
      this.error("The field 'TimeoutSeconds' must be a positive integer", '/TimeoutSeconds')
    if (typeof definition.StartAt !== 'string') {
      this.error("The value for the field 'StartAt' must be a STRING", `${location}/StartAt`)
      return
    }
    if (!isObject(definition.States) || Object.keys(definition.States).length === 0) {
      this.error("The field 'States' must be a non-empty OBJECT", `${location}/States`)
      return
    }
    const states = definition.States
    if (!(definition.StartAt in states))
      this.error(`Missing 'Next' target: ${definition.StartAt}`, `${location}/StartAt`, 'MISSING_TRANSITION_TARGET')
    for (const [name, state] of Object.entries(states)) {
      const where = `${location}/States/${name}`
      const previous = this.stateNames.get(name)
      if (previous !== undefined) this.error(`Duplicate State name: ${name}`, where, 'DUPLICATE_STATE_NAME')
      else this.stateNames.set(name, where)
      if (name.length > 80) this.error('State names must be at most 80 characters long', where)
      this.state(name, state, where, own, states)
    }
    this.reachability(definition.StartAt, states, location)
  }

  private reachability(startAt: string, states: Record<string, unknown>, location: string) {
    const reached = new Set<string>()
    const pending = [startAt]
    let terminal = false
    while (pending.length > 0) {
      const name = pending.pop() as string
      if (reached.has(name) || !(name in states)) continue
      reached.add(name)
      const state = states[name]
      if (!isObject(state)) continue
      const targets: unknown[] = [state.Next, state.Default]
      if (Array.isArray(state.Choices)) for (const rule of state.Choices) if (isObject(rule)) targets.push(rule.Next)
      if (Array.isArray(state.Catch))
        for (const catcher of state.Catch) if (isObject(catcher)) targets.push(catcher.Next)
      if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail') terminal = true
      for (const target of targets) if (typeof target === 'string') pending.push(target)
    }
    for (const name of Object.keys(states))
      if (!reached.has(name))
        this.error(`State "${name}" is not reachable`, `${location}/States/${name}`, 'UNREACHABLE_STATE')
    if (!terminal) this.error('Workflow has no terminal state', location || '/', 'MISSING_END_STATE')
  }

  private next(target: unknown, location: string, states: Record<string, unknown>, field = 'Next') {
    if (typeof target !== 'string') {
      this.error(`The value for the field '${field}' must be a STRING`, location)
      return
    }
    if (!(target in states)) this.error(`Missing '${field}' target: ${target}`, location, 'MISSING_TRANSITION_TARGET')
  }

  private state(
    name: string,
    state: unknown,
    where: string,
    machineLanguage: 'JSONPath' | 'JSONata',
    states: Record<string, unknown>,
  ) {
    if (!isObject(state)) {
      this.error('The state must be an OBJECT', where)
      return
    }
    if (state.Type === undefined) {
      this.error('These fields are required: [Type]', where)
      return
    }
    const type = state.Type
    if (typeof type !== 'string' || !(StateTypes as readonly string[]).includes(type)) {
      this.error(`The field 'Type' should have one of these values: [${StateTypes.join(', ')}]`, `${where}/Type`)
      return
    }
    let language = machineLanguage
    if (state.QueryLanguage !== undefined) {
      if (state.QueryLanguage !== 'JSONPath' && state.QueryLanguage !== 'JSONata')
        this.error(
          "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
          `${where}/QueryLanguage`,
        )
      else if (machineLanguage === 'JSONata' && state.QueryLanguage === 'JSONPath')
        this.error("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", where)
      else language = state.QueryLanguage
    }
    const jsonata = language === 'JSONata'
    const fields = fieldsByType[type] as { jsonPath: readonly string[]; jsonata: readonly string[] }
    const allowed = jsonata ? fields.jsonata : fields.jsonPath
    for (const field of Object.keys(state)) {
      if (allowed.includes(field)) continue
      if (jsonata && jsonPathOnly.has(field))
        this.error(`The field '${field}' is not supported when the QueryLanguage is 'JSONata'`, `${where}/${field}`)
      else if (!jsonata && jsonataOnly.has(field))
        this.error(`The field '${field}' is supported only when the QueryLanguage is 'JSONata'`, `${where}/${field}`)
      else if (
        Object.values(fieldsByType).some((other) => other.jsonPath.includes(field) || other.jsonata.includes(field))
      )
        this.error(`The field '${field}' is not supported for a state of type '${type}'`, `${where}/${field}`)
      else this.error(`The field '${field}' is not supported by Step Functions`, `${where}/${field}`)
    }
    if (state.Comment !== undefined && typeof state.Comment !== 'string')
      this.error("The value for the field 'Comment' must be a STRING", `${where}/Comment`)

    const terminalType = type === 'Succeed' || type === 'Fail' || type === 'Choice'
    if (!terminalType) {
      if (state.Next !== undefined && state.End !== undefined)
        this.error('Only one of these fields is allowed: [Next, End]', where)
      else if (state.Next === undefined && state.End === undefined)
        this.error(`State "${name}" is not an end state and has no next state`, where, 'MISSING_TRANSITION_TARGET')
      if (state.End !== undefined && state.End !== true) this.error("The field 'End' must be true", `${where}/End`)
      if (state.Next !== undefined) this.next(state.Next, `${where}/Next`, states)
    }

    for (const field of ['InputPath', 'OutputPath'])
      if (!jsonata && state[field] !== undefined && state[field] !== null)
        this.path(state[field], `${where}/${field}`, field)
    if (!jsonata && state.ResultPath !== undefined && state.ResultPath !== null)
      this.path(state.ResultPath, `${where}/ResultPath`, 'ResultPath', { reference: true, context: false })
    for (const field of ['Parameters', 'ResultSelector', 'ItemSelector'])
      if (!jsonata && state[field] !== undefined) this.template(state[field], `${where}/${field}`)
    for (const field of ['Arguments', 'Output', 'Items', 'ItemSelector'])
      if (jsonata && state[field] !== undefined) this.jsonata(state[field], `${where}/${field}`)
    if (state.Assign !== undefined) this.assign(state.Assign, `${where}/Assign`, jsonata)

    if (state.Retry !== undefined) this.retriers(state.Retry, `${where}/Retry`)
    if (state.Catch !== undefined) this.catchers(state.Catch, `${where}/Catch`, states, jsonata)

    switch (type) {
      case 'Task':
        this.task(state, where, jsonata)
        break
      case 'Choice':
        this.choice(state, where, states, jsonata)
        break
      case 'Wait':
        this.wait(state, where, jsonata)
        break
      case 'Fail':
        for (const field of ['Error', 'Cause']) {
          if (state[field] !== undefined && state[`${field}Path`] !== undefined)
            this.error(`Only one of these fields is allowed: [${field}, ${field}Path]`, where)
          if (state[field] !== undefined && typeof state[field] !== 'string')
            this.error(`The value for the field '${field}' must be a STRING`, `${where}/${field}`)
          if (jsonata && state[field] !== undefined) this.jsonata(state[field], `${where}/${field}`)
          const path = state[`${field}Path`]
          if (!jsonata && path !== undefined) {
            if (typeof path === 'string' && isIntrinsic(path)) {
              try {
                parseIntrinsic(path)
              } catch (error) {
                if (!(error instanceof InvalidIntrinsic)) throw error
                this.error(
                  `The value for the field '${field}Path' must be a valid JSONPath or a valid intrinsic function call`,
                  `${where}/${field}Path`,
                )
              }
            } else this.path(path, `${where}/${field}Path`, `${field}Path`)
          }
        }
        break
      case 'Parallel':
        if (state.Branches === undefined) {
          this.error('These fields are required: [Branches]', where)
          break
        }
        if (!Array.isArray(state.Branches)) {
          this.error("The field 'Branches' must be an ARRAY", `${where}/Branches`)
          break
        }
        // AWS's wording and location for an empty list (observed on AWS).
        if (state.Branches.length === 0) {
          this.error('Value cannot be empty', `${where}/Branches`)
          break
        }
        state.Branches.forEach((branch, index) => this.machine(branch, `${where}/Branches/${index}`, language, false))
        break
      case 'Map':
        this.map(state, where, language)
        break
    }
  }

  private task(state: Record<string, unknown>, where: string, jsonata: boolean) {
    if (typeof state.Resource !== 'string') {
      this.error(
        state.Resource === undefined
          ? 'These fields are required: [Resource]'
          : "The value for the field 'Resource' must be a STRING",
        where,
      )
    } else if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(state.Resource)) {
      this.error(
        'Activity resources are not supported by the local engine: nothing would poll for their tasks',
        `${where}/Resource`,
        'UNSUPPORTED_FEATURE',
      )
    } else if (!/^arn:[^:]+:/.test(state.Resource) && !state.Resource.startsWith('{%')) {
      this.error(`The field 'Resource' must be an ARN (got '${state.Resource}')`, `${where}/Resource`)
    } else if (this.express && state.Resource.endsWith('.waitForTaskToken')) {
      // AWS's wording, its double space included (observed on AWS).
      this.error("Express state machine does not support '.waitForTaskToken' service integration ", `${where}/Resource`)
    } else if (this.express && /\.sync(:\d+)?$/.test(state.Resource)) {
      this.error("Express state machine does not support '.sync' service integration", `${where}/Resource`)
    }
    for (const field of ['TimeoutSeconds', 'HeartbeatSeconds']) {
      const value = state[field]
      if (value !== undefined && !(jsonata && jsonataExpression(value) !== undefined) && !isPositiveInteger(value))
        this.error(`The field '${field}' must be a positive integer`, `${where}/${field}`)
      if (value !== undefined && state[`${field}Path`] !== undefined)
        this.error(`Only one of these fields is allowed: [${field}, ${field}Path]`, where)
      if (state[`${field}Path`] !== undefined)
        this.path(state[`${field}Path`], `${where}/${field}Path`, `${field}Path`, { reference: true })
    }
    if (
      typeof state.TimeoutSeconds === 'number' &&
      typeof state.HeartbeatSeconds === 'number' &&
      state.HeartbeatSeconds >= state.TimeoutSeconds
    )
      this.error("The field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'", `${where}/HeartbeatSeconds`)
  }

  private wait(state: Record<string, unknown>, where: string, jsonata: boolean) {
    const given = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter((field) => state[field] !== undefined)
    if (given.length !== 1) {
      this.error('Exactly one of these fields is required: [Seconds, Timestamp, SecondsPath, TimestampPath]', where)
      return
    }
    const expression = (value: unknown) => jsonata && jsonataExpression(value) !== undefined
    if (
      state.Seconds !== undefined &&
      !expression(state.Seconds) &&
      !(isNonNegativeInteger(state.Seconds) && (state.Seconds as number) <= 99_999_999)
    )
      this.error("The field 'Seconds' must be an integer between 0 and 99999999", `${where}/Seconds`)
    if (state.Timestamp !== undefined && typeof state.Timestamp !== 'string')
      this.error("The value for the field 'Timestamp' must be a STRING", `${where}/Timestamp`)
    else if (
      typeof state.Timestamp === 'string' &&
      !expression(state.Timestamp) &&
      parseTimestamp(state.Timestamp) === undefined
    )
      this.error('String does not match RFC3339 timestamp', `${where}/Timestamp`)
    if (jsonata)
      for (const field of ['Seconds', 'Timestamp'])
        if (state[field] !== undefined) this.jsonata(state[field], `${where}/${field}`)
    for (const field of ['SecondsPath', 'TimestampPath'])
      if (state[field] !== undefined) this.path(state[field], `${where}/${field}`, field, { reference: true })
  }

  private map(state: Record<string, unknown>, where: string, language: 'JSONPath' | 'JSONata') {
    for (const field of s3Only)
      if (state[field] !== undefined)
        this.error(
          `The field '${field}' reads or writes S3, which the local engine does not reach: give the Map its items in its input`,
          `${where}/${field}`,
          'UNSUPPORTED_FEATURE',
        )
    if (state.ItemProcessor !== undefined && state.Iterator !== undefined)
      this.error('Only one of these fields is allowed: [ItemProcessor, Iterator]', where)
    const processor = state.ItemProcessor ?? state.Iterator
    const field = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator'
    if (processor === undefined) {
      this.error('These fields are required: [ItemProcessor]', where)
    } else {
      if (isObject(processor) && processor.ProcessorConfig !== undefined) {
        const config = processor.ProcessorConfig
        const mode = isObject(config) ? config.Mode : undefined
        if (mode !== undefined && mode !== 'INLINE' && mode !== 'DISTRIBUTED')
          this.error(
            "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
            `${where}/${field}/ProcessorConfig/Mode`,
          )
        if (isObject(config) && config.ExecutionType !== undefined && mode !== 'DISTRIBUTED')
          this.error(
            "The field 'ExecutionType' is supported only with the Mode 'DISTRIBUTED'",
            `${where}/${field}/ProcessorConfig/ExecutionType`,
          )
        if (
          isObject(config) &&
          config.ExecutionType !== undefined &&
          config.ExecutionType !== 'STANDARD' &&
          config.ExecutionType !== 'EXPRESS'
        )
          this.error(
            "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]",
            `${where}/${field}/ProcessorConfig/ExecutionType`,
          )
      }
      const mode =
        isObject(processor) && isObject(processor.ProcessorConfig) ? processor.ProcessorConfig.Mode : undefined
      if (state.ItemBatcher !== undefined && mode !== 'DISTRIBUTED')
        this.error("The field 'ItemBatcher' is supported only in a Distributed Map", `${where}/ItemBatcher`)
      this.machine(processor, `${where}/${field}`, language, false)
    }
    if (state.ItemsPath !== undefined)
      this.path(state.ItemsPath, `${where}/ItemsPath`, 'ItemsPath', { reference: true })
    if (state.ItemSelector !== undefined && state.Parameters !== undefined)
      this.error('Only one of these fields is allowed: [ItemSelector, Parameters]', where)
    if (state.MaxConcurrency !== undefined && state.MaxConcurrencyPath !== undefined)
      this.error('Only one of these fields is allowed: [MaxConcurrency, MaxConcurrencyPath]', where)
    const jsonata = language === 'JSONata'
    if (
      state.MaxConcurrency !== undefined &&
      !(jsonata && jsonataExpression(state.MaxConcurrency) !== undefined) &&
      !isNonNegativeInteger(state.MaxConcurrency)
    )
      this.error("The field 'MaxConcurrency' must be a non-negative integer", `${where}/MaxConcurrency`)
    if (jsonata && state.MaxConcurrency !== undefined) this.jsonata(state.MaxConcurrency, `${where}/MaxConcurrency`)
    if (state.MaxConcurrencyPath !== undefined)
      this.path(state.MaxConcurrencyPath, `${where}/MaxConcurrencyPath`, 'MaxConcurrencyPath', { reference: true })
  }

  private retriers(value: unknown, location: string) {
    if (!Array.isArray(value)) {
      this.error("The field 'Retry' must be an ARRAY", location)
      return
    }
    value.forEach((retrier, index) => {
      const where = `${location}/${index}`
      if (!isObject(retrier)) return this.error('A retrier must be an OBJECT', where)
      this.errorEquals(retrier.ErrorEquals, where, index === value.length - 1, 'retrier')
      for (const field of Object.keys(retrier))
        if (
          ![
            'ErrorEquals',
            'IntervalSeconds',
            'MaxAttempts',
            'BackoffRate',
            'MaxDelaySeconds',
            'JitterStrategy',
            'Comment',
          ].includes(field)
        )
          this.error(`The field '${field}' is not supported by Step Functions`, `${where}/${field}`)
      if (retrier.IntervalSeconds !== undefined && !isPositiveInteger(retrier.IntervalSeconds))
        this.error("The field 'IntervalSeconds' must be a positive integer", `${where}/IntervalSeconds`)
      if (retrier.MaxAttempts !== undefined && !isNonNegativeInteger(retrier.MaxAttempts))
        this.error("The field 'MaxAttempts' must be a non-negative integer", `${where}/MaxAttempts`)
      if (retrier.BackoffRate !== undefined && !(typeof retrier.BackoffRate === 'number' && retrier.BackoffRate >= 1))
        this.error("The field 'BackoffRate' must be a number greater than or equal to 1.0", `${where}/BackoffRate`)
      if (retrier.MaxDelaySeconds !== undefined && !isPositiveInteger(retrier.MaxDelaySeconds))
        this.error("The field 'MaxDelaySeconds' must be a positive integer", `${where}/MaxDelaySeconds`)
      if (
        retrier.JitterStrategy !== undefined &&
        retrier.JitterStrategy !== 'FULL' &&
        retrier.JitterStrategy !== 'NONE'
      )
        this.error(
          "The field 'JitterStrategy' should have one of these values: [FULL, NONE]",
          `${where}/JitterStrategy`,
        )
    })
  }

  private catchers(value: unknown, location: string, states: Record<string, unknown>, jsonata: boolean) {
    if (!Array.isArray(value)) {
      this.error("The field 'Catch' must be an ARRAY", location)
      return
    }
    value.forEach((catcher, index) => {
      const where = `${location}/${index}`
      if (!isObject(catcher)) return this.error('A catcher must be an OBJECT', where)
      this.errorEquals(catcher.ErrorEquals, where, index === value.length - 1, 'catcher')
      const allowed = jsonata
        ? ['ErrorEquals', 'Next', 'Output', 'Assign', 'Comment']
        : ['ErrorEquals', 'Next', 'ResultPath', 'Assign', 'Comment']
      for (const field of Object.keys(catcher))
        if (!allowed.includes(field))
          this.error(
            jsonata && field === 'ResultPath'
              ? "The field 'ResultPath' is not supported when the QueryLanguage is 'JSONata'"
              : !jsonata && field === 'Output'
                ? "The field 'Output' is supported only when the QueryLanguage is 'JSONata'"
                : `The field '${field}' is not supported by Step Functions`,
            `${where}/${field}`,
          )
      if (catcher.Next === undefined) this.error('These fields are required: [Next]', where)
      else this.next(catcher.Next, `${where}/Next`, states)
      if (!jsonata && catcher.ResultPath !== undefined && catcher.ResultPath !== null)
        this.path(catcher.ResultPath, `${where}/ResultPath`, 'ResultPath', { reference: true, context: false })
      if (jsonata && catcher.Output !== undefined) this.jsonata(catcher.Output, `${where}/Output`)
      if (catcher.Assign !== undefined) this.assign(catcher.Assign, `${where}/Assign`, jsonata)
    })
  }

  private errorEquals(value: unknown, where: string, last: boolean, what: string) {
    if (!Array.isArray(value) || value.length === 0 || !value.every((name) => typeof name === 'string')) {
      this.error(
        value === undefined
          ? 'These fields are required: [ErrorEquals]'
          : "The field 'ErrorEquals' must be a non-empty ARRAY of STRINGs",
        value === undefined ? where : `${where}/ErrorEquals`,
      )
      return
    }
    if (value.includes('States.ALL')) {
      if (value.length > 1)
        this.error("The value 'States.ALL' must appear alone in 'ErrorEquals'", `${where}/ErrorEquals`)
      if (!last) this.error(`A ${what} with 'States.ALL' in 'ErrorEquals' must be the last one`, `${where}/ErrorEquals`)
    }
  }

  private choice(state: Record<string, unknown>, where: string, states: Record<string, unknown>, jsonata: boolean) {
    if (state.Choices === undefined) {
      this.error('These fields are required: [Choices]', where)
      return
    }
    if (!Array.isArray(state.Choices) || state.Choices.length === 0) {
      // As AWS words an empty Branches (observed); the same check on another list.
      this.error(
        Array.isArray(state.Choices) ? 'Value cannot be empty' : "The field 'Choices' must be an ARRAY",
        `${where}/Choices`,
      )
      return
    }
    state.Choices.forEach((rule, index) => this.rule(rule, `${where}/Choices/${index}`, states, jsonata, true))
    if (state.Default !== undefined) this.next(state.Default, `${where}/Default`, states, 'Default')
  }

  private rule(rule: unknown, where: string, states: Record<string, unknown>, jsonata: boolean, top: boolean) {
    if (!isObject(rule)) {
      this.error('A choice rule must be an OBJECT', where)
      return
    }
    if (top) {
      if (rule.Next === undefined) this.error('These fields are required: [Next]', where)
      else this.next(rule.Next, `${where}/Next`, states)
      if (rule.Assign !== undefined) this.assign(rule.Assign, `${where}/Assign`, jsonata)
      if (rule.Output !== undefined) {
        if (!jsonata)
          this.error("The field 'Output' is supported only when the QueryLanguage is 'JSONata'", `${where}/Output`)
        else this.jsonata(rule.Output, `${where}/Output`)
      }
    } else if (rule.Next !== undefined)
      this.error("The field 'Next' is only allowed on a top-level choice rule", `${where}/Next`)
    if (jsonata) {
      for (const field of Object.keys(rule))
        if (!['Condition', 'Next', 'Assign', 'Output', 'Comment'].includes(field))
          this.error(
            field === 'Variable' ||
              field === 'And' ||
              field === 'Or' ||
              field === 'Not' ||
              allOperators().includes(field)
              ? `The field '${field}' is not supported when the QueryLanguage is 'JSONata'`
              : `The field '${field}' is not supported by Step Functions`,
            `${where}/${field}`,
          )
      if (rule.Condition === undefined) this.error('These fields are required: [Condition]', where)
      else if (typeof rule.Condition !== 'boolean') this.jsonata(rule.Condition, `${where}/Condition`)
      return
    }
    if (rule.Condition !== undefined)
      this.error("The field 'Condition' is supported only when the QueryLanguage is 'JSONata'", `${where}/Condition`)
    const operators = allOperators().filter((operator) => rule[operator] !== undefined)
    const combinators = ['And', 'Or', 'Not'].filter((field) => rule[field] !== undefined)
    const known = new Set([
      'Variable',
      'Next',
      'Assign',
      'Comment',
      'Condition',
      'Output',
      'And',
      'Or',
      'Not',
      ...allOperators(),
    ])
    for (const field of Object.keys(rule))
      if (!known.has(field)) this.error(`The field '${field}' is not supported by Step Functions`, `${where}/${field}`)
    if (operators.length + combinators.length !== 1) {
      this.error('A choice rule must have exactly one comparison operator or one of And, Or, Not', where)
      return
    }
    const [combinator] = combinators
    if (combinator === 'Not') {
      this.rule(rule.Not, `${where}/Not`, states, jsonata, false)
      return
    }
    if (combinator === 'And' || combinator === 'Or') {
      const list = rule[combinator]
      if (!Array.isArray(list) || list.length === 0)
        this.error(`The field '${combinator}' must be a non-empty ARRAY`, `${where}/${combinator}`)
      else list.forEach((inner, index) => this.rule(inner, `${where}/${combinator}/${index}`, states, jsonata, false))
      return
    }
    if (rule.Variable === undefined) {
      this.error('These fields are required: [Variable]', where)
      return
    }
    this.path(rule.Variable, `${where}/Variable`, 'Variable')
    const operator = operators[0] as string
    const value = rule[operator]
    if ((TypeTests as readonly string[]).includes(operator)) {
      if (typeof value !== 'boolean')
        this.error(`The value for the field '${operator}' must be a BOOLEAN`, `${where}/${operator}`)
      return
    }
    if (operator.endsWith('Path')) {
      this.path(value, `${where}/${operator}`, operator)
      return
    }
    const type = ComparisonOperators[operator]
    const ok =
      type === 'string' || type === 'timestamp'
        ? typeof value === 'string'
        : type === 'number'
          ? typeof value === 'number'
          : typeof value === 'boolean'
    if (!ok)
      this.error(
        `The value for the field '${operator}' must be a ${type === 'number' ? 'NUMBER' : type === 'boolean' ? 'BOOLEAN' : 'STRING'}`,
        `${where}/${operator}`,
      )
  }
}

/**
 * Validates a definition (an object, or JSON text); [] when AWS would accept it. An EXPRESS state machine also refuses
 * the `.sync` and `.waitForTaskToken` integration patterns.
 */
export const validateDefinition = (
  definition: unknown,
  options: { readonly type?: 'STANDARD' | 'EXPRESS' } = {},
): Diagnostic[] => {
  const validator = new Validator(options.type === 'EXPRESS')
  let parsed = definition
  if (typeof definition === 'string') {
    // An empty definition is a schema error, not a JSON one (observed on AWS).
    if (definition.trim() === '') {
      validator.error('Definition must be a valid JSON object')
      return validator.diagnostics
    }
    try {
      parsed = JSON.parse(definition) as unknown
    } catch (error) {
      validator.error((error as Error).message, undefined, 'INVALID_JSON_DESCRIPTION')
      return validator.diagnostics
    }
  }
  const top = isObject(parsed) ? parsed : undefined
  const language = top?.QueryLanguage === 'JSONata' ? 'JSONata' : 'JSONPath'
  validator.machine(parsed, '', language, true)
  return validator.diagnostics
}

const loaded = {
  STANDARD: new WeakMap<object, StateMachineDefinition>(),
  EXPRESS: new WeakMap<object, StateMachineDefinition>(),
}

/** The definition, validated once per object and type; throws InvalidDefinition with AWS's diagnostics. */
export const loadDefinition = (
  definition: unknown,
  type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
): StateMachineDefinition => {
  const cache = loaded[type]
  if (typeof definition === 'object' && definition !== null) {
    const cached = cache.get(definition)
    if (cached) return cached
  }
  const diagnostics = validateDefinition(definition, { type })
  if (diagnostics.length > 0) throw new InvalidDefinition(diagnostics)
  const parsed = (typeof definition === 'string' ? JSON.parse(definition) : definition) as StateMachineDefinition
  cache.set(parsed, parsed)
  return parsed
}
