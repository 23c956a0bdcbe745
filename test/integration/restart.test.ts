import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { startChild, stopChild, waitUntilIdle } from '../../bench/support/child'
import * as images from '../support/images'
import { upload } from '../support/pipeline'

describe('a pipeline killed mid-work', () => {
  let dataDir: string
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-restart-'))
  })
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

  it('loses nothing and duplicates nothing when it is SIGKILLed and restarted', async () => {
    // Prepare
    const first = await startChild(dataDir)
    const photos = await Promise.all(Array.from({ length: 6 }, (_, i) => images.jpeg(1600 + i * 10, 1200)))

    // Act: every upload is acknowledged, then the process dies without warning.
    for (const [i, photo] of photos.entries())
      expect((await upload(first.url, `crash/photo-${i}.jpg`, photo)).status).toBe(200)
    first.child.kill('SIGKILL')
    await first.exited
    const second = await startChild(dataDir)
    // The last upload was acknowledged an instant before the kill, so at least its execution was cut short.
    expect(second.output()).toMatch(/Resuming [1-9]\d* execution/)
    await waitUntilIdle(second.url)
    expect(await stopChild(second)).toBe(0)

    // Assess: straight from the durable state.
    const db = new DatabaseSync(path.join(dataDir, 'pipeline.db'), { readOnly: true })
    const statuses = db.prepare('SELECT status, COUNT(*) AS n FROM executions GROUP BY status').all()
    const records = db
      .prepare("SELECT status, COUNT(*) AS n FROM images WHERE key LIKE 'uploads/crash/%' GROUP BY status")
      .all()
    const notifications = db
      .prepare(
        "SELECT json_extract(event, '$.detail.key') AS key, COUNT(*) AS n FROM events WHERE bus = 'Pipeline' AND detail_type = 'ImageProcessed' GROUP BY key",
      )
      .all() as Array<{ n: number }>
    db.close()
    expect(statuses).toEqual([{ status: 'SUCCEEDED', n: 6 }])
    expect(records).toEqual([{ status: 'PROCESSED', n: 6 }])
    expect(notifications).toHaveLength(6)
    expect(notifications.every((row) => row.n === 1)).toBe(true)
  })
})
