import { Effect, Schema } from 'effect'
import { ImageRecord } from '../../../contracts/images'
import { ImageProcessedType, ImagesSource } from '../../../contracts/sources'
import { EventPublisher } from '../../services/event-publisher'
import { PipelineConfig } from '../../services/config'
import { Ledger } from '../../services/ledger'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'

export const NotifyInput = Schema.Struct({ record: ImageRecord, executionId: Schema.String })

/** One `ImageProcessed` per object version: the business key the ledger de-duplicates on. */
export const processedKey = (record: ImageRecord) =>
  `${ImageProcessedType}#${record.bucket}/${record.key}#${record.etag}`

/**
 * Publishes `ImageProcessed` once per image version, however many runs reach this step.
 * The claim is owned by the execution, so a run restarted after a crash can still finish what it claimed.
 */
export const notifyImage = defineStep({
  name: StepNames.notifyImage,
  input: NotifyInput,
  run: ({ record, executionId }) =>
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
    }),
})
