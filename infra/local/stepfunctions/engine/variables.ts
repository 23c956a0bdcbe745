/**
 * Workflow variables (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html): a Map
 * iteration or Parallel branch reads the variables of the scopes around it and assigns in its own.
 */
export class VariableScope {
  private readonly values = new Map<string, unknown>()
  constructor(readonly parent?: VariableScope) {}

  lookup(name: string): { found: true; value: unknown } | { found: false } {
    if (this.values.has(name)) return { found: true, value: this.values.get(name) }
    return this.parent ? this.parent.lookup(name) : { found: false }
  }

  /** Assigns all at once: every value was computed from the variables as they were before. */
  assign(values: ReadonlyArray<readonly [string, unknown]>): void {
    for (const [name, value] of values) this.values.set(name, value)
  }

  /** Every visible variable, inner scopes winning: JSONata's bindings. */
  bindings(): Record<string, unknown> {
    const out: Record<string, unknown> = this.parent ? this.parent.bindings() : {}
    for (const [name, value] of this.values) out[name] = value
    return out
  }

  /** This scope's own variables, for a redrive to restore. */
  own(): Record<string, unknown> {
    return Object.fromEntries(this.values)
  }
}
