import { CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { ListExecutionsCommand } from '@aws-sdk/client-sfn'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../../cli/main'
import { captureIo } from '../fake-runtime'
import { BusName, givenStack, inputsOf, mocks, runAws } from './fake-stack'

beforeEach(() => givenStack())

/** An error as the SDK throws it before any answer, with a name and sometimes a code. */
const sdkError = (name: string, message: string, code?: string) =>
  Object.assign(new Error(message), { name, ...(code ? { code } : {}) })

describe("the AWS target's failures", () => {
  it('reads the stack --stack names, PIPELINE_TARGET choosing the target', async () => {
    mocks.cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Staging', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    })
    const { io, stdout } = captureIo({ PIPELINE_TARGET: 'aws' })

    const code = await main(['executions', '--stack', 'Staging', '--region', 'eu-west-1'], io)

    expect(code).toBe(0)
    expect(inputsOf(mocks.cloudformation.commandCalls(DescribeStacksCommand))).toEqual([{ StackName: 'Staging' }])
    expect(stdout()).toBe('No executions.\n')
  })

  it('exits 3 saying so when the stack does not exist', async () => {
    mocks.cloudformation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Stack with id Pipeline does not exist',
      }),
    )

    const { code, stdout, stderr } = await runAws(['executions'])

    expect(code).toBe(3)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      'pipeline executions: no stack Pipeline in eu-west-1: deploy it (npx cdk deploy), or name it with --stack, --region and --profile\n',
    )
  })

  it('exits 3 when the stack lacks an output this version needs', async () => {
    givenStack({ BusName })
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-cli-aws-'))
    writeFileSync(join(dir, 'cat.jpg'), 'x')

    const { code, stderr } = await runAws(['upload', join(dir, 'cat.jpg')])
    rmSync(dir, { recursive: true, force: true })

    expect(code).toBe(3)
    expect(stderr).toContain(
      'pipeline upload: stack Pipeline has no output BucketName: deploy this version of the app (npx cdk deploy)',
    )
  })

  it.each([
    {
      name: 'no credentials',
      error: sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      code: 3,
      message:
        'no usable AWS credentials (Could not load credentials from any providers). Pass --profile, set AWS_PROFILE, or sign in (aws sso login).',
    },
    {
      name: 'no region',
      error: sdkError('Error', 'Region is missing'),
      code: 2,
      message: 'no AWS region: pass --region R or set AWS_REGION',
    },
    {
      name: 'no network',
      error: sdkError('Error', 'getaddrinfo ENOTFOUND states.eu-west-1.amazonaws.com', 'ENOTFOUND'),
      code: 3,
      message: 'cannot reach Step Functions (host not found). Check the network and --region.',
    },
  ])('says what to do about $name', async ({ error, code: expected, message }) => {
    mocks.sfn.on(ListExecutionsCommand).rejects(error)

    const { code, stderr } = await runAws(['executions', '--workflow', 'image'])

    expect(code).toBe(expected)
    expect(stderr).toBe(`pipeline executions: ${message}\n`)
  })

  it('names the profile whose credentials are missing', async () => {
    mocks.cloudformation
      .on(DescribeStacksCommand)
      .rejects(sdkError('CredentialsProviderError', 'Profile prod could not be found'))

    const { code, stderr } = await runAws(['executions', '--profile', 'prod'])

    expect(code).toBe(3)
    expect(stderr).toContain('no usable AWS credentials for profile prod (Profile prod could not be found)')
  })
})
