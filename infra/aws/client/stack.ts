import {
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation'
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs'
import { ListTagsForResourceCommand } from '@aws-sdk/client-sfn'
import { WorkflowTag } from '../../../contracts/executions'
import type { AwsClients } from './clients'
import { AwsUnavailable, fromAwsError, NotFound } from './errors'
import { onceRead } from './once'

/** One state machine of the stack. */
export interface Workflow {
  /** What the CLI calls it: its `pipeline:workflow` tag (`image`), else its construct's name (`ImageWorkflow`). */
  readonly name: string
  readonly arn: string
  /** Every name `--workflow` may give it, lower case: tag, construct name, state machine name. */
  readonly aliases: ReadonlyArray<string>
}

/** One dead-letter queue of the stack. */
export interface DeadLetterQueue {
  /** Its construct's name (`ImageDeadLetters`), as the local runtime names it. */
  readonly name: string
  readonly url: string
  /** Its physical name, the end of its URL (`Pipeline-ImageDeadLetters3CF4D147-Ab12Cd34`). */
  readonly physicalName: string
}

/** A logical id or output key without the 8-hex-digit hash the CDK appends to ids in nested constructs. */
export const withoutHash = (id: string): string => id.replace(/(.)[0-9A-F]{8}$/, '$1')

const StateMachineOutput = /^(.*)StateMachineArn(?:[0-9A-F]{8})?$/

/**
 * A dead-letter queue's name from its logical id, as the local runtime names it: without the CDK's hash, and without
 * the id of a construct that holds it (`DeadLettersImageDeadLetters` is ImageDeadLetters, in a `DeadLetters`
 * construct; `OrdersQueueOrdersQueueDeadLetters` is OrdersQueueDeadLetters, in an `OrdersQueue` one).
 */
export const queueName = (logicalId: string): string => {
  const id = withoutHash(logicalId)
  for (let cut = 1; cut < id.length; cut += 1) {
    const [holder, rest] = [id.slice(0, cut), id.slice(cut)]
    if (!/^[A-Z]/.test(rest) || !rest.endsWith('DeadLetters') || rest === 'DeadLetters') continue
    if (holder === 'DeadLetters' || rest.startsWith(holder)) return rest
  }
  return id
}

/** The `DeadLetterQueueUrls` output's queues; undefined when the stack has no such output or it is not a name-to-URL object. */
const queuesFromOutput = (output: string | undefined): ReadonlyArray<DeadLetterQueue> | undefined => {
  if (output === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(output)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const entries = Object.entries(parsed).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && /^https?:\/\//.test(entry[1]),
  )
  return entries.length > 0
    ? entries.map(([name, url]) => ({ name, url, physicalName: url.slice(url.lastIndexOf('/') + 1) }))
    : undefined
}

/**
 * What the CLI reads of a deployed stack, each part once per command: the outputs (DescribeStacks), the resources
 * when the outputs do not say enough (ListStackResources: DescribeStackResources answers only the first 100, and this
 * stack has more), the workflows and the dead-letter queues.
 */
export class StackReader {
  constructor(
    readonly stackName: string,
    private readonly clients: AwsClients,
    private readonly settings: { readonly profile?: string | undefined; readonly region?: string | undefined },
  ) {}

  /** The stack's outputs by key; a stack that does not exist is AwsUnavailable (exit 3). */
  outputs(): Promise<Readonly<Record<string, string>>> {
    return this.outputsOnce()
  }

  private readonly outputsOnce = onceRead(async () => {
    try {
      const answer = await this.clients.cloudformation.send(new DescribeStacksCommand({ StackName: this.stackName }))
      const stack = answer.Stacks?.[0]
      if (!stack) throw new AwsUnavailable(this.missingStack())
      return Object.fromEntries(
        (stack.Outputs ?? []).flatMap((output) =>
          output.OutputKey && output.OutputValue !== undefined ? [[output.OutputKey, output.OutputValue]] : [],
        ),
      )
    } catch (error) {
      // CloudFormation answers a missing stack with a ValidationError: "Stack with id X does not exist".
      if (
        (error as { name?: unknown }).name === 'ValidationError' &&
        /does not exist/i.test(String((error as { message?: unknown }).message))
      ) {
        throw new AwsUnavailable(this.missingStack())
      }
      throw fromAwsError(error, 'CloudFormation', this.settings)
    }
  })

  /** One output's value; a stack without it was deployed from another version of the app. */
  async output(key: string): Promise<string> {
    const value = (await this.outputs())[key]
    if (value === undefined || value === '')
      throw new AwsUnavailable(
        `stack ${this.stackName} has no output ${key}: deploy this version of the app (npx cdk deploy)`,
      )
    return value
  }

  resources(): Promise<ReadonlyArray<StackResourceSummary>> {
    return this.resourcesOnce()
  }

  private readonly resourcesOnce = onceRead(async () => {
    const all: StackResourceSummary[] = []
    let token: string | undefined
    do {
      const page = await this.send('CloudFormation', () =>
        this.clients.cloudformation.send(
          new ListStackResourcesCommand({ StackName: this.stackName, NextToken: token }),
        ),
      )
      all.push(...(page.StackResourceSummaries ?? []))
      token = page.NextToken
    } while (token)
    return all
  })

  /**
   * The stack's state machines: from the outputs whose key ends in `StateMachineArn` (the key's start names the
   * workflow), else from its AWS::StepFunctions::StateMachine resources; each named by its `pipeline:workflow` tag.
   */
  workflows(): Promise<ReadonlyArray<Workflow>> {
    return this.workflowsOnce()
  }

  private readonly workflowsOnce = onceRead(async () => {
    const outputs = await this.outputs()
    let found = Object.entries(outputs).flatMap(([key, arn]) => {
      const match = StateMachineOutput.exec(key)
      return match && arn.startsWith('arn:') ? [{ construct: match[1] || key, arn }] : []
    })
    if (found.length === 0) {
      found = (await this.resources())
        .filter(
          (resource) => resource.ResourceType === 'AWS::StepFunctions::StateMachine' && resource.PhysicalResourceId,
        )
        .map((resource) => ({
          construct: withoutHash(resource.LogicalResourceId ?? '').replace(/(.)StateMachine$/, '$1'),
          arn: resource.PhysicalResourceId ?? '',
        }))
    }
    return Promise.all(
      found.map(async ({ construct, arn }) => {
        const tag = await this.workflowTag(arn)
        const machineName = arn.slice(arn.lastIndexOf(':') + 1)
        const aliases = [
          ...new Set(
            [tag, construct, machineName]
              .filter((alias): alias is string => !!alias)
              .map((alias) => alias.toLowerCase()),
          ),
        ]
        return { name: tag ?? construct, arn, aliases }
      }),
    )
  })

  /** The workflows `name` picks (all of them when undefined); an unknown name is NotFound, listing the known ones. */
  async pickWorkflows(name: string | undefined): Promise<ReadonlyArray<Workflow>> {
    const workflows = await this.workflows()
    if (name === undefined) return workflows
    const wanted = name.trim().toLowerCase()
    const picked = workflows.filter((workflow) => workflow.aliases.includes(wanted))
    if (picked.length === 0)
      throw new NotFound(
        `no workflow ${name} in stack ${this.stackName} (workflows: ${workflows.map((workflow) => workflow.name).join(', ') || 'none'})`,
      )
    return picked
  }

  /** The workflow whose state machine has this ARN, or one named after the ARN's end when the stack has none. */
  async workflowOf(stateMachineArn: string): Promise<string> {
    const found = (await this.workflows()).find((workflow) => workflow.arn === stateMachineArn)
    return found?.name ?? stateMachineArn.slice(stateMachineArn.lastIndexOf(':') + 1)
  }

  /**
   * The dead-letter queues: the `DeadLetterQueueUrls` output (JSON: each queue's URL by the name the local runtime
   * gives it) when the stack has it, else its AWS::SQS::Queue resources whose logical id contains `DeadLetters`.
   */
  deadLetterQueues(): Promise<ReadonlyArray<DeadLetterQueue>> {
    return this.queuesOnce()
  }

  private readonly queuesOnce = onceRead(async () => {
    const listed = queuesFromOutput((await this.outputs()).DeadLetterQueueUrls)
    if (listed) return listed
    const queues = (await this.resources()).filter(
      (resource) =>
        resource.ResourceType === 'AWS::SQS::Queue' &&
        (resource.LogicalResourceId ?? '').includes('DeadLetters') &&
        resource.PhysicalResourceId,
    )
    return Promise.all(
      queues.map(async (resource) => {
        const physical = resource.PhysicalResourceId ?? ''
        // An SQS queue's physical id is its URL; anything else is a name to look the URL up by.
        const url = /^https?:\/\//.test(physical)
          ? physical
          : ((await this.send('SQS', () => this.clients.sqs.send(new GetQueueUrlCommand({ QueueName: physical }))))
              .QueueUrl ?? physical)
        return {
          name: queueName(resource.LogicalResourceId ?? physical),
          url,
          physicalName: url.slice(url.lastIndexOf('/') + 1),
        }
      }),
    )
  })

  /** The queue `name` names: its name, physical name or URL, in any case; else the one queue whose name ends with it. */
  async pickQueue(name: string): Promise<DeadLetterQueue> {
    const queues = await this.deadLetterQueues()
    const wanted = name.trim().toLowerCase()
    const exact = queues.filter((queue) =>
      [queue.name, queue.physicalName, queue.url].some((alias) => alias.toLowerCase() === wanted),
    )
    const found = exact.length > 0 ? exact : queues.filter((queue) => queue.name.toLowerCase().endsWith(wanted))
    if (found.length !== 1) {
      const known = queues.map((queue) => queue.name).join(', ') || 'none'
      throw new NotFound(
        found.length === 0
          ? `no dead-letter queue ${name} in stack ${this.stackName} (queues: ${known})`
          : `${name} names ${found.length} dead-letter queues of stack ${this.stackName}: ${found.map((queue) => queue.name).join(', ')}`,
      )
    }
    return found[0] as DeadLetterQueue
  }

  /** Its `pipeline:workflow` tag; undefined when it has none or the tags cannot be read (no states:ListTagsForResource). */
  private async workflowTag(arn: string): Promise<string | undefined> {
    try {
      const answer = await this.clients.sfn.send(new ListTagsForResourceCommand({ resourceArn: arn }))
      return answer.tags?.find((tag) => tag.key === WorkflowTag)?.value || undefined
    } catch (error) {
      const mapped = fromAwsError(error, 'Step Functions', this.settings)
      if (mapped instanceof AwsUnavailable) throw mapped
      return undefined
    }
  }

  private async send<A>(service: string, call: () => Promise<A>): Promise<A> {
    try {
      return await call()
    } catch (error) {
      throw fromAwsError(error, service, this.settings)
    }
  }

  private missingStack(): string {
    return `no stack ${this.stackName}${this.settings.region ? ` in ${this.settings.region}` : ''}: deploy it (npx cdk deploy), or name it with --stack, --region and --profile`
  }
}
