import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { main } from '../../cli/main'
import * as images from '../support/images'
import { startPipeline, type RunningPipeline } from '../support/pipeline'

let pipeline: RunningPipeline
let dir: string

beforeAll(async () => {
  pipeline = await startPipeline()
  dir = mkdtempSync(path.join(tmpdir(), 'pipeline-cli-'))
})
afterAll(async () => {
  await pipeline.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the `pipeline` command against the running runtime, capturing what it prints. */
const pipelineCli = async (...argv: string[]) => {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: { PIPELINE_URL: pipeline.url },
  })
  return { code, stdout, stderr }
}

const file = (name: string, content: string | Buffer) => {
  const target = path.join(dir, name)
  writeFileSync(target, content)
  return target
}

describe('the pipeline CLI against the running local runtime', () => {
  const from = new Date(Date.now() - 2000).toISOString()

  it('uploads and waits: exit 0 for processed images, 1 when one is rejected', async () => {
    const good = file('good.jpg', await images.jpeg(300, 200))
    const bad = file('bad.jpg', images.textFile())

    const ok = await pipelineCli('upload', good, '--prefix', 'cli/', '--wait')
    const rejected = await pipelineCli('upload', bad, '--prefix', 'cli/', '--wait')

    expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/PROCESSED\s+uploads\/cli\/good\.jpg/) })
    expect(rejected).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/FAILED\s+uploads\/cli\/bad\.jpg\s+UnsupportedImage/),
    })
  })

  it.each([
    ['a match', { source: ['aws.s3'] }, 0, 'true'],
    ['no match', { source: ['aws.ec2'] }, 1, 'false'],
  ])('test-pattern prints %s', async (_name, pattern, code, printed) => {
    const result = await pipelineCli(
      'test-pattern',
      '--pattern',
      file('p.json', JSON.stringify(pattern)),
      '--event',
      file('e.json', JSON.stringify({ source: 'aws.s3', detail: {} })),
    )
    expect(result).toMatchObject({ code, stdout: `${printed}\n` })
  })

  it("test-pattern exits 2 with EventBridge's reason for an invalid pattern", async () => {
    const result = await pipelineCli(
      'test-pattern',
      '--pattern',
      file('bad.json', '{"source": "aws.s3"}'),
      '--event',
      file('e.json', '{}'),
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/Event pattern is not valid/)
  })

  it('lists archived events by pattern, then replays the window to one rule and reports it completed', async () => {
    const events = await pipelineCli(
      'events',
      '--from',
      from,
      '--pattern',
      file('rejected.json', '{"detail-type": ["ImageRejected"]}'),
      '--json',
    )
    const replay = await pipelineCli(
      'replay',
      '--from',
      from,
      '--to',
      'now',
      '--rule',
      'StartImageWorkflow',
      '--name',
      'cli-replay',
      '--json',
    )
    await pipeline.runtime.executor.idle()
    const replays = await pipelineCli('replays', '--json')

    expect(events.code).toBe(0)
    expect(
      (JSON.parse(events.stdout) as Array<{ event: { detail: { key: string } } }>).map(({ event }) => event.detail.key),
    ).toEqual(['uploads/cli/bad.jpg'])
    expect(replay.code).toBe(0)
    // DescribeReplay names the rules it re-delivered to; ListReplays does not, on AWS and here alike.
    expect(JSON.parse(replay.stdout)).toMatchObject({
      name: 'cli-replay',
      state: 'COMPLETED',
      rules: ['StartImageWorkflow'],
    })
    const listed = (JSON.parse(replays.stdout) as { replays: Array<{ total?: number; replayed?: number }> }).replays
    expect(listed).toEqual([expect.objectContaining({ name: 'cli-replay', state: 'COMPLETED' })])
    expect(listed[0]?.total).toBeGreaterThan(0)
    expect(listed[0]?.replayed).toBe(listed[0]?.total)
  })

  it('refuses to cancel a replay that ended, with exit 1', async () => {
    const result = await pipelineCli('replay', 'cancel', 'cli-replay')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/IllegalStatusException: Replay cli-replay is not in a valid state/)
  })
})
