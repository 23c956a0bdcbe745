/**
 * The console page in a real browser (Debian's chromium, driven by playwright-core) against the real local runtime:
 * uploading, watching executions state by state, redriving a dead letter, replaying the archive, the keyboard.
 * Screenshots go to `test-artifacts/`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { DeadLetterQueueView, ExecutionDetail } from '../../infra/console/port'
import { createPipelineServer } from '../../infra/local/http/server'
import { startRuntime, type LocalRuntime } from '../../infra/local/runtime'
import { configFromEnv } from '../../steps/services/config'
import * as images from '../support/images'
import { pipelineModel } from '../support/pipeline'

const ChromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ChromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const Artifacts = path.resolve(__dirname, '../../test-artifacts')

jest.setTimeout(60_000)

/**
 * The browser globals the in-page callbacks use. The test compiles without the DOM library (it would change the
 * types of Node's own fetch for the whole project), so they are declared here, as far as these callbacks need them.
 */
interface InPageElement {
  readonly dataset: Record<string, string | undefined>
  readonly complete?: boolean
  readonly naturalWidth?: number
  readonly value?: number
  readonly max?: number
  querySelector(selector: string): InPageElement | null
  getBoundingClientRect(): { readonly top: number; readonly bottom: number }
  contains(other: InPageElement | null): boolean
}
declare const document: {
  readonly activeElement: InPageElement | null
  readonly documentElement: { readonly clientWidth: number }
  querySelector(selector: string): InPageElement | null
  querySelectorAll(selector: string): Iterable<InPageElement>
  getElementById(id: string): InPageElement | null
}
declare const window: { readonly scrollY: number }
declare function getComputedStyle(element: InPageElement): { readonly borderTopColor: string; readonly stroke: string }
declare class DataTransfer {
  readonly items: { add(file: File): void }
}

let runtime: LocalRuntime
let base: string
let close: () => Promise<void>
let context: BrowserContext
let page: Page
let userDataDir: string
const testStart = new Date(Date.now() - 60_000)
const pageErrors: string[] = []
const foreignRequests: string[] = []

const api = async <T>(route: string): Promise<T> => (await (await fetch(`${base}/console/api${route}`)).json()) as T

/** Waits on a condition, not a clock: the test's timeout bounds it. */
const until = async <T>(probe: () => Promise<T | undefined>): Promise<T> => {
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const screenshot = (name: string) => page.screenshot({ path: path.join(Artifacts, `${name}.png`), fullPage: true })

/** A `datetime-local` value, in the browser's time zone (the same machine's). */
const localInput = (date: Date) => {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

/** A write of a PROCESSED image record fails, as a full or failing disk would: transient, so retried, then dead-lettered. */
const failProcessedWrites = () =>
  runtime.db.exec(
    "CREATE TRIGGER fail_processed BEFORE INSERT ON images WHEN new.status = 'PROCESSED' BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END",
  )
const healWrites = () => runtime.db.exec('DROP TRIGGER IF EXISTS fail_processed')

const uploadByFileInput = async (name: string, buffer: Buffer, mimeType: string) => {
  await page.goto(`${base}/console#/images`)
  await page.setInputFiles('#upload-file', { name, mimeType, buffer })
}

const waitForUpload = (name: string, status: string) =>
  page.locator(`[data-upload="${name}"][data-status="${status}"]`).waitFor({ timeout: 30_000 })

beforeAll(async () => {
  if (!existsSync(ChromiumPath)) {
    throw new Error(
      `No chromium at ${ChromiumPath}: install it (apt-get install chromium) or set CHROMIUM_PATH; the browser tests never download a browser`,
    )
  }
  mkdirSync(Artifacts, { recursive: true })
  const dataDir = mkdtempSync(path.join(tmpdir(), 'console-browser-'))
  // Retry waits scaled down, so a transient failure runs out of retries in milliseconds.
  runtime = startRuntime({ dataDir, config: configFromEnv({}), model: pipelineModel(), retryScale: 0.001 })
  const server = createPipelineServer(runtime, { maxUploadBytes: 10 * 1024 * 1024 })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await runtime.stop(5_000)
    rmSync(dataDir, { recursive: true, force: true })
  }

  userDataDir = mkdtempSync(path.join(tmpdir(), 'console-chromium-'))
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: ChromiumPath,
    headless: true,
    args: ChromiumArgs,
    viewport: { width: 1360, height: 900 },
  })
  context.setDefaultTimeout(20_000)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text())
  })
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith('data:')) foreignRequests.push(request.url())
  })
})

