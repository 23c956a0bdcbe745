import { App, Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { synthesizedPipeline } from '../../support/synthesized'

type Resource = {
  readonly Type: string
  readonly Properties?: Record<string, unknown>
  readonly Metadata?: Record<string, unknown>
  readonly DeletionPolicy?: string
}

/** An app as `infra/aws/synth.ts` makes it: offline, bundling skipped, each resource's construct path in its metadata. */
export const testApp = (): App =>
  new App({ context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } })

/** An empty stack to build one construct in. */
export const testStack = (): Stack => new Stack(testApp(), 'Test')

let pipeline: Template | undefined
/** The whole pipeline stack, synthesized once per test run (`test/support/synthesized.ts`). */
export const pipelineTemplate = (): Template => (pipeline ??= Template.fromJSON({ ...synthesizedPipeline() }))

const resourcesOf = (template: Template): Record<string, Resource> =>
  (template.toJSON() as { Resources: Record<string, Resource> }).Resources

/** The logical id and resource whose construct path is `Pipeline/<path>` (or `Test/<path>`), e.g. `Storage/Uploads/Resource`. */
export const resourceAt = (template: Template, path: string): { readonly id: string; readonly resource: Resource } => {
  const found = Object.entries(resourcesOf(template)).filter(
    ([, resource]) => String(resource.Metadata?.['aws:cdk:path'] ?? '').replace(/^[^/]+\//, '') === path,
  )
  if (found.length !== 1) throw new Error(`${found.length} resources at ${path}`)
  return { id: found[0]![0], resource: found[0]![1] }
}

/** Every resource of a type, by construct path (without the stack's name). */
export const resourcesByPath = (template: Template, type: string): Record<string, Resource> =>
  Object.fromEntries(
    Object.values(resourcesOf(template))
      .filter((resource) => resource.Type === type)
      .map((resource) => [String(resource.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, ''), resource]),
  )

/** A CloudFormation reference as text: `{"Fn::GetAtt":["TablesImages99E9C95E","Arn"]}` → `<TablesImages.Arn>` (the logical id's hash dropped). */
export const flat = (node: unknown): string => {
  if (typeof node === 'string') return node
  const value = node as Record<string, unknown>
  if (Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]]
    return parts.map(flat).join(separator)
  }
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string]
    return `<${id.replace(/(.)[0-9A-F]{8}$/, '$1')}.${attribute}>`
  }
  if (value.Ref !== undefined) return `<${String(value.Ref).replace(/(.)[0-9A-F]{8}$/, '$1')}>`
  return JSON.stringify(node)
}

/**
 * What a role's policies allow, one `action on resource` line per pair, sorted: the role at `<rolePath>` and every
 * AWS::IAM::Policy attached to it.
 */
export const permissionsOf = (template: Template, rolePath: string): ReadonlyArray<string> => {
  const role = resourceAt(template, `${rolePath}/Resource`)
  const policies = Object.values(resourcesOf(template)).filter(
    (resource) =>
      resource.Type === 'AWS::IAM::Policy' &&
      ((resource.Properties?.Roles as unknown[] | undefined) ?? []).some(
        (ref) => (ref as { Ref?: string }).Ref === role.id,
      ),
  )
  const lines = new Set<string>()
  for (const policy of policies) {
    const statements = (
      policy.Properties!.PolicyDocument as {
        Statement: Array<{ Effect: string; Action: string | string[]; Resource: unknown }>
      }
    ).Statement
    for (const statement of statements) {
      if (statement.Effect !== 'Allow') continue
      for (const action of [statement.Action].flat())
        for (const resource of [statement.Resource].flat()) lines.add(`${action} on ${flat(resource)}`)
    }
  }
  return [...lines].sort()
}
