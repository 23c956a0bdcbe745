import { Aws, Duration, Stack } from 'aws-cdk-lib'
import { EventBus, type Archive } from 'aws-cdk-lib/aws-events'
import { Construct } from 'constructs'

export interface EventBusWithArchiveProps {
  /**
   * The bus's name. @default the stack's name (`AWS::StackName`): a bus name is unique in an account and region, as
   * a stack name is, so a second stack of the pipeline (staging beside production) gets a bus of its own
   */
  readonly busName?: string
  /** @default a name CloudFormation generates, unique to the stack (the `ArchiveName` output says which) */
  readonly archiveName?: string
  /** How long archived events can be replayed. @default 30 days */
  readonly retention?: Duration
}

/**
 * The pipeline's custom event bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus.html) and
 * an archive of every event this account puts on it, for replay after a bug fix
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html). EventBridge does not archive replayed
 * events again, and the steps are idempotent, so a replay adds no side effect twice. Neither name is fixed: the bus
 * is named after its stack and the archive named by CloudFormation, so stacks of the pipeline live side by side.
 */
export class EventBusWithArchive extends Construct {
  readonly bus: EventBus
  readonly archive: Archive

  constructor(scope: Construct, id: string, props: EventBusWithArchiveProps = {}) {
    super(scope, id)
    this.bus = new EventBus(this, 'Bus', { eventBusName: props.busName ?? Aws.STACK_NAME })
    // The construct id names the archive in the local runtime; on AWS CloudFormation names it.
    this.archive = this.bus.archive('pipeline-archive', {
      ...(props.archiveName ? { archiveName: props.archiveName } : {}),
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.retention ?? Duration.days(30),
    })
  }
}
