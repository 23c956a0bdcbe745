import { Stack, Validations } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'

/**
 * Acknowledges one cdk-nag finding on a construct and everything under it
 * (https://github.com/cdklabs/cdk-nag#acknowledging-a-rule): the rule id, with its finding in brackets when the
 * rule reports several (`AwsSolutions-IAM5[Resource::*]`), and the reason a reviewer reads. cdk-nag 3 has no prefix
 * matching, so every finding is named exactly.
 */
export const acknowledge = (scope: IConstruct, id: string, reason: string): void => {
  Validations.of(scope).acknowledge({ id, reason })
}

/** A CloudFormation reference flattened the way cdk-nag writes it in a finding: `{"Fn::GetAtt":["Uploads1234","Arn"]}` → `<Uploads1234.Arn>`. */
const flatten = (node: unknown): string => {
  if (node === undefined || node === null) return ''
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>')
  const value = node as Record<string, unknown>
  if (Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]]
    return parts.map(flatten).join(separator)
  }
  if (value['Fn::Sub'] !== undefined) return flatten(value['Fn::Sub'])
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown]
    return `<${flatten(resource)}.${flatten(attribute)}>`
  }
  if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`
  return JSON.stringify(node)
}

/**
 * The id of cdk-nag's IAM5 finding (wildcard in a policy's resource) for `arn`, e.g.
 * `AwsSolutions-IAM5[Resource::<Uploads1234.Arn>/uploads/*]`, computed from the same tokens the policy holds.
 */
export const wildcardResourceFinding = (scope: IConstruct, arn: string): string =>
  `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(arn))}]`

/** Why a role may use `*` for X-Ray: its write actions have no resource-level permissions. */
export const XRayWildcardReason =
  'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords (and, for a state machine, xray:GetSamplingRules and xray:GetSamplingTargets) support no resource-level permissions, so the CDK grants them on "*" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).'
