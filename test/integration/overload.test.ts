import { startPipeline, type RunningPipeline } from '../support/pipeline'

// Offered more than it can take, the runtime refuses new work at once, saying when to come back, and writes nothing
// for what it refused; reads keep answering.

let pipeline: RunningPipeline
beforeAll(async () => {
  // A backlog limit of 0: every write is refused, as it would be with the backlog full.
  pipeline = await startPipeline({ admission: { maxInFlight: 64, maxBacklog: 0 } })
})
afterAll(() => pipeline.close())

const count = () =>
  (pipeline.runtime.db.prepare('SELECT COUNT(*) AS n FROM table_items').get() as { n: number }).n +
  (pipeline.runtime.db.prepare('SELECT COUNT(*) AS n FROM executions').get() as { n: number }).n

describe('a runtime at capacity', () => {
  it('answers a new order 503 with Retry-After, and stores nothing of it', async () => {
    const before = count()

    const response = await fetch(`${pipeline.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'usr_1', totalAmount: 5, currency: 'EUR' }),
    })

    expect(response.status).toBe(503)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await response.json()).toMatchObject({ error: 'ServiceUnavailable' })
    expect(count()).toBe(before)
  })

  it("answers an AWS API call with the service's throttling error (S3's SlowDown, the JSON APIs' ThrottlingException)", async () => {
    const s3 = await fetch(`${pipeline.url}/uploads/uploads/x.jpg`, {
      method: 'PUT',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: 'x',
    })
    expect(s3.status).toBe(503)
    expect(await s3.text()).toContain('<Code>SlowDown</Code>')

    const sqs = await fetch(pipeline.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: '{}',
    })
    expect(sqs.status).toBe(400)
    expect(sqs.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await sqs.json()).toMatchObject({ __type: 'ThrottlingException' })
  })

  it("keeps answering reads, the AWS APIs' among them: the console reads the runtime through them", async () => {
    expect((await fetch(`${pipeline.url}/health`)).status).toBe(200)
    const listed = await fetch(pipeline.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
      body: '{}',
    })
    expect(listed.status).toBe(200)
    expect((await fetch(`${pipeline.url}/console/api/executions`)).status).toBe(200)
  })
})
