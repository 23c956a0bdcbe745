import {
  costModel,
  expressGbSeconds,
  lambdaGbSeconds,
  sampledShare,
  workflowLogBytes,
  type Bill,
} from '../../../bench/cost'
import type { Footprint } from '../../../bench/support/footprint'
import { synthesizedPipeline } from '../../support/synthesized'

describe('billing units', () => {
  it('records the reservoir each second, then the fixed rate of the rest (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html)', () => {
    const defaultRule = { reservoirPerSecond: 1, fixedRate: 0.05 }

    expect(sampledShare(0.39, defaultRule)).toBe(1)
    expect(sampledShare(100, defaultRule)).toBeCloseTo((1 + 0.05 * 99) / 100)
    expect(sampledShare(0.39, { reservoirPerSecond: 0, fixedRate: 0.01 })).toBe(0.01)
    expect(sampledShare(0, defaultRule)).toBe(0)
  })

  it('bills Lambda by the millisecond rounded up, times the memory (https://aws.amazon.com/lambda/pricing/)', () => {
    expect(lambdaGbSeconds(12.1, 256)).toBe(0.013 * 0.25)
    expect(lambdaGbSeconds(392, 2048)).toBe(0.392 * 2)
  })

  it('bills Express in 100 ms steps of 64 MB (https://aws.amazon.com/step-functions/pricing/)', () => {
    expect(expressGbSeconds(169)).toBeCloseTo(0.2 * 0.0625)
    expect(expressGbSeconds(0)).toBeCloseTo(0.1 * 0.0625)
  })

  it('sends a workflow log the history with its data at ALL, its events alone without data, failures only below ALL (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)', () => {
    const workflow = { logBytesPerUnit: 20_000, historyEventsPerUnit: 20 }

    expect(
      [
        { level: 'ALL', includeExecutionData: true },
        { level: 'ALL', includeExecutionData: false },
        { level: 'ERROR', includeExecutionData: true },
        { level: 'OFF', includeExecutionData: true },
      ].map((logging) => workflowLogBytes(workflow, logging as never, 0.01)),
    ).toEqual([20_000, 5_000, 200, 0])
  })
})

describe('the bill of the synthesized template', () => {
  const template = synthesizedPipeline()
  const event = (bus: string, source: string, detailType: string) => ({
    bus,
    source,
    detailType,
    perUnit: 1,
    meanBytes: 800,
  })
  const perImage: Footprint = {
    units: 1,
    workflows: [
      {
        workflow: 'image',
        executionsPerUnit: 1,
        medianDurationMs: 300,
        transitionsPerUnit: 3,
        logBytesPerUnit: 10_000,
        historyEventsPerUnit: 12,
      },
    ],
    tasks: [
      { workflow: 'image', state: 'ValidateAndRender', perUnit: 1, medianMs: 200 },
      { workflow: 'image', state: 'PersistImage', perUnit: 1, medianMs: 1 },
      { workflow: 'image', state: 'IndexImage', perUnit: 1, medianMs: 1 },
    ],
    eventsPerUnit: 5,
    meanEventBytes: 800,
    eventsByKind: [
      event('default', 'aws.s3', 'Object Created'),
      event('pipeline', 'aws.s3', 'Object Created'),
      event('pipeline', 'pipeline.images', 'ImageProcessed'),
      event('default', 'aws.states', 'Step Functions Execution Status Change'),
    ],
    archivedPerUnit: 2,
    archivedBytesPerUnit: 1600,
    streamRecordsPerUnit: 0,
  }
  const bill = costModel(undefined, { perImage, jpegBytes: 5_000_000 }, template).perMillionImages
  const usd = (item: string, from: Bill = bill) =>
    from.lines.find((candidate) => candidate.item === item)?.usdPerMillion

  it('bills each Standard transition (https://aws.amazon.com/step-functions/pricing/)', () => {
    expect(usd('Step Functions Standard: image transitions')).toBeCloseTo(75)
  })

  it('bills S3 events on the default bus as opt-in data events, forwarded ones as custom events, and Step Functions status changes not at all (https://aws.amazon.com/eventbridge/pricing/)', () => {
    expect(usd('EventBridge AWS opt-in data events')).toBeCloseTo(1)
    expect(usd('EventBridge events sent to another bus')).toBeCloseTo(1)
    expect(usd('EventBridge custom events')).toBeCloseTo(1)
    expect(bill.lines.filter((item) => item.basis.includes('Status Change'))).toEqual([])
  })

  it('records 1% of image executions as traces, under the sampling rule in the template', () => {
    expect(bill.lines.find((item) => item.item === 'X-Ray traces')?.quantityPerMillion).toBeCloseTo(10_000)
  })

  it('logs nothing for a successful invocation: JSON at system level WARN, and no line from the step', () => {
    expect(usd('CloudWatch Logs: Lambda')).toBeUndefined()
  })

  it('bills the render step its compute and the S3 calls it waits for, at its 2048 MB', () => {
    const render = bill.lines.find((item) => item.item.startsWith('Lambda duration: image/ValidateAndRender'))!

    expect(render.item).toMatch(/\(2048 MB, (\d+) ms\)/)
    // 200 ms compute + 4 requests of 30 ms + 5 MB at 85 MB/s (59 ms)
    expect(render.item).toContain('379 ms')
  })

  it('writes the search document to the OpenSearch domain, not to DynamoDB: the image record and the ledger only', () => {
    expect(bill.lines.find((item) => item.item === 'DynamoDB writes')?.quantityPerMillion).toBe(3_000_000)
    expect(
      bill.lines.find((item) => item.item === 'Lambda duration: image/IndexImage (256 MB, 21 ms)')?.basis,
    ).toContain('OpenSearch index request')
  })

  it('costs the search domain its instance hours and gp3 storage a month, whatever the traffic (https://aws.amazon.com/opensearch-service/pricing/)', () => {
    const { search } = costModel(undefined, undefined, template)

    // 730 hours of a t3.small.search at $0.036, and 10 GB of gp3 at $0.122
    expect(search.idleUsdPerMonth).toBeCloseTo(26.28 + 1.22)
    expect(search.documentsThatFitDefaultVolume).toBe(5_242_880)
  })
})
