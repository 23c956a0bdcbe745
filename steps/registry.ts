import { indexImage } from './index/program'
import { notifyImage } from './notify/program'
import { persistImage } from './persist/program'
import { recordImageFailure } from './record-failure/program'
import { resizeImage } from './resize/program'
import type { AnyStep } from './step'
import { validateImage } from './validate/program'

/** Every step program by its name, for the local runtime. */
export const stepsByName: ReadonlyMap<string, AnyStep> = new Map(
  [validateImage, resizeImage, persistImage, indexImage, notifyImage, recordImageFailure].map((step) => [step.name, step]),
)
