import type { Context as LambdaContext } from 'aws-lambda'
import { Effect, Layer, Schema } from 'effect'
import { TransientError } from '../../../../contracts/errors'
import { lambdaStep } from '../../../../steps/kit/lambda-handler'
import { defineStep } from '../../../../steps/kit/step'

const Input = Schema.Struct({ fail: Schema.Boolean })

const handler = lambdaStep(
  defineStep({
    name: 'test-step',
    input: Input,
    run: ({ fail }) =>
      fail
        ? Effect.fail(new TransientError({ operation: 'dynamodb:PutItem', message: 'throttled' }))
        : Effect.succeed({ done: true }),
  }),
  Layer.empty,
)

const context = {
  functionName: 'test-step',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-step',
  memoryLimitInMB: '256',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/test-step',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as LambdaContext

/** What the handler writes to stdout and stderr (Powertools writes through its own console), line by line. */
const written = async (work: () => Promise<unknown>): Promise<string[]> => {
  const lines: string[] = []
  const capture = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    return true
  }
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture)
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture)
  try {
    await work().catch(() => undefined)
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
  return lines
}

describe('lambdaStep', () => {
  beforeAll(async () => {
    // The cold start's own EMF line is written once; the invocations below are warm.
    await written(() => handler({ fail: false }, context))
  })

  it('writes no log line for a warm invocation that succeeds, so CloudWatch Logs bills nothing for it', async () => {
    // Act
    const lines = await written(() => handler({ fail: false }, context))

    // Assess
    expect(lines).toEqual([])
  })

  it('writes one StepFailed metric and one warning for a failure, and throws it by its tag', async () => {
    // Prepare
    let thrown: unknown

    // Act
    const lines = await written(() =>
      handler({ fail: true }, context).catch((error: unknown) => {
        thrown = error
      }),
    )

    // Assess
    expect((thrown as Error).name).toBe('TransientError')
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(parsed.filter((line) => line._aws !== undefined)).toEqual([
      expect.objectContaining({ StepFailed: 1, service: 'test-step' }),
    ])
    expect(parsed.filter((line) => line.level === 'WARN')).toEqual([
      expect.objectContaining({ message: 'step failed', errorType: 'TransientError' }),
    ])
    expect(lines).toHaveLength(2)
  })
})
