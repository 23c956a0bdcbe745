import { Effect } from 'effect'
import { SearchIndex } from '../../services/search-index'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { ChangeEvent, isOrderChange, requireImage } from '../change-event'
import { orderDocument, recordVersion, userDocument } from '../documents'

/** The search document a change is about: built from the new image, or from the old one for a REMOVE. */
const documentOf = (event: ChangeEvent) => {
  const image = event.detail.eventName === 'REMOVE' ? 'oldImage' : 'newImage'
  return isOrderChange(event)
    ? Effect.map(requireImage(event.detail, image), (order) => ({
        doc: orderDocument(order),
        version: recordVersion(order),
      }))
    : Effect.map(requireImage(event.detail, image), (user) => ({
        doc: userDocument(user),
        version: recordVersion(user),
      }))
}

/**
 * Mirrors a table change into the search index, the one place orders and users are indexed from: INSERT and MODIFY
 * upsert the record's document at the record's version, REMOVE removes it at the version after the last one. Writes
 * are conditional on the version, so two changes of one record applied out of order (two Express executions racing)
 * leave the newer one, and a duplicate run writes nothing (`stale`).
 */
export const applyChange = defineStep({
  name: StepNames.applyChange,
  input: ChangeEvent,
  run: (event) =>
    Effect.gen(function* () {
      const index = yield* SearchIndex
      const { doc, version } = yield* documentOf(event)
      if (event.detail.eventName === 'REMOVE') {
        const outcome = yield* index.remove(doc.id, version + 1)
        return { id: doc.id, action: 'removed' as const, outcome }
      }
      const outcome = yield* index.upsert(doc, version)
      return { id: doc.id, action: 'upserted' as const, outcome }
    }),
})
