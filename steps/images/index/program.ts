import { Effect } from 'effect'
import { ImageRecord } from '../../../contracts/images'
import type { SearchDocument } from '../../../contracts/search'
import { SearchIndex } from '../../services/search-index'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'

/** The search document of an image: found exactly by its key, format, status and size, and as text by its key's words. */
export const imageDocument = (record: ImageRecord): SearchDocument => ({
  id: `image:${record.key}`,
  kind: 'image',
  title: record.key,
  exact: [
    record.key,
    record.format ?? '',
    record.status,
    record.width && record.height ? `${record.width}x${record.height}` : '',
  ].filter(Boolean),
  text: record.key,
  data: record,
})

/** An image record's version: when it was written, in epoch milliseconds (a newer upload's record is written later). */
export const imageVersion = (record: ImageRecord): number => Math.max(0, Date.parse(record.updatedAt) || 0)

/**
 * Upserts the image's search document at the record's version: the image workflow is the one place images are
 * indexed from. A duplicate run finds its version there already (`stale`); a run of an older upload that finishes
 * after a newer one's cannot replace the newer document.
 */
export const indexImage = defineStep({
  name: StepNames.indexImage,
  input: ImageRecord,
  run: (record) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      const document = imageDocument(record)
      const outcome = yield* index.upsert(document, imageVersion(record))
      return { id: document.id, outcome }
    }),
})
