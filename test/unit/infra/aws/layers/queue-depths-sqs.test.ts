import { GetQueueAttributesCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import { QueueDepthsSqs } from '../../../../../infra/aws/layers/queue-depths-sqs'
import { QueueDepths } from '../../../../../steps/services/queue-depths'
import { runWith } from '../../../../support/run-with'
import { defectOf } from '../../../../support/exits'

const client = new SQSClient({ region: 'eu-west-1' })
const sqs = mockClient(client)
const imageUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/image-dlq'
const ruleUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/rule-dlq'

const depths = (queueUrls: Record<string, string> = { images: imageUrl, rules: ruleUrl }) =>
  runWith(QueueDepthsSqs(client, queueUrls), QueueDepths)((queues) => queues.deadLetterDepths())

beforeEach(() => sqs.reset())

describe('QueueDepthsSqs', () => {
  it('asks each queue for ApproximateNumberOfMessages and answers the depths under their names, in order', async () => {
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: imageUrl })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '3' } })
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: ruleUrl })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '0' } })

    const exit = await depths()

    expect(exit).toEqual(
      Exit.succeed([
        { name: 'images', depth: 3 },
        { name: 'rules', depth: 0 },
      ]),
    )
    expect(sqs.commandCalls(GetQueueAttributesCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: imageUrl, AttributeNames: ['ApproximateNumberOfMessages'] },
      { QueueUrl: ruleUrl, AttributeNames: ['ApproximateNumberOfMessages'] },
    ])
  })

  it('answers nothing, asking nothing, for no queues', async () => {
    expect(await depths({})).toEqual(Exit.succeed([]))
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(0)
  })

  it('fails with TransientError when SQS throttles', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestThrottled', $fault: 'client' }))

    const exit = await depths({ images: imageUrl })

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({ operation: 'QueueDepths.deadLetterDepths', message: 'RequestThrottled: Rate exceeded' }),
      ),
    )
  })

  it('dies when a queue does not exist', async () => {
    const missing = new QueueDoesNotExist({ $metadata: {}, message: 'The specified queue does not exist.' })
    sqs.on(GetQueueAttributesCommand).rejects(missing)

    expect(defectOf(await depths({ images: imageUrl }))).toBe(missing)
  })

  it('dies when the answer lacks the attribute', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} })

    expect(defectOf(await depths({ images: imageUrl }))).toEqual(
      new Error(`GetQueueAttributes for ${imageUrl} answered ApproximateNumberOfMessages undefined`),
    )
  })
})
