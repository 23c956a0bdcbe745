// Kept for the suites that still import it from here; the helpers live in test/support/exits.ts.
export { defectOf, failureOf } from '../../../../support/exits'
