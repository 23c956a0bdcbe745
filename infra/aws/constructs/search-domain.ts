import { Aws, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { CfnResourcePolicy, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { CfnDomain } from 'aws-cdk-lib/aws-opensearchservice'
import { Construct } from 'constructs'
import { SearchIndexName } from '../layers/search-index-opensearch'
import { acknowledge } from './findings'

export interface SearchDomainProps {
  /** Data node instance type (https://aws.amazon.com/opensearch-service/pricing/). @default 't3.small.search' */
  readonly instanceType?: string
  /** Data nodes; two or more spread over two Availability Zones. @default 1 */
  readonly instanceCount?: number
  /** gp3 storage per data node, in GB. @default 10 */
  readonly volumeGb?: number
  /** @default 'OpenSearch_2.19' */
  readonly engineVersion?: string
  /** @default RemovalPolicy.DESTROY: the index is rebuilt from the tables (orders, users) and by re-uploading images */
  readonly removalPolicy?: RemovalPolicy
}

/** What a function may do to the index: write documents, reconcile (write, and read versions and ids), or search. */
export type SearchAccess = 'write' | 'reconcile' | 'read'

/** The HTTP actions of each access, on the index's paths (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ac.html). */
const accessStatements: Record<SearchAccess, ReadonlyArray<{ actions: string[]; paths: string[] }>> = {
  // Creating the index on the first write (PUT /{index}), then PUT and DELETE of documents.
  write: [{ actions: ['es:ESHttpPut', 'es:ESHttpDelete'], paths: ['', '/_doc/*'] }],
  reconcile: [
    { actions: ['es:ESHttpPut', 'es:ESHttpDelete'], paths: ['', '/_doc/*'] },
    { actions: ['es:ESHttpPost'], paths: ['/_mget', '/_search'] },
  ],
  read: [{ actions: ['es:ESHttpGet', 'es:ESHttpPost'], paths: ['/_search'] }],
}

/** The newest TLS policy: TLS 1.2 or later with perfect forward secrecy (https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DomainEndpointOptions.html). */
export const SearchTlsPolicy = 'Policy-Min-TLS-1-2-PFS-2023-10'

/**
 * The search engine on AWS: an Amazon OpenSearch Service domain
 * (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/what-is.html). Defaults it enforces:
 * - one `t3.small.search` data node with 10 GB of gp3, the smallest size that encrypts (a development size: see
 *   the README for what it costs idle, and the props for production sizes; two or more nodes get zone awareness);
 * - encryption at rest (AWS-owned key) and node-to-node encryption; HTTPS only, TLS 1.2 or later with forward secrecy;
 * - a resource-based access policy naming only the roles given access with {@link grant}, each allowed only the HTTP
 *   actions of its access on the index's paths (no fine-grained access control, no master user, no public principal);
 *   with `rest.action.multi.allow_explicit_index` off, so a multi-document request cannot name another index
 *   (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ac.html#ac-advanced);
 * - error logs and search and indexing slow logs in CloudWatch Logs (kept one month), with the log resource policy
 *   that lets the domain write there, limited to this domain.
 * The domain is not in a VPC: it is reached over HTTPS by signed requests only (the cdk-nag findings say so where they
 * are acknowledged).
 */
export class SearchDomain extends Construct {
  readonly domain: CfnDomain
  /** `https://` and the domain's endpoint: what `SEARCH_ENDPOINT` holds. */
  readonly endpoint: string
  readonly domainName: string
  private readonly grants = new Map<SearchAccess, IFunction[]>()

  constructor(scope: Construct, id: string, props: SearchDomainProps = {}) {
    super(scope, id)
    const instanceCount = props.instanceCount ?? 1
    // The access policy names the domain's own ARN, so the name is chosen here: a domain cannot reference its own ARN.
    this.domainName = `${Stack.of(this)
      .stackName.toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')}-search`.slice(0, 28)
    const domainArn = `arn:${Aws.PARTITION}:es:${Aws.REGION}:${Aws.ACCOUNT_ID}:domain/${this.domainName}`

    const logs = Object.fromEntries(
      (['ES_APPLICATION_LOGS', 'SEARCH_SLOW_LOGS', 'INDEX_SLOW_LOGS'] as const).map((kind) => [
        kind,
        new LogGroup(this, kind, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      ]),
    )
    // https://docs.aws.amazon.com/opensearch-service/latest/developerguide/createdomain-configure-slow-logs.html
    const logsPolicy = new CfnResourcePolicy(this, 'LogsPolicy', {
      policyName: `${this.domainName}-logs`,
      policyDocument: Stack.of(this).toJsonString({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'es.amazonaws.com' },
            Action: ['logs:PutLogEvents', 'logs:CreateLogStream'],
            Resource: Object.values(logs).map((group) => group.logGroupArn),
            Condition: {
              StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
              ArnLike: { 'aws:SourceArn': domainArn },
            },
          },
        ],
      }),
    })

    this.domain = new CfnDomain(this, 'Domain', {
      domainName: this.domainName,
      engineVersion: props.engineVersion ?? 'OpenSearch_2.19',
      clusterConfig: {
        instanceType: props.instanceType ?? 't3.small.search',
        instanceCount,
        dedicatedMasterEnabled: false,
        zoneAwarenessEnabled: instanceCount > 1,
        ...(instanceCount > 1 ? { zoneAwarenessConfig: { availabilityZoneCount: 2 } } : {}),
      },
      ebsOptions: { ebsEnabled: true, volumeType: 'gp3', volumeSize: props.volumeGb ?? 10 },
      encryptionAtRestOptions: { enabled: true },
      nodeToNodeEncryptionOptions: { enabled: true },
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: SearchTlsPolicy },
      advancedOptions: { 'rest.action.multi.allow_explicit_index': 'false' },
      logPublishingOptions: Object.fromEntries(
        Object.entries(logs).map(([kind, group]) => [
          kind,
          { enabled: true, cloudWatchLogsLogGroupArn: group.logGroupArn },
        ]),
      ),
      accessPolicies: Lazy.any({ produce: () => this.accessPolicy(domainArn) }),
    })
    this.domain.addResourceDependency(logsPolicy)
    this.domain.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY)
    this.endpoint = `https://${this.domain.attrDomainEndpoint}`

    acknowledge(
      this.domain,
      'AwsSolutions-OS1',
      'Not in a VPC on purpose: its only clients are Lambda functions outside any VPC, and the domain answers only HTTPS requests signed with SigV4 by the roles its access policy names. A VPC would put every search step in a VPC with endpoints or NAT (a fixed monthly cost larger than the domain itself).',
    )
    acknowledge(
      this.domain,
      'AwsSolutions-OS3',
      'Access is granted to IAM roles, not IP addresses: Lambda functions have no fixed source addresses, and every request must be signed by a role the access policy names.',
    )
    acknowledge(
      this.domain,
      'AwsSolutions-OS4',
      'No dedicated master nodes at the default, development size (one data node): AWS recommends three for production domains, which would triple the idle cost. Set instanceCount and instanceType for production, and add dedicated masters there.',
    )
    if (instanceCount === 1)
      acknowledge(
        this.domain,
        'AwsSolutions-OS7',
        'One data node cannot span Availability Zones; with instanceCount of 2 or more the domain gets zone awareness over two zones. The index can be rebuilt from the tables.',
      )
  }

  /** Names `fn`'s role in the domain's access policy with the actions of `access`, on the search index only. */
  grant(fn: IFunction, access: SearchAccess): void {
    this.grants.set(access, [...(this.grants.get(access) ?? []), fn])
  }

  private accessPolicy(domainArn: string) {
    const statements = (['write', 'reconcile', 'read'] as const).flatMap((access) => {
      const roles = (this.grants.get(access) ?? []).map((fn) => fn.role!.roleArn)
      if (roles.length === 0) return []
      return accessStatements[access].map((statement) => ({
        Effect: 'Allow',
        Principal: { AWS: roles },
        Action: statement.actions,
        Resource: statement.paths.map((path) => `${domainArn}/${SearchIndexName}${path}`),
      }))
    })
    return { Version: '2012-10-17', Statement: statements }
  }
}

/**
 * The search domain's props from CDK context: `search=false` for none; `searchInstanceType`, `searchInstanceCount`
 * and `searchVolumeGb` for its size. A value that is not usable stops the synth with the setting's name.
 */
export const searchFromContext = (context: (name: string) => unknown): SearchDomainProps | false => {
  if (String(context('search') ?? 'true') === 'false') return false
  const count = (name: string): number | undefined => {
    const value = context(name)
    if (value === undefined) return undefined
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new Error(`-c ${name}=${String(value)}: must be a positive integer`)
    return parsed
  }
  const instanceType = context('searchInstanceType')
  if (instanceType !== undefined && !/^[a-z0-9]+\.[a-z0-9]+\.search$/.test(String(instanceType)))
    throw new Error(
      `-c searchInstanceType=${String(instanceType)}: must be an OpenSearch instance type such as t3.small.search`,
    )
  const instanceCount = count('searchInstanceCount')
  const volumeGb = count('searchVolumeGb')
  return {
    ...(instanceType === undefined ? {} : { instanceType: String(instanceType) }),
    ...(instanceCount === undefined ? {} : { instanceCount }),
    ...(volumeGb === undefined ? {} : { volumeGb }),
  }
}
