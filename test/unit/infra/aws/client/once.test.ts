import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { mockClient } from 'aws-sdk-client-mock'
import type { AwsClients } from '../../../../../infra/aws/client/clients'
import { AwsUnavailable } from '../../../../../infra/aws/client/errors'
import { onceRead } from '../../../../../infra/aws/client/once'
import { StackReader } from '../../../../../infra/aws/client/stack'

describe('onceRead', () => {
  it('reads once while the read succeeds', async () => {
    let reads = 0
    const read = onceRead(async () => ++reads)

    expect(await Promise.all([read(), read()])).toEqual([1, 1])
    expect(await read()).toBe(1)
  })

  it('forgets a failed read, so the next call reads again', async () => {
    let reads = 0
    const read = onceRead(async () => {
      reads += 1
      if (reads === 1) throw new Error('network blip')
      return reads
    })

    await expect(read()).rejects.toThrow('network blip')
    expect(await read()).toBe(2)
    expect(await read()).toBe(2)
  })
})

describe("a deployed stack's outputs", () => {
  it('are read again after one failed read, not failed until a restart', async () => {
    const cloudformation = new CloudFormationClient({ region: 'eu-west-1' })
    const mock = mockClient(cloudformation)
    mock
      .on(DescribeStacksCommand)
      .rejectsOnce(Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }))
      .resolves({
        Stacks: [
          {
            StackName: 'Pipeline',
            CreationTime: new Date(0),
            StackStatus: 'CREATE_COMPLETE',
            Outputs: [{ OutputKey: 'BusName', OutputValue: 'pipeline-bus' }],
          },
        ],
      })
    const stack = new StackReader('Pipeline', { cloudformation } as unknown as AwsClients, {})

    await expect(stack.outputs()).rejects.toBeInstanceOf(AwsUnavailable)
    expect(await stack.outputs()).toEqual({ BusName: 'pipeline-bus' })
    expect(mock.commandCalls(DescribeStacksCommand)).toHaveLength(2)
  })
})
