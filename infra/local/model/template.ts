import type { CfnTemplate } from '../../aws/synth'

/** The account and region the local runtime pretends to be in; every local ARN carries them. */
export const LocalAccount = '000000000000'
export const LocalRegion = 'us-east-1'
/**
 * The stack the CDK app synthesizes, by the name `cdk deploy` gives it; what is named after its stack (`AWS::StackName`:
 * the pipeline bus) takes this name.
 */
export const LocalStackName = 'Pipeline'

/** How the runtime names a queue inside the template (`Ref` of an AWS::SQS::Queue); the API answers it on its endpoint. */
export const templateQueueUrl = (name: string): string => `http://sqs.${LocalRegion}.localhost/${LocalAccount}/${name}`

type Resource = CfnTemplate['Resources'][string]

/** A logical id without the 8-hex-digit hash the CDK appends: `Uploads4F6EB0FD` becomes `Uploads`. */
const baseName = (logicalId: string) => logicalId.replace(/(.)[0-9A-F]{8}$/, '$1')

/** Construct ids that say what kind of thing a resource is rather than which one: the name comes from a parent. */
const GenericIds = new Set([
  'Resource',
  'Default',
  'Function',
  'StateMachine',
  'Pipe',
  'Queue',
  'Table',
  'Bucket',
  'Rule',
  'Archive',
])

/** The construct a resource belongs to, from its `aws:cdk:path` (`Pipeline/Orders/Resource` names it `Orders`). */
const constructName = (resource: Resource): string | undefined => {
  const path = (resource as { Metadata?: Record<string, unknown> }).Metadata?.['aws:cdk:path']
  if (typeof path !== 'string') return undefined
  const segments = path.split('/').slice(1)
  while (segments.length > 1 && GenericIds.has(segments.at(-1)!)) segments.pop()
  const name = segments.at(-1)
  return name && /^[A-Za-z0-9_.-]+$/.test(name) ? name : undefined
}

/** Resources whose construct name another resource of the same type shares: those keep their logical id's name. */
const sharedNames = new WeakMap<CfnTemplate, Set<string>>()
const ambiguous = (template: CfnTemplate, resource: Resource, name: string): boolean => {
  let shared = sharedNames.get(template)
  if (!shared) {
    const seen = new Map<string, number>()
    for (const candidate of Object.values(template.Resources)) {
      const candidateName = constructName(candidate)
      if (candidateName)
        seen.set(`${candidate.Type}/${candidateName}`, (seen.get(`${candidate.Type}/${candidateName}`) ?? 0) + 1)
    }
    shared = new Set([...seen].filter(([, count]) => count > 1).map(([key]) => key))
    sharedNames.set(template, shared)
  }
  return shared.has(`${resource.Type}/${name}`)
}

let currentTemplate: CfnTemplate | undefined

/**
 * The name CloudFormation would give a resource: its explicit name property, else the construct it belongs to
 * (stable however the constructs are nested), else its logical id without the CDK's hash.
 */
const physicalName = (logicalId: string, resource: Resource): string => {
  const props = resource.Properties ?? {}
  const explicit = {
    'AWS::Pipes::Pipe': 'Name',
    'AWS::Scheduler::Schedule': 'Name',
    'AWS::S3::Bucket': 'BucketName',
    'AWS::SQS::Queue': 'QueueName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::Events::EventBus': 'Name',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::Events::Rule': 'Name',
    'AWS::Events::Archive': 'ArchiveName',
  }[resource.Type]
  const value = explicit ? props[explicit] : undefined
  if (typeof value === 'string') return value
  // A name derived from the stack (`Ref AWS::StackName`, joined): resolved as the local runtime names its stack.
  if (value !== undefined && currentTemplate) {
    const resolved = resolveIntrinsics(currentTemplate, value)
    if (typeof resolved === 'string') return resolved
  }
  const fromConstruct = constructName(resource)
  const name =
    fromConstruct && !(currentTemplate && ambiguous(currentTemplate, resource, fromConstruct))
      ? fromConstruct
      : baseName(logicalId)
  return resource.Type === 'AWS::S3::Bucket' ? name.toLowerCase().replace(/[^a-z0-9-]/g, '') : name
}

