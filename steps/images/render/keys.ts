import type { RenditionSpec } from '../../../contracts/images'
import { RenditionsPrefix, UploadsPrefix } from '../../../contracts/sources'

/** The file extension each rendition format is written with. */
export const RenditionExtensions: Readonly<Record<RenditionSpec['format'], string>> = {
  jpeg: 'jpg',
  webp: 'webp',
  png: 'png',
  avif: 'avif',
}

/** The Content-Type each rendition format is written with. */
export const RenditionContentTypes: Readonly<Record<RenditionSpec['format'], string>> = {
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  png: 'image/png',
  avif: 'image/avif',
}

/**
 * Where a rendition of an upload is written: `thumbnails/{spec.name}/{key without uploads/}.{ext}`,
 * e.g. `uploads/a/cat.png` + `web` → `thumbnails/web/a/cat.png.webp`.
 * Deterministic, so a retried or replayed run overwrites the same object instead of adding one; always under
 * `thumbnails/`, never `uploads/`, so writing a rendition cannot trigger the image workflow again.
 * The original extension is kept so `cat.png` and `cat.jpg` never share a rendition.
 */
export const renditionKey = (key: string, spec: Pick<RenditionSpec, 'name' | 'format'>): string => {
  const relative = key.startsWith(UploadsPrefix) ? key.slice(UploadsPrefix.length) : key
  return `${RenditionsPrefix}${spec.name}/${relative}.${RenditionExtensions[spec.format]}`
}
