import type { DatabaseSync } from 'node:sqlite'
import { Layer } from 'effect'
import { Ledger } from '../../../steps/services/ledger'
import { attempt } from './attempt'

/** The side-effect ledger: a claim is an INSERT that only the first owner wins, or the same owner re-running. */
export const LedgerSqlite = (db: DatabaseSync) => {
  const claim = db.prepare(`INSERT INTO ledger (key, owner, claimed_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET claimed_at = excluded.claimed_at WHERE ledger.owner = excluded.owner AND ledger.done = 0`)
  // Completing stands for good, even for a key whose claim was released meanwhile.
  const complete = db.prepare(
    `INSERT INTO ledger (key, owner, done, claimed_at) VALUES (?, '', 1, ?) ON CONFLICT (key) DO UPDATE SET done = 1`,
  )
  const release = db.prepare('DELETE FROM ledger WHERE key = ? AND owner = ? AND done = 0')
  return Layer.succeed(Ledger, {
    claim: (key, owner) => attempt('ledger:claim', () => claim.run(key, owner, new Date().toISOString()).changes > 0),
    complete: (key) => attempt('ledger:complete', () => void complete.run(key, new Date().toISOString())),
    release: (key, owner) => attempt('ledger:release', () => void release.run(key, owner)),
  })
}