/** ARNs, URLs and names as `Ref` and `Fn::GetAtt` resolve them, for the resource types the pipeline uses. */
const refOf = (logicalId: string, resource: Resource): string => {
  const name = physicalName(logicalId, resource)
  switch (resource.Type) {
    case 'AWS::SQS::Queue':
      return templateQueueUrl(name)
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${LocalRegion}:${LocalAccount}:stateMachine:${name}`
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${LocalRegion}:${LocalAccount}:${name}`
    default:
      return name
  }
}

const arnOf = (logicalId: string, resource: Resource): string => {
  const name = physicalName(logicalId, resource)
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${LocalRegion}:${LocalAccount}:function:${name}`
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${LocalRegion}:${LocalAccount}:${name}`
    case 'AWS::Events::EventBus':
      return `arn:aws:events:${LocalRegion}:${LocalAccount}:event-bus/${name}`
    case 'AWS::Events::Archive':
      return `arn:aws:events:${LocalRegion}:${LocalAccount}:archive/${name}`
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${name}`
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${LocalRegion}:${LocalAccount}:table/${name}`
    case 'AWS::StepFunctions::StateMachine':
      return refOf(logicalId, resource)
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${LocalAccount}:role/${name}`
    default:
      return `arn:aws:local:${LocalRegion}:${LocalAccount}:${name}`
  }
}

const pseudo: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LocalRegion,
  'AWS::AccountId': LocalAccount,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': LocalStackName,
  'AWS::NoValue': '',
}

/**
 * Resolves the intrinsic functions the CDK emits (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Select`, `Fn::Sub`)
 * to local names and ARNs, so the local runtime runs exactly the definitions and patterns that were synthesized.
 */
export const resolveIntrinsics = (template: CfnTemplate, value: unknown): unknown => {
  currentTemplate = template
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve)
    if (node === null || typeof node !== 'object') return node
    const entries = Object.entries(node)
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!
      if (fn === 'Ref') {
        const id = String(arg)
        if (id in pseudo) return pseudo[id]
        const resource = template.Resources[id]
        if (!resource) throw new Error(`Ref to unknown resource ${id}`)
        return refOf(id, resource)
      }
      if (fn === 'Fn::GetAtt') {
        const [id, attribute] = arg as [string, string]
        const resource = template.Resources[id]
        if (!resource) throw new Error(`Fn::GetAtt on unknown resource ${id}`)
        if (attribute === 'Arn') return arnOf(id, resource)
        if (attribute === 'QueueUrl') return refOf(id, resource)
        if (attribute === 'QueueName' || attribute === 'Name') return physicalName(id, resource)
        if (attribute === 'StreamArn') return `${arnOf(id, resource)}/stream/local`
        // Locally the search index is SQLite; the domain's endpoint only has to be a name the functions are given.
        if (attribute === 'DomainEndpoint' && resource.Type === 'AWS::OpenSearchService::Domain')
          return `${physicalName(id, resource)}.${LocalRegion}.es.localhost`
        throw new Error(`Fn::GetAtt ${id}.${attribute} is not supported by the local runtime`)
      }
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]]
        return (resolve(parts) as unknown[]).map(String).join(separator)
      }
      if (fn === 'Fn::Select') {
        const [index, list] = arg as [number, unknown]
        return (resolve(list) as unknown[])[Number(index)]
      }
      if (fn === 'Fn::Sub' && typeof arg === 'string') {
        return arg.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
          String(resolve(name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name })),
        )
      }
    }
    return Object.fromEntries(entries.map(([key, child]) => [key, resolve(child)]))
  }
  return resolve(value)
}

