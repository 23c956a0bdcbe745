/**
 * AWS prices the cost model uses: us-east-1, on-demand, no free tier, read on 2026-11-22. Each names the page it comes
 * from. `confirmed: false` marks a figure this project could not check against the AWS page itself when it was written
 * (it comes from the AWS page as quoted elsewhere, or from memory of it): check it before relying on the total.
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

export const PricesAsOf = '2026-11-22'

export const Prices = {
  lambdaRequest: { usd: 0.2 / 1e6, per: 'request', source: lambda, confirmed: false },
  /** Arm, first 7.5 billion GB-s a month. */
  lambdaArmGbSecond: { usd: 0.0000133334, per: 'GB-second (arm64)', source: lambda, confirmed: true },
  standardTransition: { usd: 0.025 / 1000, per: 'state transition (Standard)', source: stepFunctions, confirmed: true },
  expressRequest: { usd: 1.0 / 1e6, per: 'execution (Express)', source: stepFunctions, confirmed: true },
  /** First 1,000 hours (3.6 million GB-hours) a month; billed in 100 ms steps and 64 MB chunks. */
  expressGbSecond: { usd: 0.00001667, per: 'GB-second (Express)', source: stepFunctions, confirmed: false },
  customEvent: { usd: 1.0 / 1e6, per: 'custom event put (64 KB chunk)', source: eventBridge, confirmed: true },
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
  sqsRequest: {
    usd: 0.4 / 1e6,
    per: 'SQS standard request',
    source: 'https://aws.amazon.com/sqs/pricing/',
    confirmed: false,
  },
  /** On-demand after the November 2024 reduction. */
  dynamoWriteUnit: {
    usd: 0.625 / 1e6,
    per: 'write request unit (on-demand)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    confirmed: true,
  },
  dynamoReadUnit: {
    usd: 0.125 / 1e6,
    per: 'read request unit (on-demand)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    confirmed: true,
  },
  s3Put: { usd: 0.005 / 1000, per: 'S3 Standard PUT', source: 'https://aws.amazon.com/s3/pricing/', confirmed: true },
  s3Get: {
    usd: 0.0004 / 1000,
    per: 'S3 Standard GET/HEAD',
    source: 'https://aws.amazon.com/s3/pricing/',
    confirmed: true,
  },
  logsIngestedGb: {
    usd: 0.5,
    per: 'GB of CloudWatch Logs ingested (standard class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    confirmed: false,
  },
  /** The search domain's default data node, on demand (the free tier's 750 hours a month not counted). */
  openSearchT3SmallHour: {
    usd: 0.036,
    per: 'instance-hour (t3.small.search, OpenSearch Service)',
    source: 'https://aws.amazon.com/opensearch-service/pricing/',
    confirmed: false,
  },
  /** gp3 storage attached to a data node; gp2 is $0.135, gp3 about 9.6% less. */
  openSearchGp3GbMonth: {
    usd: 0.122,
    per: 'GB-month of gp3 storage (OpenSearch Service)',
    source: 'https://aws.amazon.com/opensearch-service/pricing/',
    confirmed: false,
  },
  xrayTrace: {
    usd: 5.0 / 1e6,
    per: 'X-Ray trace recorded',
    source: 'https://aws.amazon.com/xray/pricing/',
    confirmed: false,
  },
} as const satisfies Record<string, Price>
