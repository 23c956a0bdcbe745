/**
 * The name of each step: the CDK app stamps it on the function (`PIPELINE_STEP`), and the local runtime
 * resolves a function in the synthesized template back to its program by it.
 */
export const StepNames = {
  validate: 'validate-image',
  resize: 'resize-image',
  persist: 'persist-image',
  index: 'index-image',
  notify: 'notify-image',
  recordFailure: 'record-image-failure',
} as const