/** Everything the local runtime needs from a synthesized template, with intrinsics resolved. */
export interface LocalModel {
  readonly buses: ReadonlyArray<{ readonly name: string; readonly arn: string }>
  readonly archives: ReadonlyArray<{
    readonly name: string
    readonly busArn: string
    readonly pattern: unknown
    readonly retentionDays: number
  }>
  readonly rules: ReadonlyArray<LocalRule>
  readonly stateMachines: ReadonlyArray<LocalStateMachine>
  readonly functions: ReadonlyArray<{
    readonly arn: string
    readonly name: string
    readonly step: string
    readonly environment: Record<string, string>
  }>
  readonly queues: ReadonlyArray<LocalQueue>
  readonly buckets: ReadonlyArray<{ readonly name: string; readonly eventBridge: boolean }>
  readonly tables?: ReadonlyArray<{ readonly name: string; readonly arn: string; readonly streamArn?: string }>
  readonly eventSourceMappings?: ReadonlyArray<LocalEventSourceMapping>
  readonly pipes?: ReadonlyArray<LocalPipe>
  readonly schedules?: ReadonlyArray<LocalSchedule>
  /** The stack itself, as CloudFormation describes it (absent from a model built by hand). */
  readonly stack?: LocalStack
}

/** The synthesized stack as DescribeStacks and ListStackResources show it, every value resolved to its local name. */
export interface LocalStack {
  readonly name: string
  readonly description?: string
  /** The template as `cdk synth` wrote it (GetTemplate's body). */
  readonly template: CfnTemplate
  /** Each parameter with its default value (the local runtime takes no parameter values). */
  readonly parameters: ReadonlyArray<{ readonly key: string; readonly value: string }>
  /** The outputs `cdk deploy` prints, resolved as `Ref`, `Fn::GetAtt` and `Fn::Join` resolve locally. */
  readonly outputs: ReadonlyArray<{
    readonly key: string
    readonly value: string
    readonly description?: string
    readonly exportName?: string
  }>
  /** Every resource, with the physical id `Ref` gives it locally (a name, an ARN or a queue URL). */
  readonly resources: ReadonlyArray<{ readonly logicalId: string; readonly type: string; readonly physicalId: string }>
}

export interface LocalQueue {
  readonly name: string
  readonly url: string
  readonly arn: string
  /** How long a received message stays invisible, in seconds (SQS's default is 30). */
  readonly visibilityTimeoutSeconds?: number
  /** Where a message goes once it was received `maxReceiveCount` times without being deleted. */
  readonly redrive?: { readonly deadLetterArn: string; readonly maxReceiveCount: number }
  /** The queue's properties in the template, resolved: CloudFormation names them as SQS names its attributes. */
  readonly properties?: Readonly<Record<string, unknown>>
}

/** A Lambda event source mapping over an SQS queue: the poller Lambda runs for the function. */
export interface LocalEventSourceMapping {
  readonly sourceArn: string
  readonly functionName: string
  readonly batchSize: number
  readonly reportBatchItemFailures: boolean
  /** The mapping's filter patterns (JSON text); a message must match one of them, when there are any. */
  readonly filters?: ReadonlyArray<string>
  /** How many invocations the mapping runs at once (ScalingConfig.MaximumConcurrency); unset, up to 1,250. */
  readonly maximumConcurrency?: number
}

/** An EventBridge pipe from a DynamoDB stream, through an enrichment function, to a bus. */
export interface LocalPipe {
  readonly name: string
  readonly sourceArn: string
  readonly enrichmentArn?: string
  readonly targetArn: string
  readonly detailType: string
  readonly source: string
  readonly batchSize: number
  readonly maximumRetryAttempts: number
  readonly deadLetterArn?: string
  /** The pipe's filter patterns (JSON text); a record must match one of them, when there are any. */
  readonly filters: ReadonlyArray<string>
  /** `AUTOMATIC_BISECT`: a failing batch is halved and each half retried, down to the one record that fails. */
  readonly onPartialBatchItemFailure?: 'AUTOMATIC_BISECT'
  /** How long the pipe gathers records before it invokes, in seconds (MaximumBatchingWindowInSeconds). */
  readonly maximumBatchingWindowSeconds?: number
}

