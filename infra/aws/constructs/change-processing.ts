import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Tracing } from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'
import type { EventPattern } from '../../../contracts/patterns'
import { OrderChangedType, UserChangedType } from '../../../contracts/sources'
import { UserIdPrefix } from '../../../contracts/users'
import type { StepKey } from '../../../steps/kit/catalog'
import { ChangeWorkflow, changeWorkflowTrigger } from '../../../workflows/change-workflow'
import { ChangePipe } from './change-pipe'
import type { PipelineTables } from './pipeline-tables'
import type { SearchDomain } from './search-domain'
import { StepFunction } from './step-function'
import {
  acknowledgeInvokedVersions,
  acknowledgeWorkflowRole,
  startWorkflowRule,
  workflowLogs,
  type WorkflowLogging,
} from './workflow-plumbing'

/**
 * The users pipe's filter: records whose key is a user id. Pipes refuse `anything-but` with `prefix`
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html, "Pipe support"), so the
 * filter names what passes rather than what does not.
 */
export const userItemsOnly: EventPattern = { dynamodb: { Keys: { userId: { S: [{ prefix: UserIdPrefix }] } } } }

/**
 * The orders pipe's filters: an order placed (its INSERT, PENDING or already decided), decided (a MODIFY whose new
 * image is no longer PENDING) or removed. The change workflow is the one place orders reach search from, and search
 * finds a PENDING order, so a placement passes. The bookkeeping on a PENDING order (republish counts, STUCK) changes
 * nothing search or a notification reads, so it starts no change execution. Pipes bill only the records that pass
 * (https://aws.amazon.com/eventbridge/pricing/), and accept `anything-but` with a list of strings
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html).
 */
export const orderChangesSearchReads: ReadonlyArray<EventPattern> = [
  { eventName: ['INSERT'] },
  { eventName: ['MODIFY'], dynamodb: { NewImage: { status: { S: [{ 'anything-but': ['PENDING'] }] } } } },
  { eventName: ['REMOVE'] },
]

export interface ChangeProcessingProps {
  readonly bus: IEventBus
  /** The orders and users tables stream their changes; the search documents and the ledger take the results. */
  readonly tables: PipelineTables
  /** The search domain the apply step writes to; absent when the stack is deployed without search. */
  readonly search?: SearchDomain
  /** Where a stream batch goes when its pipe keeps failing (`PipeDeadLetters`). */
  readonly pipeDeadLetterQueue: IQueue
  /** Where a failed change goes, with event, error and cause (`ChangeDeadLetters`). */
  readonly deadLetterQueue: IQueue
  /** Where the starting rule puts an event it could not deliver. */
  readonly ruleDeadLetterQueue: IQueue
  /** The settings every step gets (resource names). */
  readonly environment: Record<string, string>
  /** What the workflow logs. @default its entry in DefaultWorkflowLogging (`constructs/workflow-plumbing.ts`) */
  readonly logging?: WorkflowLogging
}

/**
 * Table changes to search documents and notifications: a pipe per streamed table (orders, users) decodes stream
 * records into `OrderChanged` / `UserChanged` events on the bus, and the change workflow (Express) applies each to
 * the search documents and announces it once. The decode steps are pure (no grants); apply writes to the search
 * domain; notify the ledger and the bus.
 */
export class ChangeProcessing extends Construct {
  readonly steps: ReadonlyArray<StepFunction>
  readonly pipes: ReadonlyArray<ChangePipe>
  readonly stateMachine: StateMachine
  readonly startRule: Rule

  constructor(scope: Construct, id: string, props: ChangeProcessingProps) {
    super(scope, id)
    const step = (key: StepKey, tracing?: Tracing) =>
      new StepFunction(this, key, {
        environment: props.environment,
        serviceName: 'changes',
        ...(tracing ? { tracing } : {}),
      })
    // A pipe's enrichment is invoked untraced: the decoders follow no sampling decision of their own.
    const decodeOrders = step('decodeOrderChanges', Tracing.PASS_THROUGH)
    const decodeUsers = step('decodeUserChanges', Tracing.PASS_THROUGH)
    this.pipes = [
      new ChangePipe(this, 'OrderChangesPipe', {
        table: props.tables.orders,
        enrichment: decodeOrders.function,
        bus: props.bus,
        detailType: OrderChangedType,
        deadLetterQueue: props.pipeDeadLetterQueue,
        filters: orderChangesSearchReads,
      }),
      // The users table also holds one `username#<name>` item per user to keep usernames unique: only user items pass.
      new ChangePipe(this, 'UserChangesPipe', {
        table: props.tables.users,
        enrichment: decodeUsers.function,
        bus: props.bus,
        detailType: UserChangedType,
        deadLetterQueue: props.pipeDeadLetterQueue,
        filters: [userItemsOnly],
      }),
    ]

    const apply = step('applyChange')
    const notify = step('notifyChange')
    this.steps = [decodeOrders, decodeUsers, apply, notify]
    props.search?.grant(apply.function, 'write')
    props.tables.ledger.grantReadWriteData(notify.function)
    props.bus.grantPutEventsTo(notify.function)

    const workflow = new ChangeWorkflow(this, 'ChangeWorkflow', {
      apply: apply.function,
      notify: notify.function,
      deadLetterQueue: props.deadLetterQueue,
      logs: workflowLogs(this, 'ChangeWorkflow', props.logging),
    })
    this.stateMachine = workflow.stateMachine
    acknowledgeWorkflowRole(this.stateMachine)
    acknowledgeInvokedVersions(this.stateMachine, [apply.function, notify.function])
    this.startRule = startWorkflowRule(this, 'StartChangeWorkflow', {
      bus: props.bus,
      eventPattern: changeWorkflowTrigger,
      stateMachine: this.stateMachine,
      deadLetterQueue: props.ruleDeadLetterQueue,
    })
  }
}
