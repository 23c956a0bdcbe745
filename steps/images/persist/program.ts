import { Effect } from 'effect'
import { PersistInput, type ImageRecord } from '../../../contracts/images'
import { now } from '../../services/clock'
import { ImageTable } from '../../services/image-table'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { announceProcessed } from './announce'

/**
 * Writes the PROCESSED record of this object version with a conditional write, then announces `ImageProcessed`
 * once per version (`announceProcessed`). A duplicate run finds the record already standing and the announcement
 * already made, and returns the record unchanged. One step for both, where there were two: in a Standard workflow
 * every state entered is a billed transition.
 */
export const persistImage = defineStep({
  name: StepNames.persistImage,
  input: PersistInput,
  run: ({ image, renditions, executionId }) =>
    Effect.gen(function* () {
      const table = yield* ImageTable
      const at = yield* now
      const written: ImageRecord = {
        key: image.key,
        bucket: image.bucket,
        etag: image.etag,
        ...(image.versionId === undefined ? {} : { versionId: image.versionId }),
        status: 'PROCESSED',
        size: image.size,
        format: image.format,
        width: image.width,
        height: image.height,
        renditions: [...renditions].sort((a, b) => a.name.localeCompare(b.name)),
        createdAt: at,
        updatedAt: at,
      }
      const outcome = yield* table.putVersion(written)
      const record = outcome.written ? written : outcome.existing
      // Only this version's PROCESSED record is announced; a newer version standing announces itself.
      if (record.status === 'PROCESSED' && record.etag === image.etag) yield* announceProcessed(record, executionId)
      return record
    }),
})