/** An EventBridge Scheduler schedule that starts a target with a fixed input. */
export interface LocalSchedule {
  readonly name: string
  readonly expression: string
  readonly targetArn: string
  readonly input: string
  readonly enabled: boolean
}

export interface LocalRule {
  readonly name: string
  readonly bus: string
  readonly pattern: unknown
  readonly targets: ReadonlyArray<{
    readonly id: string
    readonly arn: string
    readonly deadLetterArn?: string
    readonly maximumRetryAttempts: number
    readonly maximumEventAgeSeconds: number
  }>
}

export interface LocalStateMachine {
  readonly arn: string
  readonly name: string
  readonly workflow: string
  readonly type: 'STANDARD' | 'EXPRESS'
  readonly definition: Record<string, unknown>
  /** The role the template gives it (DescribeStateMachine's roleArn). */
  readonly roleArn?: string
  /** Its tags, as ListTagsForResource answers them. */
  readonly tags?: ReadonlyArray<{ readonly key: string; readonly value: string }>
  /** What it logs (the template's LoggingConfiguration): the level, and whether with execution data. */
  readonly logging?: { readonly level: string; readonly includeExecutionData: boolean }
  /** Whether X-Ray tracing is on. */
  readonly tracing?: boolean
}

/** A state machine's logging and tracing settings, as DescribeStateMachine shows them. */
const loggingOf = (props: Record<string, unknown>) => {
  const logging = props.LoggingConfiguration as { Level?: string; IncludeExecutionData?: boolean } | undefined
  const tracing = props.TracingConfiguration as { Enabled?: boolean } | undefined
  return {
    logging: { level: logging?.Level ?? 'OFF', includeExecutionData: logging?.IncludeExecutionData ?? false },
    tracing: tracing?.Enabled === true,
  }
}

