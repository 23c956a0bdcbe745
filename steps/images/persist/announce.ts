import { Effect } from 'effect'
import type { ImageRecord } from '../../../contracts/images'
import { ImageProcessedType, ImagesSource } from '../../../contracts/sources'
import { EventPublisher } from '../../services/event-publisher'
import { PipelineConfig } from '../../services/config'
import { Ledger } from '../../services/ledger'

/** One `ImageProcessed` per object version: the business key the ledger de-duplicates on. */
export const processedKey = (record: ImageRecord) =>
  `${ImageProcessedType}#${record.bucket}/${record.key}#${record.etag}`

/**
 * Publishes `ImageProcessed` once per image version, however many runs get there (the persist step calls it once the
 * record stands). The claim is owned by the execution, so a run restarted after a crash can still finish what it
 * claimed; a failed publish releases it, so the retry can publish.
 */
export const announceProcessed = (record: ImageRecord, executionId: string) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger
    const publisher = yield* EventPublisher
    const { busName } = yield* PipelineConfig
    const key = processedKey(record)
    if (!(yield* ledger.claim(key, executionId))) return { published: false }
    const detail = {
      bucket: record.bucket,
      key: record.key,
      etag: record.etag,
      format: record.format,
      width: record.width,
      height: record.height,
      renditions: record.renditions,
    }
    yield* publisher
      .publish([
        {
          EventBusName: busName,
          Source: ImagesSource,
          DetailType: ImageProcessedType,
          Detail: JSON.stringify(detail),
          Resources: [],
        },
      ])
      .pipe(Effect.tapError(() => ledger.release(key, executionId)))
    yield* ledger.complete(key)
    return { published: true }
  })
