/**
 * AWS prices the cost model uses: us-east-1, on-demand, no free tier, read on {@link PricesAsOf}. Each names the page
 * it comes from. `confirmed: false` marks a figure this project could not read on the AWS page itself when it was
 * written (the page renders its tables in the browser): check it before relying on the total.
 */
export interface Price {
  readonly usd: number
  readonly per: string
  readonly source: string
  readonly confirmed: boolean
}

const lambda = 'https://aws.amazon.com/lambda/pricing/'
const stepFunctions = 'https://aws.amazon.com/step-functions/pricing/'
const eventBridge = 'https://aws.amazon.com/eventbridge/pricing/'
const dynamoDb = 'https://aws.amazon.com/dynamodb/pricing/on-demand/'
const s3 = 'https://aws.amazon.com/s3/pricing/'
const cloudWatch = 'https://aws.amazon.com/cloudwatch/pricing/'
const openSearch = 'https://aws.amazon.com/opensearch-service/pricing/'

export const PricesAsOf = '2026-12-07'

export const Prices = {
  lambdaRequest: { usd: 0.2 / 1e6, per: 'request', source: lambda, confirmed: true },
  /** Arm, first 7.5 billion GB-s a month; the INIT phase of on-demand functions is billed the same way. */
  lambdaArmGbSecond: { usd: 0.0000133334, per: 'GB-second (arm64)', source: lambda, confirmed: true },
  standardTransition: { usd: 0.025 / 1000, per: 'state transition (Standard)', source: stepFunctions, confirmed: true },
  expressRequest: { usd: 1.0 / 1e6, per: 'execution (Express)', source: stepFunctions, confirmed: true },
  /** First 1,000 hours (3.6 million GB-hours) a month; billed in 100 ms steps and 64 MB chunks. */
  expressGbSecond: { usd: 0.00001667, per: 'GB-second (Express)', source: stepFunctions, confirmed: false },
  /** Custom events, and events a rule sends to another bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html). */
  customEvent: { usd: 1.0 / 1e6, per: 'event (64 KB chunk)', source: eventBridge, confirmed: true },
  /** S3's events on the default bus once EventBridge notifications are on: "AWS opt-in data events". */
  optInDataEvent: { usd: 1.0 / 1e6, per: 'AWS opt-in data event (64 KB chunk)', source: eventBridge, confirmed: false },
  /** Events processed into an archive; storage is $0.023 per GB-month on top and not counted per event here. */
  archiveGb: { usd: 0.1, per: 'GB archived', source: eventBridge, confirmed: false },
  pipeRequest: {
    usd: 0.4 / 1e6,
    per: 'Pipes request (64 KB chunk, after filtering)',
    source: eventBridge,
    confirmed: true,
  },
  httpApiRequest: {
    usd: 1.0 / 1e6,
    per: 'HTTP API request (first 300 million)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    confirmed: true,
  },
  /** On-demand after the November 2024 reduction. */
  dynamoWriteUnit: { usd: 0.625 / 1e6, per: 'write request unit (on-demand)', source: dynamoDb, confirmed: true },
  dynamoReadUnit: { usd: 0.125 / 1e6, per: 'read request unit (on-demand)', source: dynamoDb, confirmed: true },
  /** GetRecords by anything but a Lambda trigger (a pipe polls too); the first 2.5 million a month are free. */
  streamsReadRequest: {
    usd: 0.02 / 100_000,
    per: 'streams read request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    confirmed: false,
  },
  s3Put: { usd: 0.005 / 1000, per: 'S3 Standard PUT', source: s3, confirmed: true },
  s3Get: { usd: 0.0004 / 1000, per: 'S3 Standard GET/HEAD', source: s3, confirmed: true },
  logsIngestedGb: {
    usd: 0.5,
    per: 'GB of CloudWatch Logs ingested (standard class, vended logs first tier)',
    source: cloudWatch,
    confirmed: false,
  },
  alarmMonth: { usd: 0.1, per: 'standard-resolution alarm-month', source: cloudWatch, confirmed: false },
  dashboardMonth: { usd: 3, per: 'dashboard-month (beyond the first three)', source: cloudWatch, confirmed: false },
  /** The search domain's default data node, on demand (the free tier's 750 hours a month not counted). */
  openSearchT3SmallHour: {
    usd: 0.036,
    per: 'instance-hour (t3.small.search, OpenSearch Service)',
    source: openSearch,
    confirmed: false,
  },
  /** gp3 storage attached to a data node; gp2 is $0.135, gp3 about 9.6% less. */
  openSearchGp3GbMonth: {
    usd: 0.122,
    per: 'GB-month of gp3 storage (OpenSearch Service)',
    source: openSearch,
    confirmed: false,
  },
  xrayTrace: {
    usd: 5.0 / 1e6,
    per: 'X-Ray trace recorded',
    source: 'https://aws.amazon.com/xray/pricing/',
    confirmed: false,
  },
} as const satisfies Record<string, Price>