/** Reads the local model out of a template: what runs locally is what `cdk synth` produced, nothing hand-written. */
export const localModel = (template: CfnTemplate, workflowTag: string): LocalModel => {
  currentTemplate = template
  const resources = Object.entries(template.Resources)
  const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type)
  const props = (resource: Resource) =>
    resolveIntrinsics(template, resource.Properties ?? {}) as Record<string, unknown>

  const buses = [
    { name: 'default', arn: `arn:aws:events:${LocalRegion}:${LocalAccount}:event-bus/default` },
    ...ofType('AWS::Events::EventBus').map(([id, resource]) => ({
      name: physicalName(id, resource),
      arn: arnOf(id, resource),
    })),
  ]
  const busNameOf = (nameOrArn: unknown) => {
    const value = String(nameOrArn ?? 'default')
    return value.startsWith('arn:') ? value.slice(value.lastIndexOf('/') + 1) : value
  }

  const archives = ofType('AWS::Events::Archive').map(([id, resource]) => {
    const p = props(resource)
    return {
      name: physicalName(id, resource),
      busArn: String(p.SourceArn),
      pattern: p.EventPattern ?? null,
      retentionDays: Number(p.RetentionDays ?? 0),
    }
  })

  const rules = ofType('AWS::Events::Rule')
    .filter(([, resource]) => (resource.Properties?.State ?? 'ENABLED') === 'ENABLED')
    .map(([id, resource]) => {
      const p = props(resource)
      const targets = ((p.Targets as Array<Record<string, unknown>> | undefined) ?? []).map((target) => {
        const retry = (target.RetryPolicy ?? {}) as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }
        const deadLetter = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn
        return {
          id: String(target.Id),
          arn: String(target.Arn),
          ...(deadLetter ? { deadLetterArn: deadLetter } : {}),
          // EventBridge's defaults when a target sets no retry policy.
          maximumRetryAttempts: retry.MaximumRetryAttempts ?? 185,
          maximumEventAgeSeconds: retry.MaximumEventAgeInSeconds ?? 86400,
        }
      })
      return { name: physicalName(id, resource), bus: busNameOf(p.EventBusName), pattern: p.EventPattern, targets }
    })

  const stateMachines = ofType('AWS::StepFunctions::StateMachine').map(([id, resource]) => {
    const p = props(resource)
    const definition = typeof p.DefinitionString === 'string' ? JSON.parse(p.DefinitionString) : p.Definition
    const tags = (p.Tags as Array<{ Key: string; Value: string }> | undefined) ?? []
    return {
      arn: refOf(id, resource),
      name: physicalName(id, resource),
      workflow: tags.find((tag) => tag.Key === workflowTag)?.Value ?? physicalName(id, resource),
      type: (p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD') as 'STANDARD' | 'EXPRESS',
      definition: definition as Record<string, unknown>,
      ...(typeof p.RoleArn === 'string' ? { roleArn: p.RoleArn } : {}),
      tags: tags.map((tag) => ({ key: String(tag.Key), value: String(tag.Value) })),
      ...loggingOf(p),
    }
  })

  const functions = ofType('AWS::Lambda::Function').flatMap(([id, resource]) => {
    const environment =
      (props(resource).Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}
    return environment.PIPELINE_STEP
      ? [{ arn: arnOf(id, resource), name: physicalName(id, resource), step: environment.PIPELINE_STEP, environment }]
      : []
  })

  const queues = ofType('AWS::SQS::Queue').map(([id, resource]) => {
    const p = props(resource)
    const redrive = p.RedrivePolicy as { deadLetterTargetArn?: string; maxReceiveCount?: number } | undefined
    return {
      name: physicalName(id, resource),
      url: refOf(id, resource),
      arn: arnOf(id, resource),
      properties: p,
      ...(p.VisibilityTimeout === undefined ? {} : { visibilityTimeoutSeconds: Number(p.VisibilityTimeout) }),
      ...(redrive?.deadLetterTargetArn
        ? {
            redrive: {
              deadLetterArn: redrive.deadLetterTargetArn,
              maxReceiveCount: Number(redrive.maxReceiveCount ?? 10),
            },
          }
        : {}),
    }
  })

  const tables = ofType('AWS::DynamoDB::Table').map(([id, resource]) => {
    const streamed = (resource.Properties?.StreamSpecification as { StreamViewType?: string } | undefined)
      ?.StreamViewType
    return {
      name: physicalName(id, resource),
      arn: arnOf(id, resource),
      ...(streamed ? { streamArn: `${arnOf(id, resource)}/stream/local` } : {}),
    }
  })

  const filterPatterns = (criteria: unknown): ReadonlyArray<string> =>
    ((criteria as { Filters?: Array<{ Pattern?: string }> } | undefined)?.Filters ?? []).flatMap((filter) =>
      filter.Pattern ? [filter.Pattern] : [],
    )

  const eventSourceMappings = ofType('AWS::Lambda::EventSourceMapping').map(([, resource]) => {
    const p = props(resource)
    const maximumConcurrency = (p.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency
    return {
      sourceArn: String(p.EventSourceArn),
      functionName: String(p.FunctionName),
      batchSize: Number(p.BatchSize ?? 10),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      filters: filterPatterns(p.FilterCriteria),
      ...(maximumConcurrency === undefined ? {} : { maximumConcurrency: Number(maximumConcurrency) }),
    }
  })

  const pipes = ofType('AWS::Pipes::Pipe').map(([id, resource]) => {
    const p = props(resource)
    const stream = ((p.SourceParameters as Record<string, unknown> | undefined)?.DynamoDBStreamParameters ?? {}) as {
      BatchSize?: number
      MaximumRetryAttempts?: number
      DeadLetterConfig?: { Arn?: string }
      OnPartialBatchItemFailure?: string
      MaximumBatchingWindowInSeconds?: number
    }
    const target = ((p.TargetParameters as Record<string, unknown> | undefined)?.EventBridgeEventBusParameters ??
      {}) as { DetailType?: string; Source?: string }
    return {
      name: physicalName(id, resource),
      sourceArn: String(p.Source),
      ...(p.Enrichment ? { enrichmentArn: String(p.Enrichment) } : {}),
      targetArn: String(p.Target),
      detailType: target.DetailType ?? 'Event from aws:dynamodb',
      source: target.Source ?? `Pipe ${physicalName(id, resource)}`,
      batchSize: Number(stream.BatchSize ?? 100),
      // Pipes retries a failing batch until the record expires unless told otherwise; -1 means "for ever".
      maximumRetryAttempts: Number(stream.MaximumRetryAttempts ?? -1),
      ...(stream.DeadLetterConfig?.Arn ? { deadLetterArn: stream.DeadLetterConfig.Arn } : {}),
      filters: filterPatterns((p.SourceParameters as { FilterCriteria?: unknown } | undefined)?.FilterCriteria),
      ...(stream.OnPartialBatchItemFailure === 'AUTOMATIC_BISECT'
        ? { onPartialBatchItemFailure: 'AUTOMATIC_BISECT' as const }
        : {}),
      ...(stream.MaximumBatchingWindowInSeconds === undefined
        ? {}
        : { maximumBatchingWindowSeconds: Number(stream.MaximumBatchingWindowInSeconds) }),
    }
  })

  const schedules = ofType('AWS::Scheduler::Schedule').map(([id, resource]) => {
    const p = props(resource)
    const target = (p.Target ?? {}) as { Arn?: string; Input?: string }
    return {
      name: physicalName(id, resource),
      expression: String(p.ScheduleExpression),
      targetArn: String(target.Arn),
      input: target.Input ?? '{}',
      enabled: p.State !== 'DISABLED',
    }
  })

  const eventBridgeBuckets = new Set(
    ofType('Custom::S3BucketNotifications').flatMap(([, resource]) => {
      const p = props(resource)
      const config = p.NotificationConfiguration as { EventBridgeConfiguration?: unknown } | undefined
      return config?.EventBridgeConfiguration ? [String(p.BucketName)] : []
    }),
  )
  const buckets = ofType('AWS::S3::Bucket').map(([id, resource]) => {
    const name = physicalName(id, resource)
    const direct = (props(resource).NotificationConfiguration as { EventBridgeConfiguration?: unknown } | undefined)
      ?.EventBridgeConfiguration
    return { name, eventBridge: Boolean(direct) || eventBridgeBuckets.has(name) }
  })

  return {
    buses,
    archives,
    rules,
    stateMachines,
    functions,
    queues,
    buckets,
    tables,
    eventSourceMappings,
    pipes,
    schedules,
    stack: localStack(template),
  }
}

/** The stack as CloudFormation describes it once deployed: outputs and physical ids resolved to local names. */
const localStack = (template: CfnTemplate): LocalStack => {
  const raw = template as CfnTemplate & {
    readonly Description?: unknown
    readonly Parameters?: Record<string, { readonly Default?: unknown }>
  }
  const outputs = Object.entries((template.Outputs ?? {}) as Record<string, Record<string, unknown>>).flatMap(
    ([key, output]) => {
      let value: unknown
      try {
        value = resolveIntrinsics(template, output.Value)
      } catch {
        return [] // an output built from what the local runtime does not resolve: not shown, rather than shown wrong
      }
      const exportName = (output.Export as { Name?: unknown } | undefined)?.Name
      return [
        {
          key,
          value: typeof value === 'string' ? value : JSON.stringify(value),
          ...(typeof output.Description === 'string' ? { description: output.Description } : {}),
          ...(exportName === undefined ? {} : { exportName: String(resolveIntrinsics(template, exportName)) }),
        },
      ]
    },
  )
  return {
    name: LocalStackName,
    ...(typeof raw.Description === 'string' ? { description: raw.Description } : {}),
    template,
    parameters: Object.entries(raw.Parameters ?? {}).map(([key, parameter]) => ({
      key,
      value: String(parameter.Default ?? ''),
    })),
    outputs,
    resources: Object.entries(template.Resources).map(([logicalId, resource]) => ({
      logicalId,
      type: resource.Type,
      physicalId: refOf(logicalId, resource),
    })),
  }
}
