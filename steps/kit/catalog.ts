/** What the CDK app needs to know of a step beyond its program. */
export interface StepEntry {
  /** The step's folder under `steps/`: its `handler.ts` is the Lambda entry, its `program.ts` the program. */
  readonly folder: string
  /** The step decodes images with sharp, whose native binary is installed beside the bundle rather than bundled. */
  readonly usesSharp?: boolean
}

/**
 * Every step, once. A step's key is where everything else derives from: its name (`renderImage` is
 * `render-image`, stamped on the function as `PIPELINE_STEP` and used by metrics and fault injection), its CDK
 * construct id (`RenderImageStep`) and, through this table, its folder.
 */
export const Steps = {
  renderImage: { folder: 'images/render', usesSharp: true },
  persistImage: { folder: 'images/persist' },
  indexImage: { folder: 'images/index' },
  recordImageFailure: { folder: 'images/record-failure' },
  httpApi: { folder: 'api' },
  searchApi: { folder: 'search' },
  validateOrder: { folder: 'orders/validate' },
  persistOrder: { folder: 'orders/persist' },
  notifyOrder: { folder: 'orders/notify' },
  receiveOrders: { folder: 'queue' },
  decodeOrderChanges: { folder: 'changes/decode-orders' },
  decodeUserChanges: { folder: 'changes/decode-users' },
  applyChange: { folder: 'changes/apply' },
  notifyChange: { folder: 'changes/notify' },
  importOrders: { folder: 'import' },
  reconcileSearch: { folder: 'maintenance/reconcile-search' },
  publishDlqDepths: { folder: 'maintenance/publish-dlq-depths' },
  republishStaleOrders: { folder: 'maintenance/republish-stale-orders' },
} as const satisfies Record<string, StepEntry>

export type StepKey = keyof typeof Steps

export const StepKeys = Object.keys(Steps) as ReadonlyArray<StepKey>

/** `renderImage` → `render-image`. */
export const stepName = (key: StepKey): string => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)

/** `renderImage` → `RenderImageStep`. */
export const stepConstructId = (key: StepKey): string => `${key[0]!.toUpperCase()}${key.slice(1)}Step`

/** Each step's name by its key. */
export const StepNames = Object.fromEntries(StepKeys.map((key) => [key, stepName(key)])) as Readonly<
  Record<StepKey, string>
>