afterAll(async () => {
  await context?.close()
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
  await close?.()
})

describe('the console page', () => {
  it('is one page with hashed, immutable assets, their content types, and a CSP without inline script', async () => {
    const response = await fetch(`${base}/console`)
    const html = await response.text()
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    const csp = response.headers.get('content-security-policy')!
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("default-src 'none'")
    expect(csp).not.toContain('unsafe')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/)

    const assets = [...html.matchAll(/\/console\/assets\/([^"]+)/g)].map((match) => match[1]!)
    expect(assets.map((asset) => path.extname(asset)).sort()).toEqual(['.css', '.js'])
    for (const asset of assets) {
      const answer = await fetch(`${base}/console/assets/${asset}`)
      expect(answer.status).toBe(200)
      expect(answer.headers.get('content-type')).toBe(
        asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      )
      expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    }
    const missing = await fetch(`${base}/console/assets/nothing-here.js`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: 'NotFound' })
  })

  it('uploads an image by the file input and one by drag and drop, and shows each execution succeed', async () => {
    await uploadByFileInput('harbour.jpg', await images.jpeg(320, 240), 'image/jpeg')
    const dropped = (await images.pngWithAlpha(200, 150)).toString('base64')
    const dataTransfer = await page.evaluateHandle((data) => {
      const transfer = new DataTransfer()
      const bytes = Uint8Array.from(atob(data), (char) => char.charCodeAt(0))
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }))
      return transfer
    }, dropped)
    await page.dispatchEvent('#drop-zone', 'dragover', { dataTransfer })
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer })

    await waitForUpload('harbour.jpg', 'SUCCEEDED')
    await waitForUpload('dropped.png', 'SUCCEEDED')
    // The grid shows the new image's thumbnail, loaded from the pipeline.
    await page.waitForFunction(() => {
      const thumbnail = document.querySelector('[data-key="uploads/harbour.jpg"] img')
      return thumbnail !== null && thumbnail.complete === true && (thumbnail.naturalWidth ?? 0) > 0
    })
    await screenshot('images')

    await page.click('nav >> text=Executions')
    const row = page.locator('#executions tr[data-status="SUCCEEDED"]', { hasText: 'uploads/harbour.jpg' })
    await row.waitFor()
    expect(await row.locator('td').nth(1).textContent()).toBe('ImageWorkflow')
  })

  it('opens an execution and colours every state of its graph as the execution went, with a legend', async () => {
    await page.locator('#executions tr', { hasText: 'uploads/harbour.jpg' }).locator('a').click()
    const name = decodeURIComponent(new URL(page.url()).hash.replace('#/executions/', ''))
    const detail = await api<ExecutionDetail>(`/executions/${encodeURIComponent(name)}`)
    await page.locator('[data-state="IndexImage"][data-outcome="succeeded"]').waitFor()

    const drawn = await page.$$eval('.state-graph .state', (nodes) =>
      nodes.map((node) => [
        (node as unknown as InPageElement).dataset.state!,
        (node as unknown as InPageElement).dataset.outcome!,
      ]),
    )
    expect(Object.fromEntries(drawn)).toEqual(
      Object.fromEntries(detail.states.map((state) => [state.name, state.outcome])),
    )
    expect(Object.fromEntries(drawn)).toMatchObject({
      ValidateAndRender: 'succeeded',
      PersistImage: 'succeeded',
      IndexImage: 'succeeded',
      RecordFailure: 'not-reached',
      ImageFailed: 'not-reached',
    })

    // Each state is drawn in its legend colour, and the colours tell the outcomes apart.
    const colours = await page.evaluate(() => {
      const legend = (outcome: string) =>
        getComputedStyle(document.querySelector(`.legend .swatch.outcome-${outcome}`)!).borderTopColor
      return [...document.querySelectorAll('.state-graph .state')].map((node) => ({
        stroke: getComputedStyle(node.querySelector(':scope > rect')!).stroke,
        legend: legend(node.dataset.outcome!),
      }))
    })
    for (const colour of colours) expect(colour.stroke).toBe(colour.legend)
    expect(new Set(colours.map((colour) => colour.stroke)).size).toBe(2)
    expect(await page.locator('#history tbody tr').first().textContent()).toContain('ExecutionStarted')
    expect(await page.locator('#history tbody tr').last().textContent()).toContain('ExecutionSucceeded')
    await screenshot('execution-succeeded')
  })

  it("shows a rejected upload's error and cause in the panel of the state that failed", async () => {
    await uploadByFileInput('notes.jpg', images.textFile(), 'image/jpeg')
    await waitForUpload('notes.jpg', 'FAILED')
    await page.locator('[data-upload="notes.jpg"] .upload-execution a').click()
    await page.locator('[data-state="ImageFailed"][data-outcome="failed"]').waitFor()
    expect(await page.locator('[data-state="ValidateAndRender"]').getAttribute('data-outcome')).toBe('caught')
    expect(await page.locator('.execution-error').textContent()).toContain('UnsupportedImage')

    await page.click('[data-state="ValidateAndRender"]')
    const panel = page.locator('#state-panel')
    await panel.waitFor({ state: 'visible' })
    expect(await panel.locator('#panel-title').textContent()).toBe('ValidateAndRender')
    expect(await panel.locator('.state-error').textContent()).toBe('UnsupportedImage')
    expect(await panel.locator('.state-cause .cause-message').textContent()).toBe(
      'UnsupportedImage: uploads/notes.jpg is not a supported image (detected: text)',
    )
    await screenshot('execution-failed')
    // The top of the page, from the title to the graph and its open panel: the picture the README shows.
    const clip = await page.evaluate(() => {
      const top = document.querySelector('.crumbs')!.getBoundingClientRect().top + window.scrollY - 12
      const bottom = document.querySelector('.graph-section')!.getBoundingClientRect().bottom + window.scrollY + 16
      return {
        x: 0,
        y: Math.max(0, top),
        width: document.documentElement.clientWidth,
        height: bottom - Math.max(0, top),
      }
    })
    await page.screenshot({ path: path.join(Artifacts, 'execution-graph.png'), fullPage: true, clip })
  })

  it('moves through the graph by keyboard: Tab reaches a state, Enter opens its details, Escape closes them', async () => {
    await page.keyboard.press('Escape')
    await page.locator('#state-panel').waitFor({ state: 'hidden' })
    await page.focus('button:has-text("Start again")')
    const focusedState = () => page.evaluate(() => document.activeElement?.dataset?.state)
    let reached: string | undefined
    for (let presses = 0; presses < 40 && !reached; presses++) {
      await page.keyboard.press('Tab')
      reached = await focusedState()
    }
    expect(reached).toBe('ValidateAndRender')

    await page.keyboard.press('Enter')
    await page.locator('#state-panel').waitFor({ state: 'visible' })
    expect(await page.locator('#panel-title').textContent()).toBe('ValidateAndRender')
    expect(await page.evaluate(() => document.getElementById('state-panel')!.contains(document.activeElement))).toBe(
      true,
    )

    await page.keyboard.press('Escape')
    await page.locator('#state-panel').waitFor({ state: 'hidden' })
    expect(await focusedState()).toBe('ValidateAndRender')

    await page.keyboard.press('Tab')
    expect(await focusedState()).toBe('PersistImage')
    await page.keyboard.press('Enter')
    expect(await page.locator('#panel-title').textContent()).toBe('PersistImage')
    await page.keyboard.press('Escape')
    expect(await focusedState()).toBe('PersistImage')
  })

  it('redrives the dead letter of a transient failure and shows its new execution succeed', async () => {
    failProcessedWrites()
    try {
      await uploadByFileInput('flaky.jpg', await images.jpeg(300, 200), 'image/jpeg')
      await waitForUpload('flaky.jpg', 'FAILED')
    } finally {
      healWrites()
    }
    const letter = await until(async () =>
      (await api<{ queues: DeadLetterQueueView[] }>('/dlq')).queues
        .find((queue) => queue.name === 'ImageDeadLetters')!
        .messages.find((message) => JSON.stringify(message.body).includes('uploads/flaky.jpg')),
    )

    await page.click('nav >> text=Dead letters')
    const row = page.locator(`[data-queue="ImageDeadLetters"] tr[data-message="${letter.id}"]`)
    expect(await row.locator('.reason').textContent()).toMatch(/^TransientError: /)
    await row.getByRole('button', { name: `Redrive message ${letter.id}` }).click()
    await page.locator('.notice', { hasText: 'ImageDeadLetters: 1 redriven' }).waitFor()
    await row.waitFor({ state: 'detached' })

    await page.click('nav >> text=Executions')
    await page.fill('#filter-text', 'uploads/flaky.jpg')
    await page.click('form.filters button[type="submit"]')
    await page.locator('#executions tbody tr:nth-child(2)').waitFor()
    const newest = page.locator('#executions tbody tr').first()
    await page.locator('#executions tbody tr:first-child[data-status="SUCCEEDED"]').waitFor({ timeout: 30_000 })
    expect(
      await page
        .locator('#executions tbody tr')
        .evaluateAll((rows) => rows.map((tr) => (tr as unknown as InPageElement).dataset.status)),
    ).toEqual(['SUCCEEDED', 'FAILED'])
    await newest.locator('a').click()
    await page.locator('[data-state="PersistImage"][data-outcome="succeeded"]').waitFor()
  })

  it('deletes a dead letter once the user confirms it', async () => {
    const letter = await until(async () =>
      (await api<{ queues: DeadLetterQueueView[] }>('/dlq')).queues
        .find((queue) => queue.name === 'ImageDeadLetters')!
        .messages.find((message) => JSON.stringify(message.body).includes('uploads/notes.jpg')),
    )
    await page.click('nav >> text=Dead letters')
    const row = page.locator(`[data-queue="ImageDeadLetters"] tr[data-message="${letter.id}"]`)
    expect(await row.locator('.reason').textContent()).toMatch(/^UnsupportedImage: /)

    page.once('dialog', (dialog) => void dialog.dismiss())
    await row.getByRole('button', { name: `Delete message ${letter.id}` }).click()
    const kept = (await api<{ queues: DeadLetterQueueView[] }>('/dlq')).queues.find(
      (queue) => queue.name === 'ImageDeadLetters',
    )!
    expect(kept.messages.map((message) => message.id)).toContain(letter.id)

    page.once('dialog', (dialog) => void dialog.accept())
    await row.getByRole('button', { name: `Delete message ${letter.id}` }).click()
    await row.waitFor({ state: 'detached' })
    const left = (await api<{ queues: DeadLetterQueueView[] }>('/dlq')).queues.find(
      (queue) => queue.name === 'ImageDeadLetters',
    )!
    expect(left.messages.map((message) => message.id)).not.toContain(letter.id)
  })

  it('starts a failed execution again with the same input and opens the new one', async () => {
    await page.click('nav >> text=Executions')
    await page.fill('#filter-text', 'uploads/flaky.jpg')
    await page.click('form.filters button[type="submit"]')
    const failed = page.locator('#executions tbody tr[data-status="FAILED"]', { hasText: 'uploads/flaky.jpg' })
    const failedName = (await failed.getAttribute('data-execution'))!
    await failed.locator('a').click()
    await page.locator('[data-state="PersistImage"][data-outcome="caught"]').waitFor()

    await page.click('button:has-text("Start again")')
    await page.waitForURL(
      (url) => url.hash.startsWith('#/executions/') && !url.hash.endsWith(encodeURIComponent(failedName)),
    )
    const started = decodeURIComponent(new URL(page.url()).hash.replace('#/executions/', ''))
    await page.locator('h1 .badge', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 30_000 })
    const original = await api<ExecutionDetail>(`/executions/${encodeURIComponent(failedName)}`)
    const again = await api<ExecutionDetail>(`/executions/${encodeURIComponent(started)}`)
    expect(again.input).toEqual(original.input)
    expect(again.workflow).toBe('ImageWorkflow')
    await page.click('a:has-text("← Executions")')
    await page.click('form.filters button:has-text("Clear")')
  })

  it('redrives a failed execution from its page: it resumes at the state that failed', async () => {
    await page.click('nav >> text=Executions')
    await page.fill('#filter-text', 'uploads/notes.jpg')
    await page.click('form.filters button[type="submit"]')
    await page
      .locator('#executions tbody tr[data-status="FAILED"]', { hasText: 'uploads/notes.jpg' })
      .locator('a')
      .click()
    await page.locator('[data-state="ImageFailed"][data-outcome="failed"]').waitFor()
    const redrives = page.locator('dl.summary dt:has-text("Redrives") + dd')
    expect(await redrives.textContent()).toBe('0')

    await page.click('button:has-text("Redrive")')
    await page.locator('dl.summary dt:has-text("Redrives") + dd', { hasText: '1' }).waitFor()
    await page.locator('#history tbody tr', { hasText: 'ExecutionRedriven' }).waitFor()
    await page.locator('h1 .badge', { hasText: 'FAILED' }).waitFor()
    // Only the failed state ran again: validation is not repeated.
    expect(await page.locator('#history tbody tr', { hasText: 'TaskFailed' }).count()).toBe(1)
  })

  it('replays a window of the archive and follows the replay until it is COMPLETED', async () => {
    await page.click('nav >> text=Events')
    await page.fill('#events-from', localInput(testStart))
    await page.fill('#events-to', localInput(new Date(Date.now() + 1000)))
    await page.click('form.filters button[type="submit"]')
    const uploaded = page.locator('#events tbody tr', { hasText: 'Object Created' }).first()
    await uploaded.waitFor()
    await uploaded.locator('a').click()
    const event = JSON.parse((await page.locator('pre.json').textContent())!) as {
      source: string
      'detail-type': string
    }
    expect(event).toMatchObject({ source: 'aws.s3', 'detail-type': 'Object Created' })
    await page.goBack()
    await page.locator('#events tbody tr').first().waitFor()
    await page.fill('#events-from', localInput(testStart))
    await page.fill('#events-to', localInput(new Date(Date.now() + 1000)))

    await page.click('#replay-window')
    const replay = page.locator('.replay')
    await replay.waitFor()
    await replay.locator('.replay-state', { hasText: 'COMPLETED' }).waitFor({ timeout: 40_000 })
    const { value, max } = await replay.locator('progress').evaluate((bar) => ({
      value: (bar as unknown as InPageElement).value,
      max: (bar as unknown as InPageElement).max,
    }))
    expect(value).toBe(max)
    expect(await replay.locator('.replay-counts').textContent()).toMatch(/^(\d+) of \1 events replayed$/)
    const name = await replay.getAttribute('data-replay')
    expect((await api<{ state: string }>(`/replays/${encodeURIComponent(name!)}`)).state).toBe('COMPLETED')
  })

  it('shows per-step metrics and a success-rate chart per workflow', async () => {
    await page.click('nav >> text=Metrics')
    const validate = page.locator('#step-metrics tr[data-step="RenderImageStep"]')
    await validate.waitFor()
    expect(Number(await validate.locator('td').first().textContent())).toBeGreaterThanOrEqual(4)
    await page.locator('[data-workflow="ImageWorkflow"] canvas').waitFor()
    expect(await page.locator('[data-workflow="ImageWorkflow"] .rate').textContent()).toMatch(/% succeeded/)
  })

  it("shows the API's error and message for bad input", async () => {
    await page.goto(`${base}/console#/executions/no-such-execution`)
    const missing = page.locator('[role="alert"]')
    await missing.waitFor()
    expect(await missing.textContent()).toContain('ExecutionDoesNotExist')
    expect(await missing.textContent()).toContain('No execution no-such-execution')

    await page.click('nav >> text=Events')
    await page.fill('#events-pattern', '{"source": "pipeline.images"}')
    await page.click('form.filters button[type="submit"]')
    const refused = page.locator('[role="alert"]', { hasText: 'InvalidEventPattern' })
    await refused.waitFor()
    expect(await refused.textContent()).toContain('pattern:')

    await page.fill('#events-pattern', '{"source": [')
    await page.click('form.filters button[type="submit"]')
    await page.locator('[role="alert"]', { hasText: 'pattern: not valid JSON' }).waitFor()
  })

  it('loaded nothing from another origin and broke no content security rule', () => {
    expect(foreignRequests).toEqual([])
    expect(pageErrors).toEqual([])
  })
})
