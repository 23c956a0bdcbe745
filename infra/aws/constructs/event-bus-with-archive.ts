import { Duration, Stack } from 'aws-cdk-lib'
import { EventBus, type Archive } from 'aws-cdk-lib/aws-events'
import { Construct } from 'constructs'

export interface EventBusWithArchiveProps {
  /** The bus's name, which is also what the local runtime calls it. @default 'pipeline' */
  readonly busName?: string
  /** @default 'pipeline-archive' */
  readonly archiveName?: string
  /** How long archived events can be replayed. @default 30 days */
  readonly retention?: Duration
}

/**
 * The pipeline's custom event bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus.html) and
 * an archive of every event this account puts on it, for replay after a bug fix
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html). EventBridge does not archive replayed
 * events again, and the steps are idempotent, so a replay adds no side effect twice.
 */
export class EventBusWithArchive extends Construct {
  readonly bus: EventBus
  readonly archive: Archive

  constructor(scope: Construct, id: string, props: EventBusWithArchiveProps = {}) {
    super(scope, id)
    this.bus = new EventBus(this, 'Bus', { eventBusName: props.busName ?? 'pipeline' })
    this.archive = this.bus.archive('Archive', {
      archiveName: props.archiveName ?? 'pipeline-archive',
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.retention ?? Duration.days(30),
    })
  }
}
