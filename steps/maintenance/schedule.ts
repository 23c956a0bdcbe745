import { Schema } from 'effect'

/**
 * What each maintenance branch receives: the maintenance workflow passes `{}`, and the branches accept anything.
 * They read the time from the Clock port, so tests can pin it and a late run still uses its own time.
 */
export const ScheduledRun = Schema.Unknown
