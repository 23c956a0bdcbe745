import { main } from '../../../../cli/main'
import { formatTime } from '../../../../cli/format'
import { captureIo, imageExecution, startFakeRuntime, type FakeRuntime } from '../fake-runtime'

const older = imageExecution()
const newer = imageExecution({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:ImageWorkflow:image-9a1d',
  name: 'image-9a1d',
  status: 'FAILED',
  startDate: '2024-05-01T12:05:00.000Z',
  stopDate: '2024-05-01T12:05:03.250Z',
  error: 'States.TaskFailed',
})
const archive = imageExecution({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:ArchiveWorkflow:archive-1',
  name: 'archive-1',
  workflow: 'ArchiveWorkflow',
  startDate: '2024-05-01T11:00:00.000Z',
  stopDate: '2024-05-01T11:02:05.000Z',
})

let runtime: FakeRuntime
beforeEach(async () => {
  runtime = await startFakeRuntime({ executions: [older, newer, archive] })
})
afterEach(() => runtime.close())

describe('pipeline executions', () => {
  it('prints a table newest first with name, workflow, status, start and duration', async () => {
    // Prepare
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    // Act
    const code = await main(['executions'], io)

    // Assess
    expect(code).toBe(0)
    const started = (iso: string) => formatTime(iso)
    expect(stdout()).toBe(
      [
        'NAME        WORKFLOW         STATUS     STARTED              DURATION',
        `image-9a1d  ImageWorkflow    FAILED     ${started(newer.startDate)}  3.2s`,
        `image-7f3c  ImageWorkflow    SUCCEEDED  ${started(older.startDate)}  1.5s`,
        `archive-1   ArchiveWorkflow  SUCCEEDED  ${started(archive.startDate)}  2m 05s`,
        '',
      ].join('\n'),
    )
  })

  it('passes --workflow and an upper-cased --status to the server', async () => {
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['executions', '--workflow', 'ImageWorkflow', '--status', 'failed'], io)

    expect(code).toBe(0)
    expect(runtime.requests[0]?.query).toEqual({ workflow: 'ImageWorkflow', status: 'FAILED' })
    expect(stdout().trim().split('\n')).toHaveLength(2)
    expect(stdout()).toContain('image-9a1d')
  })

  it("prints the server's JSON with --json", async () => {
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['executions', '--json'], io)

    expect(code).toBe(0)
    const answer = JSON.parse(stdout()) as { executions: Array<{ name: string }> }
    expect(answer.executions.map((execution) => execution.name)).toEqual(['image-7f3c', 'image-9a1d', 'archive-1'])
  })

  it('says so when nothing matches', async () => {
    const { io, stdout } = captureIo({ PIPELINE_URL: runtime.url })

    const code = await main(['executions', '--status', 'RUNNING'], io)

    expect(code).toBe(0)
    expect(stdout()).toBe('No executions.\n')
  })
})
