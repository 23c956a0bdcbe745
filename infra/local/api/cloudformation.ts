import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Schema } from 'effect'
import * as Cfn from '../../../contracts/aws/cloudformation'
import { firstServed } from '../kernel/db'
import { LocalAccount, LocalRegion, templateQueueUrl, type LocalStack } from '../model/template'
import type { LocalRuntime } from '../runtime'
import type { AwsServiceHandler } from './aws-api'
import { AwsApiError } from './errors'
import { asAwsApiError } from './json-protocol'
import { readQueryParams, sendQueryError, sendQueryResult } from './query-protocol'
import { pageOf } from './paging'
import { decodeInput, type InputIssue } from './validate'
import type { XmlElements } from './xml'

/*
 * CloudFormation on the local endpoint, read-only, in the query protocol (`Action=DescribeStacks&Version=2010-05-15`,
 * XML answers): https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Operations.html. The one stack
 * is the CDK app as the runtime synthesized it, every output and physical id resolved to what the runtime uses.
 */

const Namespace = 'http://cloudformation.amazonaws.com/doc/2010-05-15/'
const ApiVersion = '2010-05-15'

/** CloudFormation's refusals: ValidationError for a bad or unknown parameter value, always a Sender fault. */
const validationError = (message: string) => new AwsApiError(400, 'ValidationError', message, { fault: 'Sender' })

const wordIssues = (issues: ReadonlyArray<InputIssue>): AwsApiError => {
  const member = (path: ReadonlyArray<PropertyKey>) =>
    path.map((key) => `${String(key).charAt(0).toLowerCase()}${String(key).slice(1)}`).join('.')
  const described = issues.map((issue) =>
    issue.kind === 'missing'
      ? `Value null at '${member(issue.path)}' failed to satisfy constraint: Member must not be null`
      : `Value '${String(issue.value)}' at '${member(issue.path)}' failed to satisfy constraint: ${issue.message}`,
  )
  return validationError(
    `${described.length} validation error${described.length === 1 ? '' : 's'} detected: ${described.join('; ')}`,
  )
}

const decode = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => decodeInput(schema, input, wordIssues)

