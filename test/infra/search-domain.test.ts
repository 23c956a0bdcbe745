import { App } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { searchFromContext, SearchTlsPolicy } from '../../infra/aws/constructs/search-domain'
import { SearchDisabledEndpoint, SearchIndexName } from '../../infra/aws/layers/search-index-opensearch'
import { PipelineStack } from '../../infra/aws/pipeline-stack'
import { flat, pipelineTemplate, resourceAt, resourcesByPath, testApp } from './support/synth'

const domainOf = (template: Template) => resourceAt(template, 'Search/Domain').resource.Properties!

interface Statement {
  readonly Effect: string
  readonly Principal: { readonly AWS: ReadonlyArray<unknown> }
  readonly Action: ReadonlyArray<string>
  readonly Resource: ReadonlyArray<unknown>
}

/** Each statement of the access policy as `role: actions on paths`, roles by construct path, paths after the domain. */
const accessOf = (template: Template): ReadonlyArray<string> => {
  const roles = resourcesByPath(template, 'AWS::IAM::Role')
  const roleName = (principal: unknown) => {
    const id = (principal as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]
    const resources = (template.toJSON() as { Resources: Record<string, unknown> }).Resources
    return Object.entries(roles)
      .find(([, role]) => role === resources[id])![0]
      .replace(/\/Role\/Resource$/, '')
  }
  const statements = (domainOf(template).AccessPolicies as { Statement: Statement[] }).Statement
  return statements.flatMap((statement) =>
    statement.Principal.AWS.map(
      (principal) =>
        `${roleName(principal)}: ${statement.Effect} ${[...statement.Action].sort().join(',')} on ${statement.Resource.map(
          (resource) => flat(resource).replace(/^.*:domain\/pipeline-search/, ''),
        ).join(' ')}`,
    ),
  )
}

describe('the search domain', () => {
  const template = pipelineTemplate()
  const domain = domainOf(template)

  it('is one small OpenSearch node by default: t3.small.search, 10 GB of gp3', () => {
    expect(domain).toMatchObject({
      DomainName: 'pipeline-search',
      EngineVersion: 'OpenSearch_2.19',
      ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1, ZoneAwarenessEnabled: false },
      EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 10 },
    })
  })

  // https://docs.aws.amazon.com/opensearch-service/latest/developerguide/encryption-at-rest.html
  // https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ntn.html
  it('encrypts data at rest and between nodes', () => {
    expect(domain).toMatchObject({
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
    })
  })

  // https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DomainEndpointOptions.html
  it('answers HTTPS only, TLS 1.2 or later with forward secrecy', () => {
    expect(domain.DomainEndpointOptions).toEqual({ EnforceHTTPS: true, TLSSecurityPolicy: SearchTlsPolicy })
    expect(SearchTlsPolicy).toBe('Policy-Min-TLS-1-2-PFS-2023-10')
  })

  // https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ac.html
  it('names in its access policy only the roles that use it, each with only the HTTP actions it needs on the index', () => {
    expect(accessOf(template)).toEqual([
      `ImageProcessing/IndexImageStep: Allow es:ESHttpDelete,es:ESHttpPut on /${SearchIndexName} /${SearchIndexName}/_doc/*`,
      `ChangeProcessing/ApplyChangeStep: Allow es:ESHttpDelete,es:ESHttpPut on /${SearchIndexName} /${SearchIndexName}/_doc/*`,
      `Maintenance/ReconcileSearchStep: Allow es:ESHttpDelete,es:ESHttpPut on /${SearchIndexName} /${SearchIndexName}/_doc/*`,
      `Maintenance/ReconcileSearchStep: Allow es:ESHttpPost on /${SearchIndexName}/_mget /${SearchIndexName}/_search`,
      `Api/SearchApiStep: Allow es:ESHttpGet,es:ESHttpPost on /${SearchIndexName}/_search`,
    ])
    expect(JSON.stringify(domain.AccessPolicies)).not.toContain('"*"')
  })

  it('refuses multi-document requests that name another index than their path', () => {
    expect(domain.AdvancedOptions).toEqual({ 'rest.action.multi.allow_explicit_index': 'false' })
  })

  // https://docs.aws.amazon.com/opensearch-service/latest/developerguide/createdomain-configure-slow-logs.html
  it('publishes error, search slow and indexing slow logs to log groups it may write, kept a month', () => {
    const options = domain.LogPublishingOptions as Record<
      string,
      { Enabled: boolean; CloudWatchLogsLogGroupArn: unknown }
    >
    expect(Object.keys(options).sort()).toEqual(['ES_APPLICATION_LOGS', 'INDEX_SLOW_LOGS', 'SEARCH_SLOW_LOGS'])
    const policy = JSON.stringify(resourceAt(template, 'Search/LogsPolicy').resource.Properties!.PolicyDocument)
    for (const [kind, option] of Object.entries(options)) {
      expect(option.Enabled).toBe(true)
      expect(flat(option.CloudWatchLogsLogGroupArn)).toBe(`<Search${kind.replace(/_/g, '')}.Arn>`)
      expect(resourceAt(template, `Search/${kind}/Resource`).resource.Properties).toMatchObject({ RetentionInDays: 30 })
      expect(policy).toContain(resourceAt(template, `Search/${kind}/Resource`).id)
    }
    expect(policy).toContain('es.amazonaws.com')
  })

  it("gives every step the domain's HTTPS endpoint", () => {
    const functions = Object.values(resourcesByPath(template, 'AWS::Lambda::Function')).filter(
      (fn) =>
        (fn.Properties!.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.PIPELINE_STEP,
    )
    const endpoints = new Set(
      functions.map((fn) =>
        flat((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.SEARCH_ENDPOINT),
      ),
    )
    expect([...endpoints]).toEqual([
      `https://<${resourceAt(template, 'Search/Domain').id.replace(/(.)[0-9A-F]{8}$/, '$1')}.DomainEndpoint>`,
    ])
  })

  it('takes its size from context, with zone awareness from two nodes', () => {
    const props = searchFromContext(
      (name) => ({ searchInstanceType: 'r7g.large.search', searchInstanceCount: '2', searchVolumeGb: '100' })[name],
    )
    const sized = Template.fromStack(new PipelineStack(testApp(), 'Pipeline', { search: props }))

    expect(domainOf(sized)).toMatchObject({
      ClusterConfig: {
        InstanceType: 'r7g.large.search',
        InstanceCount: 2,
        ZoneAwarenessEnabled: true,
        ZoneAwarenessConfig: { AvailabilityZoneCount: 2 },
      },
      EBSOptions: { VolumeSize: 100 },
    })
  })

  it.each([
    ['searchInstanceCount', '0'],
    ['searchVolumeGb', 'lots'],
    ['searchInstanceType', 'large'],
  ])('stops the synth on an unusable -c %s=%s', (name, value) => {
    expect(() => searchFromContext((key) => (key === name ? value : undefined))).toThrow(`-c ${name}=${value}`)
  })

  it('is left out with -c search=false: no domain, and every step told search is disabled', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } })
    const without = Template.fromStack(
      new PipelineStack(app, 'Pipeline', { search: searchFromContext((name) => ({ search: 'false' })[name]) }),
    )

    without.resourceCountIs('AWS::OpenSearchService::Domain', 0)
    const endpoints = Object.values(resourcesByPath(without, 'AWS::Lambda::Function')).flatMap((fn) => {
      const variables = (fn.Properties!.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
      return variables?.PIPELINE_STEP ? [variables.SEARCH_ENDPOINT] : []
    })
    expect(new Set(endpoints)).toEqual(new Set([SearchDisabledEndpoint]))
  })
})
