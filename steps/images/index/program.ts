import { Effect } from 'effect'
import { ImageRecord } from '../../../contracts/images'
import { SearchIndex } from '../../services/search-index'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'

/** The search document of an image: found by its key, file name, format and status. */
export const imageDocument = (record: ImageRecord) => ({
  id: `image:${record.key}`,
  kind: 'image',
  title: record.key,
  text: [
    record.key,
    record.key.split('/').pop(),
    record.format,
    record.status,
    record.width && record.height ? `${record.width}x${record.height}` : undefined,
  ]
    .filter(Boolean)
    .join(' '),
  data: record,
})

/** Upserts the image's search document; the id is the object key, so running twice leaves one document. */
export const indexImage = defineStep({
  name: StepNames.indexImage,
  input: ImageRecord,
  run: (record) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      const document = imageDocument(record)
      yield* index.upsert(document)
      return { id: document.id }
    }),
})
