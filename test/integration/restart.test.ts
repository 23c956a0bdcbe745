import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import * as images from '../support/images'
import { upload } from '../support/pipeline'

const root = path.resolve(__dirname, '..', '..')

/** Starts `npm start`'s program as a child process on a free port and resolves with its URL once it serves. */
const startServer = (dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PIPELINE_DATA: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolve({ child, url: match[1]!, output: () => output })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('exit', (code) => reject(new Error(`the server exited with ${code} before serving:\n${output}`)))
  })

const stopped = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve))

const waitUntilIdle = async (url: string) => {
  // Bounded by jest's timeout; each look is one cheap health call.
  for (;;) {
    const health = (await (await fetch(`${url}/health`)).json()) as { executions: Record<string, number> }
    if (!health.executions.pending && !health.executions.running) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('a pipeline killed mid-work', () => {
  let dataDir: string
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-restart-'))
  })
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

  it('loses nothing and duplicates nothing when it is SIGKILLed and restarted', async () => {
    // Prepare
    const first = await startServer(dataDir)
    const photos = await Promise.all(Array.from({ length: 6 }, (_, i) => images.jpeg(1600 + i * 10, 1200)))

    // Act: every upload is acknowledged, then the process dies without warning.
    for (const [i, photo] of photos.entries())
      expect((await upload(first.url, `crash/photo-${i}.jpg`, photo)).status).toBe(200)
    first.child.kill('SIGKILL')
    await stopped(first.child)
    const second = await startServer(dataDir)
    // The last upload was acknowledged an instant before the kill, so at least its execution was cut short.
    expect(second.output()).toMatch(/Resuming [1-9]\d* execution/)
    await waitUntilIdle(second.url)
    second.child.kill('SIGTERM')
    expect(await stopped(second.child)).toBe(0)

    // Assess: straight from the durable state.
    const db = new DatabaseSync(path.join(dataDir, 'pipeline.db'), { readOnly: true })
    const statuses = db.prepare('SELECT status, COUNT(*) AS n FROM executions GROUP BY status').all()
    const records = db
      .prepare("SELECT status, COUNT(*) AS n FROM images WHERE key LIKE 'uploads/crash/%' GROUP BY status")
      .all()
    const notifications = db
      .prepare(
        "SELECT json_extract(event, '$.detail.key') AS key, COUNT(*) AS n FROM events WHERE bus = 'pipeline' AND detail_type = 'ImageProcessed' GROUP BY key",
      )
      .all() as Array<{ n: number }>
    db.close()
    expect(statuses).toEqual([{ status: 'SUCCEEDED', n: 6 }])
    expect(records).toEqual([{ status: 'PROCESSED', n: 6 }])
    expect(notifications).toHaveLength(6)
    expect(notifications.every((row) => row.n === 1)).toBe(true)
  })
})
