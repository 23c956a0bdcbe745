import { Effect } from 'effect'
import { PersistInput, type ImageRecord } from '../../../contracts/images'
import { now } from '../../services/clock'
import { ImageTable } from '../../services/image-table'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'

/**
 * Writes the PROCESSED record of this object version with a conditional write.
 * A duplicate run finds the record already standing and returns it unchanged.
 */
export const persistImage = defineStep({
  name: StepNames.persistImage,
  input: PersistInput,
  run: ({ image, renditions }) =>
    Effect.gen(function* () {
      const table = yield* ImageTable
      const at = yield* now
      const record: ImageRecord = {
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
      const outcome = yield* table.putVersion(record)
      return outcome.written ? record : outcome.existing
    }),
})
