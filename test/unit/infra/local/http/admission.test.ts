import type { IncomingMessage } from 'node:http'
import { admissionGate } from '../../../../../infra/local/http/admission'
import { beginAnswer } from '../../../../../infra/local/kernel/fair-share'

const request = (method: string) => ({ method }) as IncomingMessage

describe('admission: load shedding for requests that start work', () => {
  it('admits writes while the backlog and the answers in flight are under their limits', () => {
    const gate = admissionGate({ maxInFlight: 2, maxBacklog: 10 }, () => 9)

    expect(gate.refuse(request('POST'))).toBeUndefined()
  })

  it('refuses a write once as many writes are being answered as the limit allows, and admits again after', () => {
    const gate = admissionGate({ maxInFlight: 2, maxBacklog: 10 }, () => 0)
    const ends = [beginAnswer(), beginAnswer()]

    expect(gate.refuse(request('PUT'))).toBe(1)
    ends.forEach((end) => end())
    expect(gate.refuse(request('PUT'))).toBeUndefined()
  })

  it('refuses a write while the backlog is at its limit, for longer the longer the backlog', () => {
    const gate = admissionGate({ maxInFlight: 100, maxBacklog: 10 }, () => 250)

    expect(gate.refuse(request('POST'))).toBe(25)
  })

  it.each(['GET', 'HEAD', 'OPTIONS'])('always admits %s: health and the console keep answering', (method) => {
    const gate = admissionGate({ maxInFlight: 0, maxBacklog: 0 }, () => 1_000_000)

    expect(gate.refuse(request(method))).toBeUndefined()
  })

  it.each([
    { name: "Step Functions' ListExecutions", aws: { service: 'states', operation: 'ListExecutions' } },
    { name: "Step Functions' DescribeExecution", aws: { service: 'states', operation: 'DescribeExecution' } },
    { name: "SQS's ReceiveMessage", aws: { service: 'sqs', operation: 'ReceiveMessage' } },
    { name: "EventBridge's TestEventPattern", aws: { service: 'events', operation: 'TestEventPattern' } },
    { name: 'any CloudFormation call (the endpoint answers only its reads)', aws: { service: 'cloudformation' } },
  ] as const)(
    'always admits $name, posted as the SDKs post every call: the console and the CLI read through it',
    ({ aws }) => {
      const gate = admissionGate({ maxInFlight: 0, maxBacklog: 0 }, () => 1_000_000)

      expect(gate.refuse(request('POST'), aws)).toBeUndefined()
    },
  )

  it.each([
    { service: 'states', operation: 'StartExecution' },
    { service: 'sqs', operation: 'SendMessage' },
    { service: 'events', operation: 'PutEvents' },
  ] as const)('refuses the AWS write $operation at capacity', (aws) => {
    const gate = admissionGate({ maxInFlight: 100, maxBacklog: 10 }, () => 250)

    expect(gate.refuse(request('POST'), aws)).toBe(25)
  })
})
