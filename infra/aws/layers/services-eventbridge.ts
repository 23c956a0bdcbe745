import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import type { PipelineConfig } from '../../../steps/services/config'
import { EventPublisher } from '../../../steps/services/event-publisher'
import { lazily, setting, type AwsClient, type AwsService } from './aws-layer'
import { EventPublisherEventBridge } from './event-publisher-eventbridge'

const eventbridge: AwsClient<EventBridgeClient> = { make: () => new EventBridgeClient({}) }

export const AwsEventPublisher: AwsService<EventPublisher, EventBridgeClient, PipelineConfig> = {
  client: eventbridge,
  // The bus name itself reaches the publisher through PipelineConfig.busName.
  layer: (eventbridge, env) =>
    lazily(EventPublisher, 'EventPublisher', setting(env, 'EventPublisher'), '', () =>
      EventPublisherEventBridge(eventbridge),
    ),
}
