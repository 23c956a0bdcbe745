import type { ExecutionSummary, ImageView, UploadResult } from '../../port'
import { api, encodeSegments, query } from '../api'
import { h, statusBadge } from '../dom'
import { formatTime } from '../format'
import { errorBox, errorSlot, heading, type ViewContext } from '../view'
import { executionLink } from './executions'

interface Upload {
  readonly key: string
  readonly row: HTMLElement
  readonly state: HTMLElement
  readonly execution: HTMLElement
  /** The key's newest execution before this upload, which is not this upload's. */
  readonly before: string | undefined
  done: boolean
}

const Finished = new Set(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'])

const latestExecution = async (key: string): Promise<ExecutionSummary | undefined> =>
  (await api<{ executions: ExecutionSummary[] }>(`/executions${query({ q: key, limit: 1 })}`)).executions[0]

/** Upload keys are file names; anything a key cannot hold becomes a dash. */
const keyFor = (file: File) => file.name.replace(/[^A-Za-z0-9._ -]/g, '-').replace(/^[.\s]+/, '') || 'upload'

const card = (image: ImageView) => {
  const thumbnail = image.thumbnails.find((candidate) => candidate.rendition === 'thumbnail') ?? image.thumbnails[0]
  const picture = thumbnail
    ? h('img', { src: thumbnail.url, alt: `Thumbnail of ${image.key}`, loading: 'lazy', width: 160, height: 120 })
    : h('div', { class: 'no-thumbnail', 'aria-hidden': 'true' }, image.status === 'FAILED' ? '✕' : '…')
  return h(
    'li',
    { class: 'image-card', 'data-key': image.key },
    image.executionName
      ? h(
          'a',
          {
            href: `#/executions/${encodeURIComponent(image.executionName)}`,
            'aria-label': `${image.key}: open its execution`,
          },
          picture,
        )
      : picture,
    h('p', { class: 'key' }, image.key),
    h('p', {}, statusBadge(image.status), ' ', h('span', { class: 'muted' }, formatTime(image.updatedAt))),
  )
}

/** `#/images`: processed and failed images with their thumbnails, and uploading new ones. */
export const imagesView = (context: ViewContext) => {
  const errors = errorSlot()
  const grid = h('ul', { class: 'image-grid', 'aria-label': 'Images' })
  const uploadsList = h('ul', { class: 'uploads', 'aria-label': 'Uploads from this page' })
  const fileInput = h('input', {
    id: 'upload-file',
    type: 'file',
    multiple: true,
    accept: 'image/*,.jpg,.jpeg,.png,.webp,.gif,.avif,.tif,.tiff',
  })
  const dropZone = h(
    'div',
    { class: 'drop-zone', id: 'drop-zone' },
    h('p', {}, 'Drop images here, or '),
    h('label', { for: 'upload-file', class: 'file-label' }, 'choose files'),
    fileInput,
  )
  const uploads: Upload[] = []
  const more = h('button', { type: 'button', hidden: true }, 'Load more')
  let next: string | undefined
  let shown = ''

  const uploadFile = async (file: File) => {
    const key = keyFor(file)
    const state = h('span', { class: 'upload-state' }, 'uploading…')
    const execution = h('span', { class: 'upload-execution' })
    const row = h('li', { 'data-upload': key }, h('code', {}, key), ' ', state, ' ', execution)
    uploadsList.prepend(row)
    try {
      const before = (await latestExecution(`uploads/${key}`))?.name
      const result = await api<UploadResult>(`/uploads/${encodeSegments(key)}`, {
        method: 'PUT',
        body: file,
        headers: { 'content-type': file.type || 'application/octet-stream' },
      })
      state.textContent = `uploaded (${result.size} bytes), waiting for its execution`
      uploads.push({ key: result.key, row, state, execution, before, done: false })
      context.announce(`Uploaded ${result.key}`)
      void trackUploads.now()
    } catch (error) {
      state.replaceChildren('failed: ', errorBox(error))
      context.announce(`Upload of ${key} failed`)
    }
  }

  const uploadAll = (files: FileList | null) => {
    for (const file of files ?? []) void uploadFile(file)
  }

  fileInput.addEventListener('change', () => {
    uploadAll(fileInput.files)
    fileInput.value = ''
  })
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault()
    dropZone.classList.add('dragging')
  })
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'))
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault()
    dropZone.classList.remove('dragging')
    uploadAll(event.dataTransfer?.files ?? null)
  })

  /** Each upload's execution, found by its key, until it finishes. */
  const trackUploads = context.poll(async () => {
    for (const upload of uploads.filter((candidate) => !candidate.done)) {
      try {
        const latest = await latestExecution(upload.key)
        if (!latest || latest.name === upload.before || !context.active()) continue
        upload.state.replaceChildren(statusBadge(latest.status))
        upload.execution.replaceChildren(executionLink(latest))
        upload.row.dataset.status = latest.status
        if (Finished.has(latest.status)) {
          upload.done = true
          context.announce(`${upload.key}: ${latest.status}`)
        }
      } catch (error) {
        if (context.active()) errors.show(error)
      }
    }
  })

  const loadImages = async (append: boolean) => {
    try {
      const answer = await api<{ images: ImageView[]; next?: string }>(
        `/images${query({ limit: 48, cursor: append ? next : undefined })}`,
      )
      if (!context.active()) return
      errors.clear()
      if (append) {
        grid.append(...answer.images.map(card))
      } else {
        const key = JSON.stringify(answer)
        if (key === shown) return
        shown = key
        grid.replaceChildren(
          ...(answer.images.length > 0 ? answer.images.map(card) : [h('li', { class: 'muted' }, 'No images yet.')]),
        )
        next = answer.next
      }
      if (append) next = answer.next
      more.hidden = !next
    } catch (error) {
      if (context.active()) errors.show(error)
    }
  }
  more.addEventListener('click', () => void loadImages(true))
  // Live refresh shows the first page; pages loaded with "Load more" stay until the next change to the first.
  context.poll(() => loadImages(false))

  context.root.replaceChildren(
    heading('Images'),
    h(
      'section',
      { 'aria-labelledby': 'upload-heading' },
      h('h2', { id: 'upload-heading' }, 'Upload'),
      dropZone,
      uploadsList,
    ),
    errors.element,
    h('h2', {}, 'Images'),
    grid,
    more,
  )
}
