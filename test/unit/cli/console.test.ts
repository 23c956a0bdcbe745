import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3'
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn'
import { main } from '../../../cli/main'
import { BucketName, ImageArn, OrderArn, Region, givenStack, mocks } from './aws/fake-stack'
import { captureIo, startFakeRuntime, type FakeRuntime } from './fake-runtime'

let runtime: FakeRuntime | undefined
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

/** Waits (without sleeping a fixed time) until `read` answers something. */
const eventually = async <A>(read: () => A | undefined): Promise<A> => {
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('pipeline console', () => {
  it('documents both targets in --help', async () => {
    const { io, stdout } = captureIo()

    const code = await main(['console', '--help'], io)

    expect(code).toBe(0)
    expect(stdout()).toMatch(/^Usage: pipeline console \[options\]/)
    expect(stdout()).toContain('--port N')
    expect(stdout()).toContain('EventBridge only replays an archive')
  })

  it("prints the local runtime's console URL once the runtime answers", async () => {
    runtime = await startFakeRuntime()
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['console'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe(`${runtime.url.replace(/\/$/, '')}/console\n`)
  })

  it('exits 2 for --port with the local target: the runtime serves the console on its own address', async () => {
    const { io, stderr } = captureIo()

    const code = await main(['console', '--port', '8080'], io)

    expect(code).toBe(2)
    expect(stderr()).toContain('pipeline console: --port only applies with --target aws')
  })

  it.each(['-1', '70000', 'http'])('exits 2 for --port=%s', async (port) => {
    givenStack()
    const { io, stderr } = captureIo()

    const code = await main(['--target', 'aws', '--region', Region, 'console', `--port=${port}`], io)

    expect(code).toBe(2)
    expect(stderr()).toContain('--port must be a whole number from 0 to 65535')
  })

  it('exits 3 when the stack does not exist, before listening', async () => {
    givenStack()
    mocks.cloudformation.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Stack with id Nope does not exist'), {
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    )
    const { io, stdout, stderr } = captureIo()

    const code = await main(['--target', 'aws', '--region', Region, '--stack', 'Nope', 'console', '--port', '0'], io)

    expect(code).toBe(3)
    expect(stdout()).toBe('')
    expect(stderr()).toContain('no stack Nope in eu-west-1')
  })

  it("with --target aws, serves the console's JSON routes over the stack on 127.0.0.1 until stopped", async () => {
    // Prepare
    givenStack()
    mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: ImageArn }).resolves({
      stateMachineArn: ImageArn,
      name: 'i',
      type: 'STANDARD',
      definition: '{}',
      roleArn: 'r',
      creationDate: new Date(),
    })
    mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: OrderArn }).resolves({
      stateMachineArn: OrderArn,
      name: 'o',
      type: 'EXPRESS',
      definition: '{}',
      roleArn: 'r',
      creationDate: new Date(),
    })
    const body = {
      transformToByteArray: async () => new Uint8Array(Buffer.from('jpeg bytes')),
    } as unknown as GetObjectCommandOutput['Body']
    mocks.s3
      .on(GetObjectCommand, { Bucket: BucketName, Key: 'thumbnails/cat.jpg/thumbnail.jpeg' })
      .resolves({ Body: body, ContentType: 'image/jpeg' })
    const { io, stdout } = captureIo()

    // Act: serve on any free port, read its URL, ask it, then stop it as Ctrl+C would.
    const running = main(['--target', 'aws', '--region', Region, 'console', '--port', '0'], io)
    const url = await eventually(() => /(http:\/\/127\.0\.0\.1:\d+\/console)\n/.exec(stdout())?.[1])
    const workflows = await fetch(`${url}/api/workflows`)
    const events = await fetch(`${url}/api/events`)
    const thumbnail = await fetch(`${url}/aws/objects/thumbnails/cat.jpg/thumbnail.jpeg`)
    const outside = await fetch(`${url}/aws/objects/uploads/private.jpg`)
    process.emit('SIGTERM')
    const code = await running

    // Assess
    expect(stdout()).toBe(`Console for stack Pipeline (${Region}): ${url}\nPress Ctrl+C to stop.\n`)
    expect(workflows.status).toBe(200)
    expect(await workflows.json()).toEqual({
      target: 'aws',
      workflows: [
        { name: 'ImageWorkflow', arn: ImageArn, type: 'STANDARD' },
        { name: 'OrderWorkflow', arn: OrderArn, type: 'EXPRESS' },
      ],
    })
    expect(events.status).toBe(501)
    expect(await events.json()).toEqual({
      error: 'ArchivedEventsNotListed',
      message: expect.stringContaining('EventBridge has no API to list'),
    })
    expect([thumbnail.status, thumbnail.headers.get('content-type'), await thumbnail.text()]).toEqual([
      200,
      'image/jpeg',
      'jpeg bytes',
    ])
    expect(outside.status).toBe(404)
    expect(code).toBe(0)
  })
})
