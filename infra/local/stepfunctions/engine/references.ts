import { runtimeError } from './errors'
import {
  IntrinsicEvaluationError,
  evaluateIntrinsic,
  isIntrinsic,
  parseIntrinsic,
  type IntrinsicCall,
} from './intrinsics'
import { compilePath, evaluatePath, type CompiledPath, type PathResult } from './json-path'
import type { ContextObject } from './types'
import type { VariableScope } from './variables'

/** What a JSONPath state's paths read: `$` the data, `$$` the context object, `$name` a variable. */
export interface DataEnv {
  readonly input: unknown
  readonly context: ContextObject
  readonly variables: VariableScope
}

/** A reference path compiled once: which root it reads and the path applied to it. */
export interface Reference {
  readonly text: string
  readonly root: 'input' | 'context' | 'variable'
  readonly variable?: string
  readonly path: CompiledPath
}

const variablePattern = /^\$([A-Za-z_][A-Za-z0-9_]*)/

/** Compiles `$.x`, `$$.Execution.Id` or `$var.x`; throws InvalidJsonPath for a malformed one. */
export const compileReference = (text: string): Reference => {
  if (text.startsWith('$$')) return { text, root: 'context', path: compilePath(text.replace(/^\$\$/, '$')) }
  const variable = variablePattern.exec(text)
  if (variable && variable[1] !== undefined) {
    return { text, root: 'variable', variable: variable[1], path: compilePath(`$${text.slice(variable[0].length)}`) }
  }
  return { text, root: 'input', path: compilePath(text) }
}

/** Evaluates a reference; a variable never assigned reads as not found. */
export const resolveReference = (reference: Reference, env: DataEnv): PathResult => {
  if (reference.root === 'input') return evaluatePath(reference.path, env.input)
  if (reference.root === 'context') return evaluatePath(reference.path, env.context)
  const found = env.variables.lookup(reference.variable as string)
  if (!found.found) return { found: false, missing: reference.text, leaf: true }
  return evaluatePath(reference.path, found.value)
}

/** A Parameters / ResultSelector / ItemSelector / Assign template, compiled: static parts are shared, not copied. */
export type Template = (env: DataEnv) => unknown

const constant =
  (value: unknown): Template =>
  () =>
    value

/** A `.$` value: an intrinsic call or a reference path. */
export type Dynamic = { kind: 'intrinsic'; call: IntrinsicCall } | { kind: 'reference'; reference: Reference }

export const compileDynamic = (text: string): Dynamic =>
  isIntrinsic(text)
    ? { kind: 'intrinsic', call: parseIntrinsic(text) }
    : { kind: 'reference', reference: compileReference(text) }

/** Evaluates a `.$` value for the field `field` (its name with `.$`), failing as AWS does when a path finds nothing. */
export const evaluateDynamic = (dynamic: Dynamic, field: string, env: DataEnv): unknown => {
  const read = (reference: Reference) => {
    const result = resolveReference(reference, env)
    if (!result.found)
      throw runtimeError(
        `The JSONPath '${reference.text}' specified for the field '${field}' could not be found in the input '${JSON.stringify(env.input)}'`,
      )
    return result.value
  }
  if (dynamic.kind === 'reference') return read(dynamic.reference)
  try {
    return evaluateIntrinsic(dynamic.call, (path) => read(compileReference(path)))
  } catch (error) {
    // AWS documents no error name of its own for an intrinsic that fails on its arguments: it is a States.Runtime.
    if (error instanceof IntrinsicEvaluationError) throw runtimeError(error.message)
    throw error
  }
}

/** Compiles a payload template (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html#input-output-parameters). */
export const compileTemplate = (template: unknown): Template => {
  if (Array.isArray(template)) {
    const items = template.map(compileTemplate)
    if (isStatic(template)) return constant(template)
    return (env) => items.map((item) => item(env))
  }
  if (typeof template !== 'object' || template === null) return constant(template)
  if (isStatic(template)) return constant(template)
  const fields = Object.entries(template as Record<string, unknown>).map(([key, value]): [string, Template] => {
    if (key.endsWith('.$') && typeof value === 'string') {
      const dynamic = compileDynamic(value)
      return [key.slice(0, -2), (env) => evaluateDynamic(dynamic, key, env)]
    }
    return [key, compileTemplate(value)]
  })
  return (env) => {
    const out: Record<string, unknown> = {}
    for (const [key, field] of fields) out[key] = field(env)
    return out
  }
}

const isStatic = (value: unknown): boolean => {
  if (Array.isArray(value)) return value.every(isStatic)
  if (typeof value !== 'object' || value === null) return true
  return Object.entries(value).every(
    ([key, item]) => !(key.endsWith('.$') && typeof item === 'string') && isStatic(item),
  )
}
