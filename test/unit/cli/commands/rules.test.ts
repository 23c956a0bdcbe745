import type { RuleView } from '../../../../cli/client'
import { targetName } from '../../../../cli/commands/rules'
import { main } from '../../../../cli/main'
import { captureIo, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

const rules: RuleView[] = [
  {
    name: 'ImageUploaded',
    bus: 'pipeline-bus',
    pattern: { source: ['aws.s3'], 'detail-type': ['Object Created'] },
    targets: [
      { id: 'Target0', arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ImageWorkflow' },
      { id: 'Target1', arn: 'arn:aws:sqs:us-east-1:123456789012:audit-queue' },
    ],
  },
  {
    name: 'ImageProcessed',
    bus: 'default',
    pattern: { source: ['pipeline.images'] },
    targets: [{ id: 'Notify', arn: 'arn:aws:lambda:us-east-1:123456789012:function:notify' }],
  },
  { name: 'Orphan', bus: 'pipeline-bus', pattern: { source: ['x'] }, targets: [] },
]

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

describe('pipeline rules', () => {
  it('prints each rule with its bus and targets', async () => {
    // Prepare
    runtime = await startFakeRuntime({ rules })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['rules'], io)

    // Assess
    expect(code).toBe(0)
    expect(stdout()).toBe(
      [
        'NAME            BUS           TARGETS',
        'ImageUploaded   pipeline-bus  ImageWorkflow, audit-queue',
        'ImageProcessed  default       notify',
        'Orphan          pipeline-bus  -',
        '',
      ].join('\n'),
    )
  })

  it("prints the server's JSON, patterns included, with --json", async () => {
    runtime = await startFakeRuntime({ rules })
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['rules', '--json'], io)

    expect(code).toBe(0)
    expect(JSON.parse(stdout())).toEqual({ rules })
  })

  it('says so when there are none', async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['rules'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No rules.\n')
  })
})

describe('targetName', () => {
  it.each([
    { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ImageWorkflow', name: 'ImageWorkflow' },
    { arn: 'arn:aws:lambda:us-east-1:123456789012:function:resize:live', name: 'resize:live' },
    { arn: 'arn:aws:events:us-east-1:123456789012:event-bus/archive-bus', name: 'archive-bus' },
    { arn: 'arn:aws:sqs:us-east-1:123456789012:dlq', name: 'dlq' },
    { arn: 'not-an-arn', name: 'T' },
    { arn: '', name: 'T' },
  ])('names $arn $name', ({ arn, name }) => {
    expect(targetName({ id: 'T', arn })).toBe(name)
  })
})
