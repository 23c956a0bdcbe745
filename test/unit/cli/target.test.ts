import { main } from '../../../cli/main'
import { takeTargetOptions } from '../../../cli/target'
import { captureIo } from './fake-runtime'

describe('takeTargetOptions', () => {
  it.each([
    { name: 'before the command', argv: ['--target', 'aws', 'executions', '--status', 'FAILED'] },
    { name: 'after the command', argv: ['executions', '--status', 'FAILED', '--target', 'aws'] },
    { name: 'as --target=aws', argv: ['executions', '--target=aws', '--status', 'FAILED'] },
  ])('takes the global options out wherever they stand: $name', ({ argv }) => {
    expect(takeTargetOptions(argv, {})).toEqual({
      argv: ['executions', '--status', 'FAILED'],
      options: { target: 'aws', stack: 'Pipeline' },
    })
  })

  it('reads --profile, --region and --stack for the AWS target', () => {
    const taken = takeTargetOptions(
      ['--target', 'AWS', '--profile', 'prod', 'dlq', '--region=eu-west-1', '--stack', 'PipelineStaging'],
      {},
    )

    expect(taken).toEqual({
      argv: ['dlq'],
      options: { target: 'aws', profile: 'prod', region: 'eu-west-1', stack: 'PipelineStaging' },
    })
  })

  it('defaults to local, or to PIPELINE_TARGET, which --target overrides', () => {
    expect(takeTargetOptions(['dlq'], {}).options.target).toBe('local')
    expect(takeTargetOptions(['dlq'], { PIPELINE_TARGET: 'aws' }).options.target).toBe('aws')
    expect(takeTargetOptions(['dlq', '--target', 'local'], { PIPELINE_TARGET: 'aws' }).options.target).toBe('local')
  })

  it('leaves the words after -- alone', () => {
    expect(takeTargetOptions(['search', '--', '--target', 'aws'], {}).argv).toEqual(['search', '--', '--target', 'aws'])
  })

  it.each([
    { argv: ['dlq', '--target'], env: {}, message: 'option --target needs a value' },
    { argv: ['dlq', '--region', '--json'], env: {}, message: 'option --region needs a value' },
    { argv: ['dlq', '--target', 'gcp'], env: {}, message: '--target must be local or aws (got gcp)' },
    { argv: ['dlq'], env: { PIPELINE_TARGET: 'azure' }, message: 'PIPELINE_TARGET must be local or aws (got azure)' },
    { argv: ['dlq', '--profile', 'prod'], env: {}, message: '--profile only applies with --target aws' },
    { argv: ['dlq', '--stack', 'S'], env: {}, message: '--stack only applies with --target aws' },
  ])('refuses $argv with $message', ({ argv, env, message }) => {
    expect(() => takeTargetOptions(argv, env)).toThrow(message)
  })
})

describe('pipeline --target', () => {
  it('exits 2 with one message for a bad global option', async () => {
    const { io, stdout, stderr } = captureIo()

    const code = await main(['--target', 'gcp', 'dlq'], io)

    expect(code).toBe(2)
    expect(stdout()).toBe('')
    expect(stderr()).toBe("pipeline: --target must be local or aws (got gcp)\nRun 'pipeline --help' for usage.\n")
  })

  it.each(['health', 'events', 'rules', 'search'])(
    'exits 2 for %s, which only the local runtime serves yet',
    async (command) => {
      const { io, stderr } = captureIo({ PIPELINE_URL: 'http://127.0.0.1:9' })

      const code = await main(['--target', 'aws', command, ...(command === 'search' ? ['cat'] : [])], io)

      expect(code).toBe(2)
      expect(stderr()).toBe(
        `pipeline ${command}: not supported with --target aws yet: it needs the local runtime's HTTP API (on aws: upload, executions, execution, redrive, replay, replays, dlq, metrics, console, test-pattern)\n`,
      )
    },
  )

  it('documents the targets in every --help, and needs no credentials for it', async () => {
    const { io, stdout } = captureIo({ PIPELINE_TARGET: 'aws' })

    const code = await main(['upload', '--help'], io)

    expect(code).toBe(0)
    expect(stdout()).toContain('--target local|aws')
    expect(stdout()).toContain('PIPELINE_TARGET')
    expect(stdout()).toContain("on AWS expect seconds before S3's event starts it")
  })
})
