import { GetTemplateCommand } from '@aws-sdk/client-cloudformation'
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn'
import { parseJson } from '../client/context'
import { withoutHash, type Workflow } from '../client/stack'
import { type WorkflowView } from '../../console/port'
import type { ConsoleContext } from './context'
import { HttpError } from '../../http/errors'
import { onceRead } from '../client/once'

/** A workflow as the console names it: its construct's name (`ImageWorkflow`), as the local runtime does. */
export interface ConsoleWorkflow extends WorkflowView {
  /** Every name a request may give it, lower case: construct name, `pipeline:workflow` tag, state machine name. */
  readonly aliases: ReadonlyArray<string>
}

/** A step's Lambda function: the step's name (`validate-image`, its PIPELINE_STEP) and the function's physical name. */
export interface StepFunctionResource {
  readonly step: string
  readonly functionName: string
}

const StateMachineOutput = /^(.*)StateMachineArn(?:[0-9A-F]{8})?$/

type TemplateResource = {
  readonly Type?: string
  readonly Properties?: { readonly Environment?: { readonly Variables?: Readonly<Record<string, unknown>> } }
}

/**
 * What the console needs of the deployed stack beyond what the CLI reads (`cli/aws/stack.ts`): each workflow's
 * construct name and type, each step's function, and the image table. Read once per server: a redeploy that renames
 * them needs a restart, as it would for the CLI.
 */
export class StackMap {
  constructor(private readonly context: ConsoleContext) {}

  /** The stack's state machines: named by the output that gives their ARN (`ImageWorkflowStateMachineArn`), typed by DescribeStateMachine. */
  workflows(): Promise<ReadonlyArray<ConsoleWorkflow>> {
    return this.workflowsOnce()
  }

  private readonly workflowsOnce = onceRead(async () => {
    const { aws } = this.context
    const [found, outputs] = await Promise.all([aws.stack.workflows(), aws.stack.outputs()])
    const constructOf = (workflow: Workflow): string => {
      const key = Object.keys(outputs).find(
        (candidate) => outputs[candidate] === workflow.arn && StateMachineOutput.test(candidate),
      )
      return key ? (StateMachineOutput.exec(key)?.[1] ?? workflow.name) : workflow.name
    }
    return Promise.all(
      found.map(async (workflow): Promise<ConsoleWorkflow> => {
        const described = await aws.call('Step Functions', () =>
          this.context.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: workflow.arn })),
        )
        const name = constructOf(workflow)
        return {
          name,
          arn: workflow.arn,
          type: described.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
          aliases: [...new Set([name.toLowerCase(), ...workflow.aliases])],
        }
      }),
    )
  })

  /** The workflow a request names (construct name, tag or state machine name, any case); 404 naming the known ones. */
  async workflow(name: string): Promise<ConsoleWorkflow> {
    const workflows = await this.workflows()
    const wanted = name.trim().toLowerCase()
    const found = workflows.find((workflow) => workflow.aliases.includes(wanted) || workflow.arn === name)
    if (!found)
      throw new HttpError(
        404,
        'WorkflowNotFound',
        `workflow: no workflow ${name} in stack ${this.context.aws.stack.stackName} (workflows: ${workflows.map((workflow) => workflow.name).join(', ') || 'none'})`,
      )
    return found
  }

  /** The workflow whose state machine has this ARN; undefined when it is not one of the stack's. */
  async workflowOf(stateMachineArn: string): Promise<ConsoleWorkflow | undefined> {
    return (await this.workflows()).find((workflow) => workflow.arn === stateMachineArn)
  }

  /**
   * Each step's function: the template's AWS::Lambda::Function resources (GetTemplate), named by their PIPELINE_STEP
   * setting (what Powertools' metrics call the service), else by their logical id; physical names from the resources.
   */
  async steps(): Promise<ReadonlyArray<StepFunctionResource>> {
    const [template, resources] = await Promise.all([this.template(), this.context.aws.stack.resources()])
    const physical = new Map(
      resources.map((resource) => [resource.LogicalResourceId ?? '', resource.PhysicalResourceId ?? '']),
    )
    return Object.entries(template)
      .filter(([logicalId, resource]) => resource.Type === 'AWS::Lambda::Function' && physical.get(logicalId))
      .map(([logicalId, resource]) => {
        const step = resource.Properties?.Environment?.Variables?.PIPELINE_STEP
        return {
          step: typeof step === 'string' ? step : withoutHash(logicalId).replace(/(.)Function$/, '$1'),
          functionName: physical.get(logicalId) ?? '',
        }
      })
      .sort((a, b) => a.step.localeCompare(b.step))
  }

  /** The image table's name: what the steps get as IMAGES_TABLE (a Ref to the table), else the table whose logical id says Images. */
  async imageTable(): Promise<string> {
    const [template, resources] = await Promise.all([this.template(), this.context.aws.stack.resources()])
    const physical = new Map(
      resources.map((resource) => [resource.LogicalResourceId ?? '', resource.PhysicalResourceId ?? '']),
    )
    for (const resource of Object.values(template)) {
      const setting = resource.Properties?.Environment?.Variables?.IMAGES_TABLE
      const ref = typeof setting === 'object' && setting !== null ? (setting as { Ref?: unknown }).Ref : undefined
      const name = typeof setting === 'string' ? setting : typeof ref === 'string' ? physical.get(ref) : undefined
      if (name) return name
    }
    const table = resources.find(
      (resource) =>
        resource.ResourceType === 'AWS::DynamoDB::Table' && /^TablesImages/.test(resource.LogicalResourceId ?? ''),
    )
    if (table?.PhysicalResourceId) return table.PhysicalResourceId
    throw new HttpError(
      404,
      'ImageTableNotFound',
      `stack ${this.context.aws.stack.stackName} has no image table: deploy this version of the app (npx cdk deploy)`,
    )
  }

  private template(): Promise<Readonly<Record<string, TemplateResource>>> {
    return this.templateOnce()
  }

  private readonly templateOnce = onceRead(async () => {
    const { aws } = this.context
    const answer = await aws.call('CloudFormation', () =>
      this.context.clients.cloudformation.send(new GetTemplateCommand({ StackName: aws.stack.stackName })),
    )
    const body = parseJson(answer.TemplateBody) as { Resources?: Record<string, TemplateResource> } | undefined
    return body?.Resources ?? {}
  })
}