/** A stack id's UUID part, the same every start: derived from the stack's name. */
const stableUuid = (name: string): string => {
  const hex = createHash('sha1').update(`cloudformation:${name}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

const PageSize = 100

/** CloudFormation over the synthesized stack, on the query protocol. */
export const cloudFormationService = (runtime: LocalRuntime): AwsServiceHandler => {
  const stack: LocalStack | undefined = runtime.model.stack
  const stackId = stack
    ? `arn:aws:cloudformation:${LocalRegion}:${LocalAccount}:stack/${stack.name}/${stableUuid(stack.name)}`
    : ''
  const createdAt = stack ? new Date(firstServed(runtime.db, [stackId]).get(stackId)!).toISOString() : ''

  /** The stack a StackName names (its name or its id), or ValidationError as CloudFormation words it. */
  const stackNamed = (nameOrId: string): LocalStack => {
    if (!stack || (nameOrId !== stack.name && nameOrId !== stackId))
      throw validationError(`Stack with id ${nameOrId} does not exist`)
    return stack
  }

  /**
   * Values as a client of this endpoint uses them: a queue's URL on this endpoint (what GetQueueUrl answers), and the
   * HTTP API's URL the local server itself, which serves its routes.
   */
  const onEndpoint = (req: IncomingMessage) => {
    const base = `http://${req.headers.host ?? '127.0.0.1'}`
    const apis = (stack?.resources ?? [])
      .filter((resource) => resource.type === 'AWS::ApiGatewayV2::Api')
      .map((resource) => `https://${resource.physicalId}.execute-api.${LocalRegion}.amazonaws.com/`)
    const queuePrefix = templateQueueUrl('')
    return (value: string): string =>
      apis.reduce(
        (text, api) => text.split(api).join(`${base}/`),
        value.split(queuePrefix).join(`${base}/${LocalAccount}/`),
      )
  }

  const resourceXml = (
    resource: LocalStack['resources'][number],
    localize: (value: string) => string,
    timestampName: 'Timestamp' | 'LastUpdatedTimestamp',
  ): XmlElements => ({
    LogicalResourceId: resource.logicalId,
    PhysicalResourceId: localize(resource.physicalId),
    ResourceType: resource.type,
    [timestampName]: createdAt,
    ResourceStatus: 'CREATE_COMPLETE',
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  })

  const actions: Record<string, (params: Readonly<Record<string, string>>, req: IncomingMessage) => XmlElements> = {
    DescribeStacks: (params, req) => {
      const request = decode(Cfn.DescribeStacksRequest, params)
      const stacks = request.StackName === undefined ? (stack ? [stack] : []) : [stackNamed(request.StackName)]
      const localize = onEndpoint(req)
      return {
        Stacks: {
          member: stacks.map((described) => ({
            StackId: stackId,
            StackName: described.name,
            Description: described.description,
            Parameters:
              described.parameters.length > 0
                ? {
                    member: described.parameters.map(({ key, value }) => ({
                      ParameterKey: key,
                      ParameterValue: value,
                    })),
                  }
                : undefined,
            CreationTime: createdAt,
            RollbackConfiguration: {},
            StackStatus: 'CREATE_COMPLETE',
            DisableRollback: false,
            // What `cdk deploy` acknowledges for a stack with IAM resources and nested templates.
            Capabilities: { member: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] },
            Outputs:
              described.outputs.length > 0
                ? {
                    member: described.outputs.map((output) => ({
                      OutputKey: output.key,
                      OutputValue: localize(output.value),
                      Description: output.description,
                      ExportName: output.exportName,
                    })),
                  }
                : undefined,
            EnableTerminationProtection: false,
            DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
          })),
        },
      }
    },

    ListStacks: (params) => {
      const request = decode(Cfn.ListStacksRequest, params)
      // StackStatusFilter.member.N, as the query protocol flattens a list.
      const statuses = Object.entries(params)
        .filter(([name]) => /^StackStatusFilter\.member\.\d+$/.test(name))
        .map(([, status]) => status)
      const listed = stack && (statuses.length === 0 || statuses.includes('CREATE_COMPLETE')) ? [stack] : []
      const { page, nextToken } = pageOf(
        'ListStacks',
        listed,
        (described) => described.name,
        { token: request.NextToken, limit: PageSize },
        () => validationError('Invalid NextToken'),
      )
      return {
        StackSummaries: {
          member: page.map((described) => ({
            StackId: stackId,
            StackName: described.name,
            TemplateDescription: described.description,
            CreationTime: createdAt,
            StackStatus: 'CREATE_COMPLETE',
            DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
          })),
        },
        NextToken: nextToken,
      }
    },

    ListStackResources: (params, req) => {
      const request = decode(Cfn.ListStackResourcesRequest, params)
      const described = stackNamed(request.StackName)
      const { page, nextToken } = pageOf(
        'ListStackResources',
        described.resources,
        (resource) => resource.logicalId,
        { token: request.NextToken, limit: PageSize },
        () => validationError('Invalid NextToken'),
      )
      const localize = onEndpoint(req)
      return {
        StackResourceSummaries: {
          member: page.map((resource) => resourceXml(resource, localize, 'LastUpdatedTimestamp')),
        },
        NextToken: nextToken,
      }
    },

    DescribeStackResources: (params, req) => {
      const request = decode(Cfn.DescribeStackResourcesRequest, params)
      if (request.StackName === undefined && request.PhysicalResourceId === undefined)
        throw validationError('Either StackName or PhysicalResourceId must be specified.')
      const localize = onEndpoint(req)
      let described: LocalStack
      if (request.StackName !== undefined) described = stackNamed(request.StackName)
      else {
        described = stack!
        const holds = stack?.resources.some((resource) => localize(resource.physicalId) === request.PhysicalResourceId)
        if (!holds) throw validationError(`Stack for ${request.PhysicalResourceId} does not exist`)
      }
      // DescribeStackResources answers the first 100 resources; ListStackResources pages through them all.
      const resources = described.resources
        .filter(
          (resource) =>
            (request.LogicalResourceId === undefined || resource.logicalId === request.LogicalResourceId) &&
            (request.PhysicalResourceId === undefined || localize(resource.physicalId) === request.PhysicalResourceId),
        )
        .slice(0, PageSize)
      return {
        StackResources: {
          member: resources.map((resource) => ({
            StackName: described.name,
            StackId: stackId,
            ...resourceXml(resource, localize, 'Timestamp'),
          })),
        },
      }
    },

    DescribeStackResource: (params, req) => {
      const request = decode(Cfn.DescribeStackResourceRequest, params)
      const described = stackNamed(request.StackName)
      const resource = described.resources.find((candidate) => candidate.logicalId === request.LogicalResourceId)
      if (!resource)
        throw validationError(`Resource ${request.LogicalResourceId} does not exist for stack ${described.name}`)
      const metadata = (described.template.Resources[resource.logicalId] as { Metadata?: unknown }).Metadata
      return {
        StackResourceDetail: {
          StackName: described.name,
          StackId: stackId,
          ...resourceXml(resource, onEndpoint(req), 'LastUpdatedTimestamp'),
          Metadata: metadata === undefined ? undefined : JSON.stringify(metadata),
        },
      }
    },

    GetTemplate: (params) => {
      const request = decode(Cfn.GetTemplateRequest, params)
      if (request.ChangeSetName !== undefined)
        throw new AwsApiError(404, 'ChangeSetNotFound', `ChangeSet [${request.ChangeSetName}] does not exist`, {
          fault: 'Sender',
        })
      if (request.StackName === undefined)
        throw validationError(
          "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
        )
      const described = stackNamed(request.StackName)
      return {
        TemplateBody: JSON.stringify(described.template, null, 1),
        StagesAvailable: { member: ['Original', 'Processed'] },
      }
    },
  }

  return async (_request, req, res) => {
    try {
      const params = await readQueryParams(req)
      const action = params.Action
      if (action === undefined)
        throw new AwsApiError(400, 'MissingAction', 'The request is missing an action or a required parameter.', {
          fault: 'Sender',
        })
      const version = params.Version ?? ApiVersion
      const run = version === ApiVersion && Object.hasOwn(actions, action) ? actions[action] : undefined
      if (!run)
        throw new AwsApiError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`, {
          fault: 'Sender',
        })
      sendQueryResult(res, action, Namespace, run(params, req))
    } catch (error) {
      sendQueryError(res, Namespace, asAwsApiError(error))
    }
  }
}
