import { Effect } from 'effect'
import { SearchIndex } from '../../services/search-index'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { ChangeEvent, isOrderChange, requireImage } from '../change-event'
import { orderDocument, userDocument } from '../documents'

/** The search document a change is about: built from the new image, or from the old one for a REMOVE. */
const documentOf = (event: ChangeEvent) => {
  const image = event.detail.eventName === 'REMOVE' ? 'oldImage' : 'newImage'
  return isOrderChange(event)
    ? Effect.map(requireImage(event.detail, image), orderDocument)
    : Effect.map(requireImage(event.detail, image), userDocument)
}

/**
 * Mirrors a table change into the search index: INSERT and MODIFY upsert the record's document, REMOVE removes it.
 * Both are idempotent by document id, so a duplicate run leaves the same index.
 */
export const applyChange = defineStep({
  name: StepNames.applyChange,
  input: ChangeEvent,
  run: (event) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      const document = yield* documentOf(event)
      if (event.detail.eventName === 'REMOVE') {
        yield* index.remove(document.id)
        return { id: document.id, action: 'removed' as const }
      }
      yield* index.upsert(document)
      return { id: document.id, action: 'upserted' as const }
    }),
})
