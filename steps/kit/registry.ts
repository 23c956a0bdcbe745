import { indexImage } from '../images/index/program'
import { persistImage } from '../images/persist/program'
import { recordImageFailure } from '../images/record-failure/program'
import { renderImage } from '../images/render/program'
import { httpApi } from '../api/program'
import { searchApi } from '../search/program'
import { importOrders } from '../import/program'
import { notifyOrder } from '../orders/notify/program'
import { persistOrder } from '../orders/persist/program'
import { validateOrder } from '../orders/validate/program'
import { receiveOrders } from '../queue/program'
import { applyChange } from '../changes/apply/program'
import { decodeOrderChanges, decodeUserChanges } from '../changes/decode/program'
import { notifyChange } from '../changes/notify/program'
import { publishDlqDepths } from '../maintenance/publish-dlq-depths/program'
import { reconcileSearch } from '../maintenance/reconcile-search/program'
import { republishStaleOrders } from '../maintenance/republish-stale-orders/program'
import type { AnyStep } from './step'

/** Every step program by its name, for the local runtime. */
export const stepsByName: ReadonlyMap<string, AnyStep> = new Map(
  [
    renderImage,
    persistImage,
    indexImage,
    recordImageFailure,
    httpApi,
    searchApi,
    validateOrder,
    persistOrder,
    notifyOrder,
    receiveOrders,
    importOrders,
    decodeOrderChanges,
    decodeUserChanges,
    applyChange,
    notifyChange,
    reconcileSearch,
    publishDlqDepths,
    republishStaleOrders,
  ].map((step) => [step.name, step]),
)
